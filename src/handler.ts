/**
 * `createHandler`: turns a server definition into one fetch handler serving every transport.
 *
 * @module
 */
import type { McpServer } from "./server.ts";
import { SessionRefusedError, SessionRegistry } from "./registry.ts";
import { type HandlerOptions, resolveOptions } from "./options.ts";
import { jsonRpcErrorResponse, pathnameOf } from "./http.ts";
import { ErrorCode } from "./jsonrpc.ts";
import type { PlatformArg, TransportContext } from "./transports/context.ts";
import { openLegacySession, postLegacyMessage } from "./transports/legacy_sse.ts";
import { handleMcpEndpoint } from "./transports/mcp_endpoint.ts";
import type { Session } from "./session.ts";
import { checkOrigin } from "./security/origin.ts";
import { authenticateRequest, isResourceMetadataPath, protectedResourceMetadataResponse, resourceFor } from "./security/auth.ts";
import { waitUntilIdle } from "./security/shutdown.ts";
import { principalOf } from "./request_principal.ts";
import { ListenRegistry } from "./listen.ts";
import { InFlightRequests } from "./inflight.ts";

/**
 * A view of the live sessions, for tests and metrics.
 *
 * @example
 * ```ts
 * import { createHandler, McpServer } from "../mod.ts";
 * const handler = createHandler(new McpServer({ name: "demo", version: "1.0.0" }));
 * handler.sessions.size; // 0
 * handler.sessions.ids(); // []
 * ```
 */
export interface SessionsView {
  /** Number of live sessions. */
  readonly size: number;
  /** Ids of the live sessions. */
  ids(): string[];
  /** The live session with this id. */
  get(id: string): Session | undefined;
}

/**
 * What {@link createHandler} returns.
 *
 * @example
 * ```ts
 * import { createHandler, McpServer, type TetherHandler } from "../mod.ts";
 * const handler: TetherHandler = createHandler(new McpServer({ name: "demo", version: "1.0.0" }));
 * const response = await handler.fetch(new Request("http://localhost/nowhere")); // 404
 * await handler.close();
 * ```
 */
export interface TetherHandler {
  /** The fetch handler: `Deno.serve(h.fetch)`, `Bun.serve(h)`, `export default h`. */
  fetch(request: Request, platform?: PlatformArg): Promise<Response>;
  /**
   * Graceful shutdown: refuses new sessions at once (503), lets in-flight requests finish for up
   * to `graceMs` (default: the `shutdownGraceMs` option), then ends every session through its
   * single close and stops publishing. Idempotent: later calls return the same promise.
   */
  close(options?: { graceMs?: number }): Promise<void>;
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
  // The view of requests without a principal holds no state of its own: made once, not per request.
  const anonymousCtx: TransportContext = { ...ctx, registry: registry.forPrincipal(undefined), principal: undefined };
  const auth = resolved.auth;
  let activeRequests = 0;
  let closing: Promise<void> | undefined;
  const legacySse = resolved.generations.includes("sse");
  const base = resolved.basePath;
  const ssePath = base + resolved.ssePath;
  const messagesPath = base + resolved.messagesPath;
  const mcpPath = base + resolved.mcpPath;
  // Server-wide state (a Tasks store) ends when the last handler serving the server closes.
  const detach = server.attach();
  const unsubscribe = server.subscribe((notification) => {
    // One publish reaches every audience: 2024/2025 sessions and 2026 listen streams.
    for (const session of registry.values()) session.notify(notification);
    listens.publish(notification);
  });

  /** What a request failing unexpectedly is answered with: nothing a client sends may crash the process. */
  const failureResponse = (error: unknown): Response => {
    if (error instanceof SessionRefusedError) {
      return jsonRpcErrorResponse(503, ErrorCode.InternalError, `Service Unavailable: ${error.message}`, {
        headers: error.reason === "limit" ? { "retry-after": "10" } : {},
      });
    }
    return jsonRpcErrorResponse(500, ErrorCode.InternalError, `Internal error: ${error instanceof Error ? error.message : String(error)}`);
  };
  // A request counts as active until its response is chosen. These two end that for every
  // request whose answer is a promise: made once, not per request (an async fetch frame cost
  // ~0.7 KB of allocation per request).
  const answered = (response: Response): Response => {
    activeRequests--;
    return response;
  };
  const failed = (error: unknown): Response => {
    activeRequests--;
    return failureResponse(error);
  };

