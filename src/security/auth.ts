/**
 * Authentication: an `authenticate(request)` hook that turns a request into a principal or a
 * refusal, a bearer-token helper that answers the way MCP clients expect (401 with
 * `WWW-Authenticate: Bearer resource_metadata=…`, 403 `insufficient_scope`), and the RFC 9728
 * protected resource metadata document.
 *
 * @module
 */
import { ErrorCode } from "../jsonrpc.ts";
import { jsonRpcErrorResponse } from "../http.ts";

/**
 * Who made a request. Sessions are bound to `id`: another id never reaches the session.
 *
 * @example
 * ```ts
 * import type { Principal } from "./auth.ts";
 * const alice: Principal = { id: "alice", scopes: ["mcp:tools"], email: "alice@example.com" };
 * ```
 */
export interface Principal {
  /** Stable identity (a user or client id); sessions are bound to it. */
  readonly id: string;
  /** Scopes the credential grants. */
  readonly scopes?: readonly string[];
  /** Anything else the application wants handlers to see (claims, the token, …). */
  readonly [key: string]: unknown;
}

/**
 * What the handler tells an {@link Authenticate} hook about where it is mounted.
 *
 * @example
 * ```ts
 * import type { Authenticate, AuthInfo } from "./auth.ts";
 * const authenticate: Authenticate = (request, info: AuthInfo) =>
 *   request.headers.get("x-user") ?? new Response(`log in for ${info.resource}`, { status: 401 });
 * ```
 */
export interface AuthInfo {
  /** The resource identifier (RFC 8707/9728) of this MCP server. */
  readonly resource: string;
  /** Absolute URL of the protected resource metadata, when the handler serves it. */
  readonly resourceMetadataUrl?: string;
}

/**
 * Returns the request's principal, or the `Response` to refuse it with. A principal is any value
 * but `undefined`/`null`; a {@link Principal} (`{ id, scopes? }`) is recommended, and sessions are
 * bound to its `id` (other values: to their stable JSON).
 *
 * @example
 * ```ts
 * import type { Authenticate } from "./auth.ts";
 * const fromHeader: Authenticate = (request) => {
 *   const user = request.headers.get("x-user");
 *   return user ? { id: user } : new Response("Unauthorized", { status: 401 });
 * };
 * ```
 */
export type Authenticate = (request: Request, info: AuthInfo) => unknown;

/**
 * RFC 9728 protected resource metadata (`resource` defaults to the MCP endpoint's URL).
 *
 * @example
 * ```ts
 * import type { ProtectedResourceMetadata } from "./auth.ts";
 * const metadata: ProtectedResourceMetadata = { authorization_servers: ["https://auth.example.com"], scopes_supported: ["mcp"] };
 * ```
 */
export interface ProtectedResourceMetadata {
  /** The resource identifier (default: the MCP endpoint's URL). */
  resource?: string;
  /** Issuers of the authorization servers that grant tokens for this resource. */
  authorization_servers: string[];
  /** Scopes this resource understands. */
  scopes_supported?: string[];
  /** How a token may be sent (`header`, …). */
  bearer_methods_supported?: string[];
  /** A name to show people. */
  resource_name?: string;
  /** URL of documentation for developers. */
  resource_documentation?: string;
  /** Other RFC 9728 fields, served as given. */
  [key: string]: unknown;
}

/**
 * The `auth` option of the handler.
 *
 * @example
 * ```ts
 * import { createHandler, McpServer } from "../../mod.ts";
 * import { type AuthOptions, bearerAuth } from "./auth.ts";
 * const auth: AuthOptions = {
 *   authenticate: bearerAuth({ verify: (token) => (token === "secret" ? { id: "alice" } : undefined) }),
 *   resourceMetadata: { authorization_servers: ["https://auth.example.com"] },
 * };
 * const handler = createHandler(new McpServer({ name: "demo", version: "1.0.0" }), { auth });
 * ```
 */
export interface AuthOptions {
  /** Runs before any session lookup or creation, on every endpoint. */
  authenticate: Authenticate;
  /** Served at `/.well-known/oauth-protected-resource` (path-aware) when given. */
  resourceMetadata?: ProtectedResourceMetadata;
}

/**
 * The well-known prefix RFC 9728 defines.
 *
 * @example
 * ```ts
 * import { PROTECTED_RESOURCE_WELL_KNOWN } from "./auth.ts";
 * `${PROTECTED_RESOURCE_WELL_KNOWN}/api/mcp`; // where the metadata of https://host/api/mcp is served
 * ```
 */
export const PROTECTED_RESOURCE_WELL_KNOWN = "/.well-known/oauth-protected-resource";

/**
 * The principal's id, or `undefined` for anonymous requests (no auth configured).
 *
 * @example
 * ```ts
 * import { principalId } from "./auth.ts";
 * principalId({ id: "alice" }); // "alice"
 * principalId(undefined); // undefined
 * ```
 */
