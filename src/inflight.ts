/**
 * Sessionless requests in progress: the handler knows them only so that shutdown can end them
 * and tests can see that none remain. Each entry is removed by its request's own single end.
 *
 * @module
 */

/**
 * The set of sessionless requests being handled now.
 *
 * @example
 * ```ts
 * import { InFlightRequests } from "./inflight.ts";
 * const inFlight = new InFlightRequests();
 * const controller = new AbortController();
 * const remove = inFlight.add(() => controller.abort());
 * inFlight.size; // 1
 * remove();
 * inFlight.size; // 0
 * ```
 */
export class InFlightRequests {
  readonly #ends = new Set<() => void>();
  #refusing = false;

  /** False once {@link InFlightRequests.refuseNew} ran: new requests are refused (shutdown). */
  get accepting(): boolean {
    return !this.#refusing;
  }

  /** From now on transports refuse new requests (graceful shutdown); those in progress go on. */
  refuseNew(): void {
    this.#refusing = true;
  }

  /** Number of requests in progress. */
  get size(): number {
    return this.#ends.size;
  }

  /** Registers a request by its end function; returns the idempotent removal. */
  add(end: () => void): () => void {
    this.#ends.add(end);
    return () => this.#ends.delete(end);
  }

  /** Ends every request in progress (shutdown). */
  endAll(): void {
    for (const end of [...this.#ends]) {
      try {
        end();
      } catch {
        // One failing end must not keep the others alive.
      }
    }
  }
}
