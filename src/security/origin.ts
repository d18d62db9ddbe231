/**
 * DNS-rebinding protection: the `Host` and `Origin` of every request are checked against
 * allow-lists before anything else happens. By default only loopback names are accepted
 * (`localhost`, `127.0.0.1`, `[::1]`, any port), which is what a local server needs; a server
 * exposed under other names lists them.
 *
 * @module
 */
import { ErrorCode } from "../jsonrpc.ts";
import { jsonRpcErrorResponse } from "../http.ts";

/**
 * The host names a local server answers to (any port).
 *
 * @example
 * ```ts
 * import { LOOPBACK_HOSTS } from "./origin.ts";
 * LOOPBACK_HOSTS.includes("127.0.0.1"); // true: accepted by default, on any port
 * ```
 */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/**
 * Options of {@link checkOrigin}.
 *
 * @example
 * ```ts
 * import { checkOrigin, type OriginPolicy } from "./origin.ts";
 * const policy: OriginPolicy = { allowedHosts: ["mcp.example.com"], allowedOrigins: ["https://app.example.com"] };
 * checkOrigin(new Request("https://mcp.example.com/mcp", { headers: { origin: "https://evil.example" } }), policy)?.status; // 403
 * ```
 */
export interface OriginPolicy {
  /**
   * Accepted `Host` values: a name (any port) or `name:port`; `"any"` turns the check off.
   * Default {@link LOOPBACK_HOSTS}.
   */
  allowedHosts?: readonly string[] | "any";
  /**
   * Accepted `Origin` values: `scheme://host` (any port) or `scheme://host:port`; `"any"` turns
   * the check off. Default: `http` and `https` on the allowed host names, or on the loopback
   * names when hosts are `"any"`. Requests without `Origin` (non-browser clients) always pass.
   */
  allowedOrigins?: readonly string[] | "any";
}

interface HostPort {
  name: string;
  port?: string;
}

// A Host value is a DNS name, an IPv4 address or a bracketed IPv6 address, and an optional port.
// Anything else (userinfo, paths, spaces) is refused before any URL parser can reinterpret it.
const HOST_PATTERN = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?$/;

function parseHost(value: string): HostPort | undefined {
  const match = HOST_PATTERN.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  return match[2] === undefined ? { name: match[1] } : { name: match[1], port: match[2] };
}

function hostMatches(entry: string, host: HostPort): boolean {
  const allowed = parseHost(entry);
  if (!allowed || allowed.name !== host.name) return false;
  return allowed.port === undefined || allowed.port === host.port;
}

interface OriginParts {
  scheme: string;
  host: HostPort;
}

function parseOrigin(value: string): OriginParts | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]+)$/.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const host = parseHost(match[2]);
  return host ? { scheme: match[1], host } : undefined;
}

function originMatches(entry: string, origin: OriginParts): boolean {
  const allowed = parseOrigin(entry);
  if (!allowed || allowed.scheme !== origin.scheme) return false;
  return hostMatches(allowed.host.port === undefined ? allowed.host.name : `${allowed.host.name}:${allowed.host.port}`, origin.host);
}

/**
 * The Origin allow-list used when none is given: `http` and `https` on the allowed host names
 * (the loopback names when hosts are `"any"`).
 *
 * @example
 * ```ts
 * import { defaultOrigins } from "./origin.ts";
 * defaultOrigins(["mcp.example.com"]); // ["http://mcp.example.com", "https://mcp.example.com"]
 * ```
 */
export function defaultOrigins(allowedHosts: OriginPolicy["allowedHosts"]): readonly string[] {
  const hosts = allowedHosts === undefined || allowedHosts === "any" ? LOOPBACK_HOSTS : allowedHosts;
  return hosts.flatMap((h) => [`http://${h}`, `https://${h}`]);
}

/** The `Host` a request was sent to: the header when present, else the URL's authority. */
function requestHost(request: Request, headers: Headers): string {
  const header = headers.get("host");
  if (header !== null) return header;
  try {
    return new URL(request.url).host;
  } catch {
    return "";
  }
}

/**
 * Why a request failed the check, or `undefined` when it passes.
 *
 * @example
 * ```ts
 * import { originViolation } from "./origin.ts";
 * originViolation(new Request("http://localhost:8787/mcp"), {}); // undefined
 * originViolation(new Request("http://localhost/mcp", { headers: { origin: "https://evil.example" } }), {});
 * // "origin"
 * ```
 */