export function principalId(principal: unknown): string | undefined {
  if (typeof principal !== "object" || principal === null) return undefined;
  const id = (principal as { id?: unknown }).id;
  return typeof id === "string" ? id : undefined;
}

/**
 * True when `value` is a usable principal (an object with a string `id`).
 *
 * @example
 * ```ts
 * import { isPrincipal } from "./auth.ts";
 * isPrincipal({ id: "alice" }); // true
 * isPrincipal("alice"); // false
 * ```
 */
export function isPrincipal(value: unknown): value is Principal {
  return principalId(value) !== undefined;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Fields of a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3, RFC 9728 §5.1).
 *
 * @example
 * ```ts
 * import { type BearerChallenge, bearerChallenge } from "./auth.ts";
 * const challenge: BearerChallenge = { error: "invalid_token", errorDescription: "expired" };
 * bearerChallenge(challenge); // 'Bearer error="invalid_token", error_description="expired"'
 * ```
 */
export interface BearerChallenge {
  /** The RFC 6750 error code, when the request carried a token or was malformed. */
  error?: "invalid_request" | "invalid_token" | "insufficient_scope";
  /** Human-readable text for the developer (`error_description`). */
  errorDescription?: string;
  /** Scopes the request needs (`scope`). */
  scope?: readonly string[];
  /** Where the protected resource metadata is (`resource_metadata`). */
  resourceMetadataUrl?: string;
}

/**
 * Builds a `WWW-Authenticate` value for a bearer challenge.
 *
 * @example
 * ```ts
 * import { bearerChallenge } from "./auth.ts";
 * bearerChallenge({ resourceMetadataUrl: "https://x/.well-known/oauth-protected-resource/mcp", scope: ["read"] });
 * // 'Bearer resource_metadata="https://x/.well-known/oauth-protected-resource/mcp", scope="read"'
 * ```
 */
export function bearerChallenge(challenge: BearerChallenge): string {
  const params: string[] = [];
  if (challenge.resourceMetadataUrl !== undefined) params.push(`resource_metadata=${quote(challenge.resourceMetadataUrl)}`);
  if (challenge.scope !== undefined && challenge.scope.length > 0) params.push(`scope=${quote(challenge.scope.join(" "))}`);
  if (challenge.error !== undefined) params.push(`error=${quote(challenge.error)}`);
  if (challenge.errorDescription !== undefined) params.push(`error_description=${quote(challenge.errorDescription)}`);
  return params.length === 0 ? "Bearer" : `Bearer ${params.join(", ")}`;
}

/**
 * A 401 with a bearer challenge and a JSON-RPC error body.
 *
 * @example
 * ```ts
 * import { unauthorizedResponse } from "./auth.ts";
 * unauthorizedResponse({ error: "invalid_token" }).status; // 401
 * ```
 */
export function unauthorizedResponse(challenge: BearerChallenge = {}): Response {
  return jsonRpcErrorResponse(401, ErrorCode.InvalidRequest, `Unauthorized${challenge.errorDescription ? `: ${challenge.errorDescription}` : ""}`, {
    headers: { "www-authenticate": bearerChallenge(challenge) },
  });
}

/**
 * A 403 `insufficient_scope` naming the scopes needed.
 *
 * @example
 * ```ts
 * import { insufficientScopeResponse } from "./auth.ts";
 * insufficientScopeResponse(["tools:write"]).headers.get("www-authenticate");
 * // 'Bearer scope="tools:write", error="insufficient_scope"'
 * ```
 */
export function insufficientScopeResponse(scope: readonly string[], resourceMetadataUrl?: string): Response {
  return jsonRpcErrorResponse(403, ErrorCode.InvalidRequest, `Forbidden: insufficient scope (needs ${scope.join(" ")})`, {
    headers: { "www-authenticate": bearerChallenge({ error: "insufficient_scope", scope, resourceMetadataUrl }) },
  });
}

/**
 * Options of {@link bearerAuth}.
 *
 * @example
 * ```ts
 * import { bearerAuth, type BearerAuthOptions } from "./auth.ts";
 * const options: BearerAuthOptions = {
 *   verify: (token) => (token === "secret" ? { id: "alice", scopes: ["mcp"] } : null),
 *   requiredScopes: ["mcp"],
 * };
 * const authenticate = bearerAuth(options);
 * ```
 */
export interface BearerAuthOptions {
  /** Checks a token; returns its principal, or `undefined`/`null` when it is not valid. */
  verify(token: string, request: Request): Principal | undefined | null | Promise<Principal | undefined | null>;
  /** Scopes every request needs; missing ones get 403 `insufficient_scope`. */
  requiredScopes?: readonly string[];
  /** Overrides the metadata URL the handler passes in {@link AuthInfo}. */
  resourceMetadataUrl?: string;
}

/**
 * An {@link Authenticate} hook for `Authorization: Bearer <token>`.
 *
 * @example
 * ```ts
 * import { bearerAuth } from "./auth.ts";
 * const authenticate = bearerAuth({
 *   verify: (token) => token === "let-me-in" ? { id: "alice", scopes: ["mcp"] } : undefined,
 *   requiredScopes: ["mcp"],
 * });
 * ```
 */
