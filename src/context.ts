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

/** What a context owner (the transport) does to it; see {@link finishContext} and {@link abortContext}. */
let finishOf!: (context: HandlerContext) => void;
let abortOf!: (context: HandlerContext, reason: unknown) => void;

/**
 * The context of one request: what {@link createContext} makes. A class, so a request costs one
 * object with shared methods instead of a dozen closures; its signal is made only when someone
 * reads it (most handlers never do), and is aborted at once if the request already was.
 * Members read off it (`const { log, progress } = ctx`) keep working: they are bound on first read.
 *
 * @example
 * ```ts
 * import { abortContext, HandlerContext } from "./context.ts";
 * const ctx = new HandlerContext({ protocolVersion: "2025-11-25", clientCapabilities: {}, send() {} }, { id: 1, method: "tools/call" });
 * abortContext(ctx, new Error("cancelled"));
 * ctx.signal.aborted; // true: made now, already aborted
 * ```
 */
export class HandlerContext implements RequestContext {
  /** The JSON-RPC id of the request being handled. */
  readonly requestId: RequestId;
  /** The request's method. */
  readonly method: string;
  readonly #channel: RequestChannel;
  readonly #rawMeta: unknown;
  #emptyMeta: Record<string, unknown> | undefined;
  #signal: AbortSignal | undefined;
  #controller: AbortController | undefined;
  #aborted = false;
  #abortReason: unknown = undefined;
  #finished = false;
  #lastProgress = -Infinity;
  #input: InputApi | undefined = undefined;
  #notify: RequestContext["notify"] | undefined = undefined;
  #log: RequestContext["log"] | undefined = undefined;
  #progress: RequestContext["progress"] | undefined = undefined;
  #request: RequestContext["request"] | undefined = undefined;
  #closeConnection: RequestContext["closeConnection"] | undefined = undefined;

