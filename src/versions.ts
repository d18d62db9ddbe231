/**
 * The MCP protocol versions Tether speaks, and version negotiation.
 *
 * @module
 */

/** Versions negotiated by `initialize` (2024/2025 clients), oldest first. */
export const SESSION_VERSIONS = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] as const;

/** The newest version negotiated by `initialize`. */
export const LATEST_SESSION_VERSION = "2025-11-25";

/** The version assumed when a Streamable HTTP request carries no `MCP-Protocol-Version`. */
export const DEFAULT_HEADER_VERSION = "2025-03-26";

/** The sessionless revision, negotiated per request through the `_meta` envelope. */
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
