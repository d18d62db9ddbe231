/**
 * The principal a host framework (Hono middleware, your own router) authenticated for a request,
 * handed to Tether alongside the request itself. A session created by that request keeps it as
 * `session.principal`; tool handlers see it as `ctx.principal`.
 *
 * Kept in a WeakMap keyed by the `Request`, so nothing outlives the request.
 *
 * @module
 */
const principals = new WeakMap<Request, unknown>();

/**
 * Attaches the authenticated principal to a request before it is passed to a Tether handler.
 *
 * @example
 * ```ts
 * import { attachPrincipal, principalOf } from "./request_principal.ts";
 * const request = new Request("http://127.0.0.1/sse");
 * attachPrincipal(request, { user: "ada" });
 * principalOf(request); // { user: "ada" }
 * ```
 */
export function attachPrincipal(request: Request, principal: unknown): void {
  principals.set(request, principal);
}

/**
 * The principal attached to a request, if any.
 *
 * @example
 * ```ts
 * import { principalOf } from "./request_principal.ts";
 * principalOf(new Request("http://127.0.0.1/sse")); // undefined
 * ```
 */
export function principalOf(request: Request): unknown {
  return principals.get(request);
}