  /** Routes a request whose Host and Origin passed: a Response, or a promise of one. */
  const route = (request: Request, platform: PlatformArg | undefined, pathname: string, principal: unknown): Response | Promise<Response> => {
    // Transports then see only this principal's sessions (a request without one: only sessions
    // without one), and bind new ones to it.
    const routeCtx: TransportContext = principal === undefined ? anonymousCtx : { ...ctx, registry: registry.forPrincipal(principal), principal };
    if (pathname === mcpPath) return handleMcpEndpoint(routeCtx, request, platform, messagesPath);
    if (pathname === ssePath && legacySse) {
      if (request.method !== "GET") return methodNotAllowed("GET");
      return openLegacySession(routeCtx, request, platform, messagesPath);
    }
    if (pathname === messagesPath && legacySse) {
      if (request.method !== "POST") return methodNotAllowed("POST");
      return postLegacyMessage(routeCtx, request);
    }
    return jsonRpcErrorResponse(404, ErrorCode.InvalidRequest, "Not Found");
  };

  /** {@link route}, after the auth hook named the request's principal (or answered it). */
  const routeAuthenticated = async (request: Request, platform: PlatformArg | undefined, pathname: string, resource: string): Promise<Response> => {
    const outcome = await authenticateRequest(request, auth!, resource);
    if (outcome instanceof Response) return outcome;
    return await route(request, platform, pathname, outcome);
  };

  /** Everything before routing: metadata, Host and Origin, the principal. */
  const admit = (request: Request, platform: PlatformArg | undefined, pathname: string): Response | Promise<Response> => {
    // Security runs first, on every endpoint, before any session is looked up or created.
    const resource = auth ? resourceFor(new URL(request.url), base + resolved.mcpPath, auth.resourceMetadata) : "";
    if (auth?.resourceMetadata && isResourceMetadataPath(pathname, resource)) {
      // Public, stateless metadata: browsers on other origins must be able to read it.
      if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET, HEAD");
      return protectedResourceMetadataResponse(auth.resourceMetadata, resource);
    }
    const forbidden = checkOrigin(request, resolved);
    if (forbidden) return forbidden;
    // The principal: from the auth hook, else one a host framework attached to the request.
    if (auth) return routeAuthenticated(request, platform, pathname, resource);
    return route(request, platform, pathname, principalOf(request));
  };

  const fetch = (request: Request, platform?: PlatformArg): Promise<Response> => {
    let pathname: string | undefined;
    try {
      pathname = pathnameOf(request.url);
    } catch (error) {
      // Not a Request: rejected, as from any function returning a promise (never thrown).
      return Promise.reject(error);
    }
    if (pathname === undefined) return Promise.resolve(jsonRpcErrorResponse(400, ErrorCode.InvalidRequest, "Bad Request: invalid URL"));
    activeRequests++;
    let answer: Response | Promise<Response>;
    try {
      answer = admit(request, platform, pathname);
    } catch (error) {
      return Promise.resolve(failed(error));
    }
    if (answer instanceof Response) return Promise.resolve(answered(answer));
    return answer.then(answered, failed);
  };

  const busy = () => {
    if (activeRequests > 0 || inFlight.size > 0) return true;
    for (const session of registry.values()) if (session.inFlightCount > 0) return true;
    return false;
  };

  return {
    fetch,
    close(options = {}) {
      closing ??= (async () => {
        registry.refuseNewSessions();
        listens.refuseNew();
        inFlight.refuseNew();
        await waitUntilIdle(busy, options.graceMs ?? resolved.shutdownGraceMs);
        unsubscribe();
        registry.closeAll("shutdown");
        listens.closeAll("shutdown");
        inFlight.endAll();
        detach();
      })();
      return closing;
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
