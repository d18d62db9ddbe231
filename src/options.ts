/**
 * Handler options and their defaults, resolved once.
 *
 * @module
 */
import type { AuthOptions } from "./security/auth.ts";
import { defaultOrigins, LOOPBACK_HOSTS, type OriginPolicy } from "./security/origin.ts";
import type { MessageHandlerFactory } from "./message_handler.ts";
import { type EventStore, MemoryEventStore } from "./event_store.ts";

/**
 * How a Streamable HTTP POST carrying requests is answered: `"json"` always with
 * `application/json`; `"sse"` always with `text/event-stream`; `"auto"` with JSON when the
 * first message the server sends for the POST is its response, otherwise with an SSE stream
 * that ends after the response.
 *
 * @example
 * ```ts
 * import { createHandler, McpServer, type ResponseMode } from "../mod.ts";
 * const responseMode: ResponseMode = "json";
 * const handler = createHandler(new McpServer({ name: "demo", version: "1.0.0" }), { responseMode });
 * ```
 */
export type ResponseMode = "auto" | "json" | "sse";

/**
 * Options of {@link createHandler}.
 *
 * @example
 * ```ts
 * import { createHandler, type HandlerOptions, McpServer } from "../mod.ts";
 * const options: HandlerOptions = { basePath: "/api", idleTimeoutMs: 10 * 60_000, maxSessions: 1_000 };
 * const handler = createHandler(new McpServer({ name: "demo", version: "1.0.0" }), options);
 * ```
 */
export interface HandlerOptions {
  /** The path the handler is mounted under, e.g. `/api` (default: the root). */
  basePath?: string;
  /** Path of the Streamable HTTP endpoint, relative to `basePath`. Default `/mcp`. */
  mcpPath?: string;
  /** Path of the legacy SSE endpoint, relative to `basePath`. Default `/sse`. */
  ssePath?: string;
  /** Path of the legacy message endpoint, relative to `basePath`. Default `/messages`. */
  messagesPath?: string;
  /** Milliseconds between SSE keep-alive comments (0 = none). Default 15,000. */
  keepAliveMs?: number;
  /** Largest request body in bytes, counted while reading. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Unread bytes an SSE client may leave buffered before it is cut off. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Default timeout of server→client requests, in ms. Default 60,000. */
  requestTimeoutMs?: number;
  /** Streamable HTTP sessions idle this long (nothing in flight, no open stream) are closed. Default 30 min. */
  idleTimeoutMs?: number;
  /** Accepted `Host` values (DNS-rebinding protection); `"any"` turns the check off. Default: loopback names, any port. */
  allowedHosts?: OriginPolicy["allowedHosts"];
  /** Accepted `Origin` values; `"any"` turns the check off. Default: http(s) on the allowed host names. */
  allowedOrigins?: OriginPolicy["allowedOrigins"];
  /** Authentication, checked on every endpoint before any session lookup or creation. Default: none. */
  auth?: AuthOptions;
  /** Live sessions at most; session-creating requests beyond it get 503. Default 10,000. */
  maxSessions?: number;
  /** Streams (Streamable HTTP POSTs carrying requests) one session may hold open at once; beyond → 429. Default 32. */
  maxStreamsPerSession?: number;
  /** A request handler running longer than this is aborted and answered with an error (0 = never). Default 10 min. */
  handlerTimeoutMs?: number;
  /** Messages in one JSON-RPC batch (2025-03-26) at most. Default 100. */
  maxBatchSize?: number;
  /** How long `close()` lets in-flight requests finish before closing every session. Default 5,000. */
  shutdownGraceMs?: number;
  /** Open `subscriptions/listen` streams allowed at once (2026). Default 10,000. */
  maxListens?: number;
  /**
   * The client generations served: `modern` (2026-07-28, sessionless), `streamable` (2025
   * Streamable HTTP sessions), `sse` (2024-11-05 HTTP+SSE). Others get the spec's refusals.
   * Default: all three.
   */
  generations?: readonly Generation[];
  /**
   * Answers each session's messages in place of Tether's server core; the session keeps its
   * lifecycle. Adapters set this (the official SDK bridge, `@tether/mcp/sdk`); most servers don't.
   */
  messageHandler?: MessageHandlerFactory;
  /** How Streamable HTTP and 2026 POSTs with requests are answered. Default `"auto"`. */
  responseMode?: ResponseMode;
  /**
   * Where Streamable HTTP SSE events are kept for resumption with `Last-Event-ID`; `false`
   * turns resumability off (no event ids). Default: a bounded {@link MemoryEventStore}.
   */
  eventStore?: EventStore | false;
  /** The `retry:` (ms) sent with priming events to 2025-11-25 clients; 0 = none. Default 0. */
  sseRetryMs?: number;
  /** Streamable HTTP without sessions: no `Mcp-Session-Id`, every POST self-contained, GET and DELETE 405. */
  stateless?: boolean;
}

