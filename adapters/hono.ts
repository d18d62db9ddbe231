/**
 * Hono middleware that serves Tether's transports under any route of a Hono app, and hands the
 * principal your Hono auth established (`c.get("user")`, a JWT payload…) to Tether, where the
 * session keeps it and tool handlers see it as `ctx.principal`.
 *
 * Hono is an optional peer dependency of this entry only; nothing of it is loaded at run time.
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * import { McpServer } from "@tether/mcp";
 * import { tether } from "@tether/mcp/hono";
 *
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * const app = new Hono<{ Variables: { user: { id: string } } }>();
 * app.use("/api/*", async (c, next) => {
 *   c.set("user", { id: "ada" });
 *   await next();
 * });
 * app.use("/api/*", tether(server, { basePath: "/api", principal: (c) => c.get("user") }));
 * export default app; // /api/sse, /api/messages (and /api/mcp once served)
 * ```
 *
 * @module
 */
import type { Context, Env, MiddlewareHandler } from "hono";
import { createHandler, type TetherHandler } from "../src/handler.ts";
import { type HandlerOptions, resolveOptions } from "../src/options.ts";
import { attachPrincipal } from "../src/request_principal.ts";
import { PROTECTED_RESOURCE_WELL_KNOWN } from "../src/security/auth.ts";
import { jsonRpcErrorResponse } from "../src/http.ts";
import { ErrorCode } from "../src/jsonrpc.ts";
import type { McpServer } from "../src/server.ts";

// Re-exported so that this entry's documentation links every type its signatures use.
export type { HandlerOptions, McpServer, TetherHandler };

/**
 * Options of {@link tether}: the handler's options (paths relative to `basePath`, limits,
 * timeouts) and how to find the request's principal in the Hono context.
 *
 * @example
 * ```ts ignore
 * const options: TetherHonoOptions = { basePath: "/api", principal: (c) => c.get("user") };
 * ```
 */
export interface TetherHonoOptions<E extends Env = Env> extends HandlerOptions {
  /**
   * The authenticated principal of a request, read from the Hono context: an object with a
   * string `id` (sessions are bound to it), or a string (taken as `{ id }`). Returning a
   * `Response` answers the request with it; returning `undefined` or `null` answers 401. Either
   * way no session is created.
   */
  principal?: (c: Context<E>) => unknown | Response | Promise<unknown | Response>;
}

/**
 * The middleware {@link tether} returns; `handler` is the Tether handler behind it (for
 * `handler.close()` at shutdown and `handler.sessions`).
 *
 * @example
 * ```ts ignore
 * const mcp: TetherMiddleware = tether(server);
 * app.use(mcp);
 * await mcp.handler.close();
 * ```
 */
export interface TetherMiddleware<E extends Env = Env> extends MiddlewareHandler<E> {
  /** The Tether handler serving the requests this middleware takes. */
  readonly handler: TetherHandler;
}

function unauthorized(): Response {
  return jsonRpcErrorResponse(401, ErrorCode.InvalidRequest, "Unauthorized");
}

function isTetherHandler(value: McpServer | TetherHandler): value is TetherHandler {
  return typeof (value as Partial<TetherHandler>).fetch === "function" && "sessions" in value;
}

/**
 * Makes Hono middleware serving `server` (a Tether `McpServer`, or a handler already made with
 * `createHandler` / `createSdkHandler` — then pass the same path options as given to it).
 * Requests for Tether's paths (`basePath` + `/mcp`, `/sse`, `/messages`, and the protected
 * resource metadata when `auth.resourceMetadata` is set) are answered by Tether; every other
 * request goes on to the next handler. Sessions are bound to the principal: another principal
 * using a session's id gets the same 404 as an unknown id.
 *
 * The Hono `c.env` is passed on as the platform argument, so Bun's per-request idle timeout is
 * still lifted for streams.
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * import { tether } from "@tether/mcp/hono";
 * const app = new Hono();
 * app.use("/mcp-api/*", tether(server, { basePath: "/mcp-api" }));
 * Deno.serve({ hostname: "127.0.0.1", port: 8787 }, app.fetch);
 * ```
 */
export function tether<E extends Env = Env>(server: McpServer | TetherHandler, options: TetherHonoOptions<E> = {}): TetherMiddleware<E> {
  const { principal, ...handlerOptions } = options;
  // The handler binds each session to the principal attached below (by its `id`), and finds
  // only that principal's sessions; an `auth` hook in the options, if any, runs as well.
  const handler = isTetherHandler(server) ? server : createHandler(server, handlerOptions);
  const resolved = resolveOptions(handlerOptions);
  const paths = new Set([resolved.mcpPath, resolved.ssePath, resolved.messagesPath].map((p) => resolved.basePath + p));
  // RFC 9728 metadata, when the handler serves it (root and path-aware forms).
  const servesMetadata = handlerOptions.auth?.resourceMetadata !== undefined;
  const isMetadata = (path: string) => servesMetadata && path.startsWith(PROTECTED_RESOURCE_WELL_KNOWN);
  const middleware = async (c: Context<E>, next: () => Promise<void>): Promise<Response | void> => {
    const path = c.req.path;
    if (isMetadata(path)) return handler.fetch(c.req.raw, c.env); // public, as RFC 9728 needs
    if (!paths.has(path)) return next();
    const request = c.req.raw;
    if (principal) {
      const found = await principal(c);
      if (found instanceof Response) return found;
      if (found === undefined || found === null) return unauthorized();
      attachPrincipal(request, typeof found === "string" ? { id: found } : found);
    }
    return handler.fetch(request, c.env);
  };
  return Object.assign(middleware, { handler });
}
