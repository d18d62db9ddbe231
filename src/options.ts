/**
 * Handler options and their defaults, resolved once.
 *
 * @module
 */

/** Options of {@link createHandler}. */
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
  /**
   * How a request's response is sent: `json` (one JSON body; related notifications are dropped),
   * `sse` (always a stream), `auto` (JSON unless the handler sends a notification first, then a
   * stream). Default `auto`.
   */
  responseMode?: ResponseMode;
  /** Open `subscriptions/listen` streams allowed at once (2026). Default 10,000. */
  maxListens?: number;
  /**
   * The client generations served: `modern` (2026-07-28, sessionless), `streamable` (2025
   * Streamable HTTP sessions), `sse` (2024-11-05 HTTP+SSE). Others get the spec's refusals.
   * Default: all three.
   */
  generations?: readonly Generation[];
}

/** How a response is sent; see {@link HandlerOptions.responseMode}. */
export type ResponseMode = "auto" | "json" | "sse";

/** A client generation; see {@link HandlerOptions.generations}. */
export type Generation = "modern" | "streamable" | "sse";

/** {@link HandlerOptions} with every default filled in. */
export type ResolvedOptions = Required<HandlerOptions>;

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
    responseMode: options.responseMode ?? "auto",
    maxListens: options.maxListens ?? 10_000,
    generations: [...new Set<Generation>(options.generations ?? ["modern", "streamable", "sse"])],
  };
}
