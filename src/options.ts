/**
 * Handler options and their defaults, resolved once.
 *
 * @module
 */
import type { MessageHandlerFactory } from "./message_handler.ts";

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
   * Answers each session's messages in place of Tether's server core; the session keeps its
   * lifecycle. Adapters set this (the official SDK bridge, `@tether/mcp/sdk`); most servers don't.
   */
  messageHandler?: MessageHandlerFactory;
}

/** {@link HandlerOptions} with every default filled in. */
export type ResolvedOptions = Required<Omit<HandlerOptions, "messageHandler">> & Pick<HandlerOptions, "messageHandler">;

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
    messageHandler: options.messageHandler,
  };
}
