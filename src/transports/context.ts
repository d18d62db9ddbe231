/**
 * What every transport shares: the server, the session registry and the resolved options.
 *
 * @module
 */
import type { McpServer } from "../server.ts";
import type { SessionRegistry } from "../registry.ts";
import type { ResolvedOptions } from "../options.ts";
import type { ListenRegistry } from "../listen.ts";
import type { InFlightRequests } from "../inflight.ts";

/**
 * The shared state a transport works with.
 *
 * @example
 * ```ts
 * import type { TransportContext } from "./context.ts";
 * // What every transport function receives (built once by createHandler).
 * function liveSessions(ctx: TransportContext): number {
 *   return ctx.registry.size;
 * }
 * ```
 */
export interface TransportContext {
  readonly server: McpServer;
  readonly registry: SessionRegistry;
  readonly options: ResolvedOptions;
  /**
   * The principal of the request being served: from the `auth` hook, or attached by a host
   * framework; absent for anonymous requests. The handler sets it per request, and `registry` is
   * then already that principal's view. Sessionless transports pass it on in their `RequestChannel`.
   */
  readonly principal?: unknown;
  /** Open 2026 `subscriptions/listen` streams. */
  readonly listens: ListenRegistry;
  /** 2026 requests in progress. */
  readonly inFlight: InFlightRequests;
}

/**
 * The optional second argument of a fetch handler. On Bun it is the server, whose
 * `timeout(request, seconds)` lifts the idle limit for long-lived streams; other runtimes pass
 * something else or nothing, and it is ignored.
 *
 * @example
 * ```ts
 * import { keepOpen, type PlatformArg } from "./context.ts";
 * // Bun passes its server as the fetch handler's second argument; elsewhere it is ignored.
 * const platform: PlatformArg = undefined;
 * keepOpen(new Request("http://x"), platform);
 * ```
 */
export type PlatformArg = unknown;

/**
 * Lifts the runtime's idle timeout for a long-lived response where the runtime offers a way
 * (Bun's `server.timeout(request, 0)`); does nothing elsewhere.
 *
 * @example
 * ```ts
 * import { keepOpen } from "./context.ts";
 * keepOpen(new Request("http://x"), undefined); // no-op outside Bun
 * ```
 */
export function keepOpen(request: Request, platform: PlatformArg): void {
  const timeout = (platform as { timeout?: unknown } | null | undefined)?.timeout;
  if (typeof timeout === "function") {
    try {
      timeout.call(platform, request, 0);
    } catch {
      // Not Bun's server after all.
    }
  }
}

/**
 * True when the runtime lets a request's idle limit be lifted ({@link keepOpen} would act):
 * Bun. Lets a transport skip the cost for answers that are ready at once.
 *
 * @example
 * ```ts
 * import { canKeepOpen } from "./context.ts";
 * canKeepOpen(undefined); // false
 * canKeepOpen({ timeout() {} }); // true
 * ```
 */
export function canKeepOpen(platform: PlatformArg): boolean {
  return typeof (platform as { timeout?: unknown } | null | undefined)?.timeout === "function";
}
