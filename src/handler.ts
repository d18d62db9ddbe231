/**
 * `createHandler`: turns a server definition into one fetch handler serving every transport.
 *
 * @module
 */
import type { McpServer } from "./server.ts";
import { SessionRegistry } from "./registry.ts";
import { type HandlerOptions, resolveOptions } from "./options.ts";
import { jsonRpcErrorResponse } from "./http.ts";
import { ErrorCode } from "./jsonrpc.ts";
import type { PlatformArg, TransportContext } from "./transports/context.ts";
import { openLegacySession, postLegacyMessage } from "./transports/legacy_sse.ts";
import { handleMcpEndpoint } from "./transports/mcp_endpoint.ts";
import type { Session } from "./session.ts";
import { ListenRegistry } from "./listen.ts";
import { InFlightRequests } from "./inflight.ts";

/** A view of the live sessions, for tests and metrics. */
export interface SessionsView {
  /** Number of live sessions. */
  readonly size: number;
  /** Ids of the live sessions. */
  ids(): string[];
  /** The live session with this id. */
  get(id: string): Session | undefined;
}

/** What {@link createHandler} returns. */
export interface TetherHandler {
  /** The fetch handler: `Deno.serve(h.fetch)`, `Bun.serve(h)`, `export default h`. */
  fetch(request: Request, platform?: PlatformArg): Promise<Response>;
  /** Ends every session through its single close and stops publishing. */
  close(): Promise<void>;
  /** The live sessions. */
  readonly sessions: SessionsView;
  /** Number of open 2026 `subscriptions/listen` streams. */
  readonly openListens: number;
  /** Number of 2026 requests being handled now. */
  readonly modernInFlight: number;
}

function methodNotAllowed(allow: string): Response {
  return jsonRpcErrorResponse(405, ErrorCode.InvalidRequest, "Method Not Allowed", { headers: { allow } });
}

/**
 * Creates the fetch handler for a server.
 *
 * @example
 * ```ts ignore
 * import { McpServer, createHandler } from "../mod.ts";
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * const handler = createHandler(server);
 * Deno.serve({ hostname: "127.0.0.1", port: 8787 }, handler.fetch);
 * ```
 */
export function createHandler(server: McpServer, options: HandlerOptions = {}): TetherHandler {
  const resolved = resolveOptions(options);
  const registry = new SessionRegistry(server, resolved);
  const listens = new ListenRegistry({
    maxListens: resolved.maxListens,
    keepAliveMs: resolved.keepAliveMs,
    maxBufferedBytes: resolved.maxBufferedBytes,
    serverInfo: server.info,
  });
  const inFlight = new InFlightRequests();
  const ctx: TransportContext = { server, registry, options: resolved, listens, inFlight };
  const legacySse = resolved.generations.includes("sse");
  const base = resolved.basePath;
  const ssePath = base + resolved.ssePath;
  const messagesPath = base + resolved.messagesPath;
  const mcpPath = base + resolved.mcpPath;
  const unsubscribe = server.subscribe((notification) => {
    // One publish reaches every audience: 2024/2025 sessions and 2026 listen streams.
    for (const session of registry.values()) session.notify(notification);
    listens.publish(notification);
  });

  const fetch = async (request: Request, platform?: PlatformArg): Promise<Response> => {
    let pathname: string;
    try {
      pathname = new URL(request.url).pathname;
    } catch {
      return jsonRpcErrorResponse(400, ErrorCode.InvalidRequest, "Bad Request: invalid URL");
    }
    try {
      if (pathname === mcpPath) return await handleMcpEndpoint(ctx, request, platform, messagesPath);
      if (pathname === ssePath && legacySse) {
        if (request.method !== "GET") return methodNotAllowed("GET");
        return openLegacySession(ctx, request, platform, messagesPath);
      }
      if (pathname === messagesPath && legacySse) {
        if (request.method !== "POST") return methodNotAllowed("POST");
        return await postLegacyMessage(ctx, request);
      }
      return jsonRpcErrorResponse(404, ErrorCode.InvalidRequest, "Not Found");
    } catch (error) {
      // Nothing a client sends may crash the process: an unexpected failure is a 500.
      return jsonRpcErrorResponse(500, ErrorCode.InternalError, `Internal error: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  return {
    fetch,
    close() {
      unsubscribe();
      registry.closeAll("shutdown");
      listens.closeAll("shutdown");
      inFlight.endAll();
      return Promise.resolve();
    },
    get openListens() {
      return listens.size;
    },
    get modernInFlight() {
      return inFlight.size;
    },
    sessions: {
      get size() {
        return registry.size;
      },
      ids: () => registry.ids(),
      get: (id) => registry.get(id),
    },
  };
}