  static {
    finishOf = (context) => {
      context.#finished = true;
    };
    abortOf = (context, reason) => {
      if (context.#aborted) return;
      context.#aborted = true;
      context.#abortReason = reason;
      context.#controller?.abort(reason);
    };
  }

  /**
   * The context of `request` arriving on `channel`. With `signal`, that is the context's signal;
   * without, the context makes its own on first read, aborted by {@link abortContext}.
   */
  constructor(channel: RequestChannel, request: { id: RequestId; method: string; params?: Record<string, unknown> }, signal?: AbortSignal) {
    this.requestId = request.id;
    this.method = request.method;
    this.#channel = channel;
    this.#rawMeta = request.params?._meta;
    this.#signal = signal;
  }

  /** The protocol version in force for this request. */
  get protocolVersion(): string {
    return this.#channel.protocolVersion;
  }
  /** The client's `clientInfo`, when known. */
  get clientInfo(): Implementation | undefined {
    return this.#channel.clientInfo;
  }
  /** The client's declared capabilities. */
  get clientCapabilities(): Record<string, unknown> {
    return this.#channel.clientCapabilities;
  }
  /** The client's current log level, when set. */
  get logLevel(): LoggingLevel | undefined {
    return this.#channel.logLevel;
  }
  /** The session id (2024/2025 clients only). */
  get sessionId(): string | undefined {
    return this.#channel.sessionId;
  }
  /** The authenticated principal, when authentication is configured. */
  get principal(): unknown {
    return this.#channel.principal;
  }
  /** The session's resource subscriptions; absent where there is no session. */
  get subscriptions(): ResourceSubscriptions | undefined {
    return this.#channel.subscriptions;
  }
  /** The request's `_meta`, as sent (an empty object when it had none). */
  get meta(): Record<string, unknown> {
    const raw = this.#rawMeta;
    return typeof raw === "object" && raw !== null ? raw as Record<string, unknown> : (this.#emptyMeta ??= {});
  }
  /** The request's `_meta.progressToken`, when it carried one. */
  get progressToken(): string | number | undefined {
    const raw = this.#rawMeta;
    const token = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).progressToken : undefined;
    return typeof token === "string" || typeof token === "number" ? token : undefined;
  }
  /** Aborted when the client cancels, disconnects, or the session closes. */
  get signal(): AbortSignal {
    if (this.#signal === undefined) {
      const controller = new AbortController();
      if (this.#aborted) controller.abort(this.#abortReason);
      this.#controller = controller;
      this.#signal = controller.signal;
    }
    return this.#signal;
  }

  /** Over once finished or aborted; read on use instead of listening for abort. */
  #over(): boolean {
    return this.#finished || this.#aborted || (this.#signal !== undefined && this.#signal.aborted);
  }

  /** Sends a notification related to this request. */
  get notify(): RequestContext["notify"] {
    return this.#notify ??= (method, params) => {
      if (this.#over()) return;
      this.#channel.send(params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params });
    };
  }
  /** Sends `notifications/message` if `level` passes the client's log level. */
  get log(): RequestContext["log"] {
    return this.#log ??= (level, data, logger) => {
      if (this.#channel.logging === false || !levelPasses(level, this.#channel.logLevel)) return;
      this.notify("notifications/message", logger === undefined ? { level, data } : { level, data, logger });
    };
  }
  /** Sends `notifications/progress` (increasing values only) when the request carried a progress token. */
  get progress(): RequestContext["progress"] {
    return this.#progress ??= (progress, total, message) => {
      const progressToken = this.progressToken;
      if (progressToken === undefined || this.#over() || !(progress > this.#lastProgress)) return;
      this.#lastProgress = progress;
      const params: Record<string, unknown> = { progressToken, progress };
      if (total !== undefined) params.total = total;
      if (message !== undefined) params.message = message;
      this.notify("notifications/progress", params);
    };
  }
  /** Sends a request to the client and waits for the result. */
  get request(): RequestContext["request"] {
    return this.#request ??= (method, params, options) => {
      const channel = this.#channel;
      if (!channel.request) {
        return Promise.reject(new Error(`This client cannot be sent requests on this transport (${method})`));
      }
      // A signal of the handler's own ends the wait early; the request's signal always applies too.
      const signal = this.signal;
      const own = options?.signal;
      return channel.request(method, params, { ...options, signal: own && own !== signal ? AbortSignal.any([signal, own]) : signal });
    };
  }
  /** Closes the connection carrying this request's stream without ending the stream. */
  get closeConnection(): RequestContext["closeConnection"] {
    return this.#closeConnection ??= () => this.#channel.closeConnection?.() ?? false;
  }

  // Built on first use: most handlers never ask for input, and the server core gives them its own (withAsker).
  #api(): InputApi {
    return this.#input ??= inputApi(
      requestAsker({ request: this.request, capabilities: this.#channel.clientCapabilities, signal: this.signal, ...INPUT_DEFAULTS }),
      this.#channel.clientCapabilities,
    );
  }
  /** Asks the client one question or a round of them. */
  get ask(): InputApi["ask"] {
    return this.#api().ask;
  }
  /** Asks the user to fill a form. */
  get elicit(): InputApi["elicit"] {
    return this.#api().elicit;
  }
  /** Asks the client's model for a completion. */
  get sample(): InputApi["sample"] {
    return this.#api().sample;
  }
  /** Asks the client for its roots. */
  get roots(): InputApi["roots"] {
    return this.#api().roots;
  }
  /** True when the client declared what `method` needs. */
  get canAsk(): InputApi["canAsk"] {
    return this.#api().canAsk;
  }
}

/**
 * Ends a request's context once its response is sent: progress and logs for it stop there,
 * as the spec requires. Idempotent.
 *
 * @example
 * ```ts
 * import { finishContext, HandlerContext } from "./context.ts";
 * const ctx = new HandlerContext({ protocolVersion: "2025-11-25", clientCapabilities: {}, send: (m) => console.log(m) },
 *   { id: 1, method: "tools/call", params: { _meta: { progressToken: "t" } } });
 * finishContext(ctx);
 * ctx.progress(1, 10); // dropped: the request is over
 * ```
 */
export function finishContext(context: HandlerContext): void {
  finishOf(context);
}