export function bearerAuth(options: BearerAuthOptions): Authenticate {
  const required = options.requiredScopes ?? [];
  return async (request, info) => {
    const resourceMetadataUrl = options.resourceMetadataUrl ?? info.resourceMetadataUrl;
    const header = request.headers.get("authorization");
    const match = header === null ? null : /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!match) {
      return header === null
        ? unauthorizedResponse({ resourceMetadataUrl, scope: required })
        : unauthorizedResponse({ resourceMetadataUrl, scope: required, error: "invalid_request", errorDescription: "malformed Authorization header" });
    }
    let principal: Principal | undefined | null;
    try {
      principal = await options.verify(match[1], request);
    } catch {
      principal = undefined;
    }
    if (!isPrincipal(principal)) {
      return unauthorizedResponse({ resourceMetadataUrl, scope: required, error: "invalid_token", errorDescription: "invalid or expired token" });
    }
    const granted = new Set(principal.scopes ?? []);
    const missing = required.filter((s) => !granted.has(s));
    if (missing.length > 0) return insufficientScopeResponse(required, resourceMetadataUrl);
    return principal;
  };
}

/**
 * Where RFC 9728 puts the metadata of `resource`: the well-known prefix inserted between the
 * origin and the path.
 *
 * @example
 * ```ts
 * import { resourceMetadataUrl } from "./auth.ts";
 * resourceMetadataUrl("https://example.com/api/mcp");
 * // "https://example.com/.well-known/oauth-protected-resource/api/mcp"
 * ```
 */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/+$/, "");
  return `${url.origin}${PROTECTED_RESOURCE_WELL_KNOWN}${path}`;
}

/**
 * The metadata document as a JSON response (public, cacheable, readable cross-origin).
 *
 * @example
 * ```ts
 * import { protectedResourceMetadataResponse } from "./auth.ts";
 * protectedResourceMetadataResponse({ authorization_servers: ["https://auth.example.com"] }, "https://example.com/mcp");
 * ```
 */
export function protectedResourceMetadataResponse(metadata: ProtectedResourceMetadata, resource: string): Response {
  const body = { ...metadata, resource: metadata.resource ?? resource };
  return new Response(JSON.stringify(body), {
    headers: { "content-type": "application/json", "cache-control": "max-age=3600", "access-control-allow-origin": "*" },
  });
}

/**
 * The resource identifier of a handler: the configured `resource`, else the MCP endpoint's URL
 * on the request's origin (already Host-checked).
 *
 * @example
 * ```ts
 * import { resourceFor } from "./auth.ts";
 * resourceFor(new URL("http://localhost:8787/sse"), "/api/mcp", undefined); // "http://localhost:8787/api/mcp"
 * ```
 */
export function resourceFor(url: URL, mcpPath: string, metadata: ProtectedResourceMetadata | undefined): string {
  return metadata?.resource ?? `${url.origin}${mcpPath}`;
}

/**
 * True when `pathname` is where this handler serves its protected resource metadata: the
 * path-aware form for the MCP endpoint (RFC 9728 §3.1), or the root form.
 *
 * @example
 * ```ts
 * import { isResourceMetadataPath } from "./auth.ts";
 * isResourceMetadataPath("/.well-known/oauth-protected-resource/api/mcp", "https://x/api/mcp"); // true
 * ```
 */
export function isResourceMetadataPath(pathname: string, resource: string): boolean {
  if (!pathname.startsWith(PROTECTED_RESOURCE_WELL_KNOWN)) return false;
  return pathname === PROTECTED_RESOURCE_WELL_KNOWN || pathname === new URL(resourceMetadataUrl(resource)).pathname;
}

/**
 * Runs the hook; returns the principal, or the `Response` to answer with. A hook that throws or
 * returns nothing is a server fault (500), never a pass.
 *
 * @example
 * ```ts ignore
 * const outcome = await authenticateRequest(request, options.auth, resource);
 * if (outcome instanceof Response) return outcome;
 * ```
 */
export async function authenticateRequest(request: Request, auth: AuthOptions, resource: string): Promise<unknown> {
  const info: AuthInfo = auth.resourceMetadata === undefined
    ? { resource }
    : { resource, resourceMetadataUrl: resourceMetadataUrl(resource) };
  let outcome: unknown;
  try {
    outcome = await auth.authenticate(request, info);
  } catch (error) {
    return jsonRpcErrorResponse(500, ErrorCode.InternalError, `Internal error: authentication failed (${error instanceof Error ? error.message : String(error)})`);
  }
  if (outcome instanceof Response) return outcome;
  if (outcome !== undefined && outcome !== null) return outcome;
  return jsonRpcErrorResponse(500, ErrorCode.InternalError, "Internal error: authenticate returned neither a Response nor a principal");
}