export function originViolation(request: Request, policy: OriginPolicy): "host" | "origin" | undefined {
  // (Each `request.headers` read costs a runtime call on Bun: read once.)
  const headers = request.headers;
  if (policy.allowedHosts !== "any") {
    const allowed = policy.allowedHosts ?? LOOPBACK_HOSTS;
    if (!remembered(allowed, requestHost(request, headers), hostAllowed, lastHost)) return "host";
  }
  const origin = headers.get("origin");
  if (origin === null) return undefined;
  const origins = policy.allowedOrigins ?? defaultOriginsOf(policy.allowedHosts);
  if (origins === "any") return undefined;
  if (!remembered(origins, origin, originAllowed, lastOrigin)) return "origin";
  return undefined;
}

function hostAllowed(allowed: readonly string[], value: string): boolean {
  const host = parseHost(value);
  return host !== undefined && allowed.some((entry) => hostMatches(entry, host));
}

function originAllowed(allowed: readonly string[], value: string): boolean {
  // "null" (sandboxed frames, file: pages) is an opaque origin: never one we can vouch for.
  const parsed = parseOrigin(value);
  return parsed !== undefined && allowed.some((entry) => originMatches(entry, parsed));
}

/** Clients send the same few Host and Origin values again and again: verdicts are remembered per allow list. */
const VERDICT_CACHE_SIZE = 64;
const verdicts = new WeakMap<readonly string[], Map<string, boolean>>();

function remembered(
  allowed: readonly string[],
  value: string,
  decide: (allowed: readonly string[], value: string) => boolean,
  last: LastVerdict,
): boolean {
  // Long values are decided afresh, so that ever-new values cannot make the cache costly.
  if (value.length > 256) return decide(allowed, value);
  // The last verdict of this kind first: comparing a short string costs less than hashing it,
  // and every request brings its Host as a new string (on Deno, hashing one costs ~0.2 µs).
  if (last.value === value && last.allowed === allowed) return last.verdict;
  let known = verdicts.get(allowed);
  if (known === undefined) verdicts.set(allowed, known = new Map());
  let verdict = known.get(value);
  if (verdict === undefined) {
    verdict = decide(allowed, value);
    if (known.size >= VERDICT_CACHE_SIZE) known.clear();
    known.set(value, verdict);
  }
  last.allowed = allowed;
  last.value = value;
  last.verdict = verdict;
  return verdict;
}

/** The last verdict {@link remembered} gave on a Host, and on an Origin (updated in place). */
interface LastVerdict {
  allowed: readonly string[] | undefined;
  value: string | undefined;
  verdict: boolean;
}
const lastHost: LastVerdict = { allowed: undefined, value: undefined, verdict: false };
const lastOrigin: LastVerdict = { allowed: undefined, value: undefined, verdict: false };

/** {@link defaultOrigins}, built once per allow list (the list a handler was given is fixed). */
const defaultOriginLists = new WeakMap<readonly string[], readonly string[]>();

function defaultOriginsOf(allowedHosts: OriginPolicy["allowedHosts"]): readonly string[] {
  const hosts = allowedHosts === undefined || allowedHosts === "any" ? LOOPBACK_HOSTS : allowedHosts;
  let origins = defaultOriginLists.get(hosts);
  if (origins === undefined) defaultOriginLists.set(hosts, origins = defaultOrigins(hosts));
  return origins;
}

/**
 * Checks `Host` and `Origin`; returns the 403 to send, or `undefined` when the request may go on.
 *
 * @example
 * ```ts
 * import { checkOrigin } from "./origin.ts";
 * const request = new Request("http://127.0.0.1:8787/mcp", { headers: { host: "evil.example" } });
 * checkOrigin(request, {})?.status; // 403
 * ```
 */
export function checkOrigin(request: Request, policy: OriginPolicy): Response | undefined {
  const violation = originViolation(request, policy);
  if (violation === undefined) return undefined;
  return jsonRpcErrorResponse(
    403,
    ErrorCode.InvalidRequest,
    violation === "host" ? "Forbidden: Host not allowed" : "Forbidden: Origin not allowed",
  );
}
