/**
 * The one request context every handler gets, whatever the client's generation.
 *
 * A transport describes where a request came from with a {@link RequestChannel}
 * (filled from the session for 2024/2025 clients, from the `_meta` envelope for
 * 2026 clients); {@link createContext} turns it into the {@link RequestContext}
 * handlers see, adding log-level filtering and progress rules in one place.
 *
 * @module
 */
import type { JsonRpcMessage, RequestId } from "./jsonrpc.ts";
import { type Asker, INPUT_DEFAULTS, inputApi, type InputApi, requestAsker } from "./input.ts";

/**
 * `clientInfo` / `serverInfo`: an implementation's name and version.
 *
 * @example
 * ```ts
 * import type { Implementation } from "./context.ts";
 * const serverInfo: Implementation = { name: "demo", version: "1.0.0", title: "Demo server" };
 * ```
 */
export interface Implementation {
  /** Programmatic name. */
  name: string;
  /** Version. */
  version: string;
  /** A name to show people. */
  title?: string;
  /** Other fields (e.g. `icons`), passed through. */
  [key: string]: unknown;
}

/**
 * MCP logging levels, least severe first.
 *
 * @example
 * ```ts
 * import { LOGGING_LEVELS } from "./context.ts";
 * LOGGING_LEVELS.indexOf("error") > LOGGING_LEVELS.indexOf("info"); // true: error is more severe
 * ```
 */
export const LOGGING_LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
] as const;

/**
 * One MCP logging level.
 *
 * @example
 * ```ts
 * import type { LoggingLevel } from "./context.ts";
 * const level: LoggingLevel = "warning";
 * ```
 */
export type LoggingLevel = typeof LOGGING_LEVELS[number];

/**
 * Options for a server→client request.
 *
 * @example
 * ```ts
 * import type { ClientRequestOptions } from "./context.ts";
 * const options: ClientRequestOptions = { timeoutMs: 10_000, signal: AbortSignal.timeout(5_000) };
 * ```
 */
export interface ClientRequestOptions {
  /** Give up after this many milliseconds (default: the handler's `requestTimeoutMs`). */
  timeoutMs?: number;
  /** Abort the wait early; the request's own signal (cancellation, disconnect) always applies too. */
  signal?: AbortSignal;
}

/**
 * The resource subscriptions of one session (`resources/subscribe`). The session owns the
 * state and drops it when it closes; the core only adds and removes URIs.
 *
 * @example
 * ```ts
 * import type { ResourceSubscriptions } from "./context.ts";
 * // What a handler sees as ctx.subscriptions in a session (absent for 2026 requests).
 * function watching(subscriptions: ResourceSubscriptions | undefined, uri: string): boolean {
 *   return subscriptions?.has(uri) ?? false;
 * }
 * ```
 */
export interface ResourceSubscriptions {
  /** Subscribes to updates of `uri`. */
  add(uri: string): void;
  /** Unsubscribes; true when `uri` was subscribed. */
  delete(uri: string): boolean;
  /** True when `uri` is subscribed. */
  has(uri: string): boolean;
}

/**
 * What a transport knows about the request it hands to the core.
 * Transports build one per request; the core never sees a session.
 *
 * @example
 * ```ts
 * import { createContext, type RequestChannel } from "./context.ts";
 * const channel: RequestChannel = { protocolVersion: "2025-11-25", clientCapabilities: {}, send: (m) => console.log(m) };
 * const { context } = createContext(channel, { id: 1, method: "tools/call" }, new AbortController().signal);
 * ```
 */
export interface RequestChannel {
  /** The negotiated (2024/2025) or declared (2026) protocol version. */
  protocolVersion: string;
  /** The client's `clientInfo`, when known. */
  clientInfo?: Implementation;
  /** The client's declared capabilities. */
  clientCapabilities: Record<string, unknown>;
  /** The minimum level of log notifications the client wants; absent means "all" for sessions. */
  logLevel?: LoggingLevel;
  /** When false, `log()` sends nothing (2026 requests without a `logLevel`). Default true. */
  logging?: boolean;
  /** The session id, for 2024/2025 clients. */
  sessionId?: string;
  /** The authenticated principal, when an authentication hook is configured. */
  principal?: unknown;
  /** The session's resource subscriptions; absent where there is no session (2026 requests). */
  subscriptions?: ResourceSubscriptions;
  /** Sends a message related to this request (on the request's stream where there is one). */
  send(message: JsonRpcMessage): void;
  /** Sends a request to the client and resolves with its result; absent where the transport cannot. */
  request?(method: string, params: Record<string, unknown> | undefined, options?: ClientRequestOptions): Promise<Record<string, unknown>>;
  /** Closes the connection carrying the request's stream without ending the stream; absent where there is none. */
  closeConnection?(): boolean;
}

