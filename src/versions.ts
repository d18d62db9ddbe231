/**
 * The MCP protocol versions Tether speaks, and version negotiation.
 *
 * @module
 */

/**
 * Versions negotiated by `initialize` (2024/2025 clients), oldest first.
 *
 * @example
 * ```ts
 * import { SESSION_VERSIONS } from "./versions.ts";
 * SESSION_VERSIONS.includes("2025-06-18"); // true
 * ```
 */
export const SESSION_VERSIONS = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] as const;

/**
 * The newest version negotiated by `initialize`.
 *
 * @example
 * ```ts
 * import { LATEST_SESSION_VERSION } from "./versions.ts";
 * LATEST_SESSION_VERSION; // "2025-11-25": what initialize offers a client asking for something newer
 * ```
 */
export const LATEST_SESSION_VERSION = "2025-11-25";

/**
 * The version assumed when a Streamable HTTP request carries no `MCP-Protocol-Version`.
 *
 * @example
 * ```ts
 * import { DEFAULT_HEADER_VERSION } from "./versions.ts";
 * const version = new Headers().get("mcp-protocol-version") ?? DEFAULT_HEADER_VERSION; // "2025-03-26"
 * ```
 */
export const DEFAULT_HEADER_VERSION = "2025-03-26";

/**
 * The sessionless revision, negotiated per request through the `_meta` envelope.
 *
 * @example
 * ```ts
 * import { MODERN_VERSION } from "./versions.ts";
 * const meta = { "io.modelcontextprotocol/protocolVersion": MODERN_VERSION }; // "2026-07-28"
 * ```
 */
export const MODERN_VERSION = "2026-07-28";

/**
 * Picks the version to answer an `initialize` with: the client's when supported, else the latest.
 *
 * @example
 * ```ts
 * import { negotiateVersion } from "./versions.ts";
 * negotiateVersion("2025-03-26"); // "2025-03-26"
 * negotiateVersion("1999-01-01"); // "2025-11-25"
 * ```
 */
export function negotiateVersion(requested: unknown): string {
  return typeof requested === "string" && (SESSION_VERSIONS as readonly string[]).includes(requested)
    ? requested
    : LATEST_SESSION_VERSION;
}

/**
 * True when `version` is one `initialize` can negotiate.
 *
 * @example
 * ```ts
 * import { isSessionVersion } from "./versions.ts";
 * isSessionVersion("2025-06-18"); // true
 * ```
 */
export function isSessionVersion(version: string): boolean {
  return (SESSION_VERSIONS as readonly string[]).includes(version);
}

/**
 * Versions served per request through the `_meta` envelope (2026 clients), oldest first.
 *
 * @example
 * ```ts
 * import { MODERN_VERSIONS } from "./versions.ts";
 * MODERN_VERSIONS; // ["2026-07-28"]
 * ```
 */
export const MODERN_VERSIONS = [MODERN_VERSION] as const;

/**
 * True when `version` names a sessionless revision: a date at or after 2026-07-28, or a string
 * that is no known session version (an unknown claim is answered as an unsupported version).
 *
 * @example
 * ```ts
 * import { isModernVersion } from "./versions.ts";
 * isModernVersion("2026-07-28"); // true
 * isModernVersion("2025-11-25"); // false
 * ```
 */
export function isModernVersion(version: string): boolean {
  if (/^\d{4}-\d{2}-\d{2}$/.test(version)) return version >= MODERN_VERSION;
  return !isSessionVersion(version);
}
