/**
 * Graceful shutdown: wait until nothing is in flight, or a deadline, whichever comes first.
 *
 * @module
 */

/**
 * Resolves once `busy()` is false or `graceMs` passed. Polls; leaves no timer behind.
 *
 * @example
 * ```ts
 * import { waitUntilIdle } from "./shutdown.ts";
 * await waitUntilIdle(() => false, 1000); // at once
 * ```
 */
export async function waitUntilIdle(busy: () => boolean, graceMs: number, pollMs = 10): Promise<void> {
  const end = Date.now() + Math.max(0, graceMs);
  while (busy() && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(1, end - Date.now()))));
  }
}