/**
 * Aborts the signal a context made for itself (now, or when it is first read), with `reason`;
 * notifications stop too. Idempotent: the first reason stays. (A context given its signal by its
 * maker is aborted through that signal instead.)
 *
 * @example
 * ```ts
 * import { abortContext, HandlerContext } from "./context.ts";
 * const ctx = new HandlerContext({ protocolVersion: "2025-11-25", clientCapabilities: {}, send() {} }, { id: 1, method: "x" });
 * const signal = ctx.signal;
 * abortContext(ctx, new Error("cancelled"));
 * signal.aborted; // true
 * ```
 */
export function abortContext(context: HandlerContext, reason: unknown): void {
  abortOf(context, reason);
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
  const context = new HandlerContext(channel, request, signal);
  return { context, finish: () => finishOf(context) };
}

/**
 * The view {@link withAsker} returns: the base context's members, with input methods that go
 * through another asker and, when given, another signal. One object per view, no proxy.
 */
class AskerView implements RequestContext {
  readonly #base: RequestContext;
  readonly #asker: Asker;
  #signal: AbortSignal | (() => AbortSignal) | undefined;
  #input: InputApi | undefined = undefined;

  constructor(base: RequestContext, asker: Asker, signal: AbortSignal | (() => AbortSignal) | undefined) {
    this.#base = base;
    this.#asker = asker;
    this.#signal = signal;
  }

  get requestId(): RequestId {
    return this.#base.requestId;
  }
  get method(): string {
    return this.#base.method;
  }
  get protocolVersion(): string {
    return this.#base.protocolVersion;
  }
  get clientInfo(): Implementation | undefined {
    return this.#base.clientInfo;
  }
  get clientCapabilities(): Record<string, unknown> {
    return this.#base.clientCapabilities;
  }
  get logLevel(): LoggingLevel | undefined {
    return this.#base.logLevel;
  }
  get sessionId(): string | undefined {
    return this.#base.sessionId;
  }
  get principal(): unknown {
    return this.#base.principal;
  }
  get subscriptions(): ResourceSubscriptions | undefined {
    return this.#base.subscriptions;
  }
  get progressToken(): string | number | undefined {
    return this.#base.progressToken;
  }
  get meta(): Record<string, unknown> {
    return this.#base.meta;
  }
  get signal(): AbortSignal {
    const signal = this.#signal;
    if (typeof signal === "function") return this.#signal = signal();
    return signal ?? this.#base.signal;
  }
  get notify(): RequestContext["notify"] {
    return this.#base.notify;
  }
  get log(): RequestContext["log"] {
    return this.#base.log;
  }
  get progress(): RequestContext["progress"] {
    return this.#base.progress;
  }
  get request(): RequestContext["request"] {
    return this.#base.request;
  }
  get closeConnection(): RequestContext["closeConnection"] {
    return this.#base.closeConnection;
  }
  #api(): InputApi {
    return this.#input ??= inputApi(this.#asker, this.#base.clientCapabilities);
  }
  get ask(): InputApi["ask"] {
    return this.#api().ask;
  }
  get elicit(): InputApi["elicit"] {
    return this.#api().elicit;
  }
  get sample(): InputApi["sample"] {
    return this.#api().sample;
  }
  get roots(): InputApi["roots"] {
    return this.#api().roots;
  }
  get canAsk(): InputApi["canAsk"] {
    return this.#api().canAsk;
  }
}

/**
 * A view of `context` whose input methods go through `asker` and whose `signal` is `signal`
 * (the context's own when absent; when a function, what it returns, made on the handler's
 * first read); every other member is the original context's. The server core uses it to give handlers the asking behaviour of the
 * request's era and the server's limits.
 *
 * @example
 * ```ts
 * import { createContext, withAsker } from "./context.ts";
 * const { context } = createContext(
 *   { protocolVersion: "2026-07-28", clientCapabilities: {}, send() {} },
 *   { id: 1, method: "tools/call" },
 *   new AbortController().signal,
 * );
 * const view = withAsker(context, () => Promise.reject(new Error("no input here")));
 * view.method; // "tools/call"
 * ```
 */
export function withAsker(context: RequestContext, asker: Asker, signal?: AbortSignal | (() => AbortSignal)): RequestContext {
  return new AskerView(context, asker, signal);
}