/**
 * The context handed to every tool, resource and prompt handler. Its input methods
 * (`elicit`, `sample`, `roots`, `ask`, `canAsk`) work for every client generation: see
 * `input.ts` and, for how a 2026-07-28 handler resumes, `input_required.ts`.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { McpServer } from "./server.ts";
 * import type { RequestContext } from "./context.ts";
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * server.tool("count", { inputSchema: z.object({ to: z.number() }) }, async ({ to }, ctx: RequestContext) => {
 *   for (let i = 1; i <= to && !ctx.signal.aborted; i++) ctx.progress(i, to);
 *   ctx.log("info", `counted to ${to}`);
 *   return { content: [{ type: "text", text: String(to) }] };
 * });
 * ```
 */
export interface RequestContext extends InputApi {
  /** The JSON-RPC id of the request being handled. */
  readonly requestId: RequestId;
  /** The request's method, e.g. `tools/call`. */
  readonly method: string;
  /** The protocol version in force for this request. */
  readonly protocolVersion: string;
  /** The client's `clientInfo`, when known. */
  readonly clientInfo?: Implementation;
  /** The client's declared capabilities. */
  readonly clientCapabilities: Record<string, unknown>;
  /** The client's current log level, when set. */
  readonly logLevel?: LoggingLevel;
  /** The session id (2024/2025 clients only). */
  readonly sessionId?: string;
  /** The authenticated principal, when authentication is configured. */
  readonly principal?: unknown;
  /** The session's resource subscriptions; absent where there is no session. */
  readonly subscriptions?: ResourceSubscriptions;
  /** The request's `_meta.progressToken`, when it carried one. */
  readonly progressToken?: string | number;
  /** The request's `_meta`, as sent. */
  readonly meta: Record<string, unknown>;
  /** Aborted when the client cancels, disconnects, or the session closes. */
  readonly signal: AbortSignal;
  /** Sends a notification related to this request. */
  notify(method: string, params?: Record<string, unknown>): void;
  /** Sends `notifications/message` if `level` passes the client's log level. */
  log(level: LoggingLevel, data: unknown, logger?: string): void;
  /**
   * Sends `notifications/progress` when the request carried a progress token.
   * Values that do not increase are dropped, as the spec requires increasing progress.
   */
  progress(progress: number, total?: number, message?: string): void;
  /** Sends a request to the client (sampling, elicitation, roots, ping) and waits for the result. */
  request(method: string, params?: Record<string, unknown>, options?: ClientRequestOptions): Promise<Record<string, unknown>>;
  /**
   * Closes the HTTP connection carrying this request's SSE stream without ending the stream
   * (2025-11-25 polling): the client reconnects with `Last-Event-ID` and receives the rest.
   * Returns false where there is no such connection (JSON responses, other transports).
   */
  closeConnection(): boolean;
}

/**
 * True when a message at `level` passes the threshold `minimum`.
 *
 * @example
 * ```ts
 * import { levelPasses } from "./context.ts";
 * levelPasses("error", "warning"); // true
 * levelPasses("debug", "info"); // false
 * ```
 */
export function levelPasses(level: LoggingLevel, minimum: LoggingLevel | undefined): boolean {
  if (minimum === undefined) return true;
  return LOGGING_LEVELS.indexOf(level) >= LOGGING_LEVELS.indexOf(minimum);
}

/**
 * Builds the handler-facing context for one request. Call `finish()` once the response is
 * sent: progress and logs for the request stop there, as the spec requires.
 *
 * @example
 * ```ts
 * import { createContext } from "./context.ts";
 * const { context, finish } = createContext(
 *   { protocolVersion: "2025-11-25", clientCapabilities: {}, send: (m) => console.log(m) },
 *   { id: 1, method: "tools/call", params: { _meta: { progressToken: "t" } } },
 *   new AbortController().signal,
 * );
 * context.progress(1, 10); // sends notifications/progress for token "t"
 * finish();
 * context.progress(2, 10); // dropped: the request is over
 * ```
 */