/**
 * A client generation; see {@link HandlerOptions.generations}.
 *
 * @example
 * ```ts
 * import { createHandler, type Generation, McpServer } from "../mod.ts";
 * const generations: Generation[] = ["modern", "streamable"]; // no 2024-11-05 HTTP+SSE
 * const handler = createHandler(new McpServer({ name: "demo", version: "1.0.0" }), { generations });
 * ```
 */
export type Generation = "modern" | "streamable" | "sse";

/**
 * {@link HandlerOptions} with every default filled in.
 *
 * @example
 * ```ts
 * import { type ResolvedOptions, resolveOptions } from "./options.ts";
 * const resolved: ResolvedOptions = resolveOptions({ basePath: "/api" });
 * resolved.mcpPath; // "/mcp"
 * ```
 */
export type ResolvedOptions = Required<Omit<HandlerOptions, "auth" | "messageHandler">> & Pick<HandlerOptions, "auth" | "messageHandler">;

function normalizePath(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed === "" ? "" : trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}

/**
 * Fills in defaults and normalises paths.
 *
 * @example
 * ```ts
 * import { resolveOptions } from "./options.ts";
 * resolveOptions({ basePath: "/api/" }).basePath; // "/api"
 * ```
 */
export function resolveOptions(options: HandlerOptions = {}): ResolvedOptions {
  return {
    basePath: normalizePath(options.basePath ?? ""),
    mcpPath: normalizePath(options.mcpPath ?? "/mcp"),
    ssePath: normalizePath(options.ssePath ?? "/sse"),
    messagesPath: normalizePath(options.messagesPath ?? "/messages"),
    keepAliveMs: options.keepAliveMs ?? 15_000,
    maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 30 * 60_000,
    // Copies: the origin check remembers its verdicts per list, so the handler's lists must not change.
    allowedHosts: options.allowedHosts === undefined || options.allowedHosts === "any" ? options.allowedHosts ?? LOOPBACK_HOSTS : [...options.allowedHosts],
    allowedOrigins: options.allowedOrigins === "any" ? "any" : [...(options.allowedOrigins ?? defaultOrigins(options.allowedHosts))],
    auth: options.auth,
    maxSessions: options.maxSessions ?? 10_000,
    maxStreamsPerSession: options.maxStreamsPerSession ?? 32,
    handlerTimeoutMs: options.handlerTimeoutMs ?? 10 * 60_000,
    maxBatchSize: options.maxBatchSize ?? 100,
    shutdownGraceMs: options.shutdownGraceMs ?? 5_000,
    messageHandler: options.messageHandler,
    responseMode: options.responseMode ?? "auto",
    maxListens: options.maxListens ?? 10_000,
    generations: [...new Set<Generation>(options.generations ?? ["modern", "streamable", "sse"])],
    eventStore: options.eventStore ?? new MemoryEventStore(),
    sseRetryMs: options.sseRetryMs ?? 0,
    stateless: options.stateless ?? false,
  };
}
