/**
 * 2026-07-28 caching hints (`ttlMs`, `cacheScope`) carried by `server/discover`, every list
 * result and `resources/read`: their defaults and how per-item hints combine into one.
 *
 * @module
 */

/**
 * Who may cache a result: anyone (`public`) or only the same authorization context (`private`).
 *
 * @example
 * ```ts
 * import type { CacheScope } from "./caching.ts";
 * const scope: CacheScope = "private"; // only the same authorization context may reuse the result
 * ```
 */
export type CacheScope = "public" | "private";

/**
 * A caching hint; unset fields fall back to the next level (tool → server → default).
 *
 * @example
 * ```ts
 * import type { CacheHint } from "./caching.ts";
 * const hint: CacheHint = { ttlMs: 60_000 }; // cacheScope falls back to the server's, then the default
 * ```
 */
export interface CacheHint {
  /** How long the result may be considered fresh, in ms (≥ 0). */
  ttlMs?: number;
  /** Who may cache it. */
  cacheScope?: CacheScope;
}

/**
 * A complete caching hint, as put on a result.
 *
 * @example
 * ```ts
 * import type { ResolvedCacheHint } from "./caching.ts";
 * const onResult: ResolvedCacheHint = { ttlMs: 0, cacheScope: "public" };
 * ```
 */
export interface ResolvedCacheHint {
  /** How long the result may be reused, in ms. */
  ttlMs: number;
  /** Who may reuse it. */
  cacheScope: CacheScope;
}

/**
 * Methods whose complete results carry caching hints.
 *
 * @example
 * ```ts
 * import { CACHEABLE_METHODS } from "./caching.ts";
 * CACHEABLE_METHODS.has("tools/list"); // true
 * CACHEABLE_METHODS.has("tools/call"); // false
 * ```
 */
export const CACHEABLE_METHODS: ReadonlySet<string> = new Set([
  "server/discover",
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
  "resources/read",
]);

/**
 * Default hints: lists and reads are always revalidated (`ttlMs: 0`, never stale by default);
 * discovery changes only on deploy (5 minutes). Results for an authenticated principal default
 * to `private`, anonymous ones to `public`.
 *
 * @example
 * ```ts
 * import { DEFAULT_TTL_MS } from "./caching.ts";
 * DEFAULT_TTL_MS; // 0: list results are not reused unless a hint says so
 * ```
 */
export const DEFAULT_TTL_MS = 0;
/**
 * Default `ttlMs` of `server/discover`.
 *
 * @example
 * ```ts
 * import { DEFAULT_DISCOVER_TTL_MS } from "./caching.ts";
 * DEFAULT_DISCOVER_TTL_MS; // 300000 (five minutes)
 * ```
 */
export const DEFAULT_DISCOVER_TTL_MS = 300_000;

/**
 * Combines hints of the items making up one result: the shortest TTL wins, and one private
 * item makes the whole result private. Unset fields are ignored.
 *
 * @example
 * ```ts
 * import { combineHints } from "./caching.ts";
 * combineHints([{ ttlMs: 60_000 }, { ttlMs: 1_000, cacheScope: "private" }]); // { ttlMs: 1000, cacheScope: "private" }
 * ```
 */
export function combineHints(hints: Iterable<CacheHint | undefined>): CacheHint {
  const out: CacheHint = {};
  for (const hint of hints) {
    if (!hint) continue;
    if (hint.ttlMs !== undefined) out.ttlMs = out.ttlMs === undefined ? hint.ttlMs : Math.min(out.ttlMs, hint.ttlMs);
    if (hint.cacheScope === "private") out.cacheScope = "private";
    else if (hint.cacheScope === "public" && out.cacheScope === undefined) out.cacheScope = "public";
  }
  return out;
}

/**
 * Fills a hint's unset fields from `fallback` and clamps the TTL to a non-negative integer, as
 * the spec requires.
 *
 * @example
 * ```ts
 * import { resolveHint } from "./caching.ts";
 * resolveHint({ ttlMs: -5 }, { ttlMs: 0, cacheScope: "public" }); // { ttlMs: 0, cacheScope: "public" }
 * ```
 */
export function resolveHint(hint: CacheHint | undefined, fallback: ResolvedCacheHint): ResolvedCacheHint {
  const ttl = hint?.ttlMs ?? fallback.ttlMs;
  return {
    ttlMs: Number.isFinite(ttl) && ttl > 0 ? Math.floor(ttl) : 0,
    cacheScope: hint?.cacheScope ?? fallback.cacheScope,
  };
}