export function createContext(
  channel: RequestChannel,
  request: { id: RequestId; method: string; params?: Record<string, unknown> },
  signal: AbortSignal,
): { context: RequestContext; finish(): void } {
  const rawMeta = request.params?._meta;
  const meta = typeof rawMeta === "object" && rawMeta !== null ? rawMeta as Record<string, unknown> : {};
  const token = meta.progressToken;
  const progressToken = typeof token === "string" || typeof token === "number" ? token : undefined;
  let lastProgress = -Infinity;
  let finished = false;
  // Over once finished or aborted; read on use instead of listening for abort (no listener per request).
  const over = () => finished || signal.aborted;
  const notify = (method: string, params?: Record<string, unknown>) => {
    if (over()) return;
    channel.send(params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params });
  };
  const request_ = (method: string, params?: Record<string, unknown>, options?: ClientRequestOptions) => {
    if (!channel.request) {
      return Promise.reject(new Error(`This client cannot be sent requests on this transport (${method})`));
    }
    // A signal of the handler's own ends the wait early; the request's signal always applies too.
    const own = options?.signal;
    return channel.request(method, params, { ...options, signal: own && own !== signal ? AbortSignal.any([signal, own]) : signal });
  };
  // Built on first use: most handlers never ask for input, and the server core gives them its own (withAsker).
  let input: InputApi | undefined;
  const api = () => (input ??= inputApi(requestAsker({ request: request_, capabilities: channel.clientCapabilities, signal, ...INPUT_DEFAULTS }), channel.clientCapabilities));
  const context: RequestContext = {
    ask: ((...args: unknown[]) => (api().ask as (...a: unknown[]) => unknown)(...args)) as InputApi["ask"],
    elicit: ((...args: unknown[]) => (api().elicit as (...a: unknown[]) => unknown)(...args)) as InputApi["elicit"],
    sample: (params, options) => api().sample(params, options),
    roots: (options) => api().roots(options),
    canAsk: (method) => api().canAsk(method),
    requestId: request.id,
    method: request.method,
    protocolVersion: channel.protocolVersion,
    clientInfo: channel.clientInfo,
    clientCapabilities: channel.clientCapabilities,
    get logLevel() {
      return channel.logLevel;
    },
    sessionId: channel.sessionId,
    principal: channel.principal,
    subscriptions: channel.subscriptions,
    progressToken,
    meta,
    signal,
    notify,
    log(level, data, logger) {
      if (channel.logging === false || !levelPasses(level, channel.logLevel)) return;
      notify("notifications/message", logger === undefined ? { level, data } : { level, data, logger });
    },
    progress(progress, total, message) {
      if (progressToken === undefined || over() || !(progress > lastProgress)) return;
      lastProgress = progress;
      const params: Record<string, unknown> = { progressToken, progress };
      if (total !== undefined) params.total = total;
      if (message !== undefined) params.message = message;
      notify("notifications/progress", params);
    },
    request: request_,
    closeConnection() {
      return channel.closeConnection?.() ?? false;
    },
  };
  return { context, finish: () => (finished = true) };
}

/** The context members {@link withAsker} answers from its asker. */
const INPUT_KEYS: ReadonlySet<string> = new Set(["ask", "elicit", "sample", "roots", "canAsk"]);

/**
 * A view of `context` whose input methods go through `asker` and whose `signal` is `signal`;
 * everything else is the original context. The server core uses it to give handlers the
 * asking behaviour of the request's era and the server's limits.
 *
 * @example
 * ```ts
 * import { createContext, withAsker } from "./context.ts";
 * const { context } = createContext(
 *   { protocolVersion: "2026-07-28", clientCapabilities: {}, send() {} },
 *   { id: 1, method: "tools/call" },
 *   new AbortController().signal,
 * );
 * const view = withAsker(context, () => Promise.reject(new Error("no input here")), context.signal);
 * view.method; // "tools/call"
 * ```
 */
export function withAsker(context: RequestContext, asker: Asker, signal: AbortSignal): RequestContext {
  // Built on first use of an input method: most handlers never ask.
  let api: InputApi | undefined;
  // A proxy, not Object.create(context): making each request's context a prototype is costly
  // in V8 (it was the largest item of a tools/call profile on Deno).
  return new Proxy(context, {
    get: (target, key) => {
      if (key === "signal") return signal;
      if (typeof key === "string" && INPUT_KEYS.has(key)) {
        api ??= inputApi(asker, context.clientCapabilities);
        return api[key as keyof InputApi];
      }
      return Reflect.get(target, key);
    },
  });
}
