/**
 * Sessionless requests in progress: the handler knows them only so that shutdown can end them
 * and tests can see that none remain. Each entry leaves through its request's own single end.
 *
 * Most requests are answered in the turn they started in; those cost one counter. A request
 * still going once that turn is over is told so (`outlived`), once, by one timer shared by every
 * request of the turn: only then does it pay for what a long request needs (listening for its
 * client going away, a deadline, a live stream).
 *
 * @module
 */

/**
 * A request {@link InFlightRequests} keeps track of.
 *
 * @example
 * ```ts
 * import type { TrackedRequest } from "./inflight.ts";
 * const request: TrackedRequest = { over: false, outlived() {}, shutdown() {} };
 * ```
 */
export interface TrackedRequest {
  /** True once the request ended (it is then neither told it outlived its turn nor shut down). */
  readonly over: boolean;
  /** Runs at most once, when the request is still going after the turn it started in. */
  outlived(): void;
  /** Ends the request because the server shuts down. */
  shutdown(): void;
}

/**
 * The set of sessionless requests being handled now.
 *
 * @example
 * ```ts
 * import { InFlightRequests } from "./inflight.ts";
 * const inFlight = new InFlightRequests();
 * const request = { over: false, outlived() {}, shutdown() { request.over = true; } };
 * const ticket = inFlight.track(request);
 * inFlight.size; // 1
 * request.over = true;
 * inFlight.untrack(request, ticket);
 * inFlight.size; // 0
 * ```
 */
export class InFlightRequests {
  /**
   * Requests of the current turn, not yet told they outlived it. A request that ends leaves its
   * slot empty at once: a busy runtime may serve many requests before its timers run, and what
   * is kept here until then would outlive the young generation and be promoted.
   */
  #fresh: Array<TrackedRequest | undefined> = [];
  /** How many of `#fresh` are not over. */
  #freshLive = 0;
  /** Requests that outlived their first turn and are not over. */
  readonly #outliving = new Set<TrackedRequest>();
  #timer: ReturnType<typeof setTimeout> | undefined;
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
    return this.#freshLive + this.#outliving.size;
  }

  /** Starts tracking a request (it must not be over yet); returns the ticket {@link InFlightRequests.untrack} wants. */
  track(request: TrackedRequest): number {
    this.#freshLive++;
    this.#timer ??= setTimeout(this.#promote, 0);
    return this.#fresh.push(request) - 1;
  }

  /**
   * Stops tracking a request that just ended: called exactly once per tracked request, from
   * its single end, once `over` is true. (The shared timer is left to run out: it is due at
   * once, holds nothing, and arming it again for the next request would cost more.)
   */
  untrack(request: TrackedRequest, ticket: number): void {
    if (this.#outliving.delete(request)) return;
    this.#freshLive--;
    if (this.#fresh[ticket] === request) this.#fresh[ticket] = undefined;
  }

  /** Ends every request in progress (shutdown). */
  endAll(): void {
    this.#promote();
    for (const request of [...this.#outliving]) {
      try {
        request.shutdown();
      } catch {
        // One failing end must not keep the others alive.
      }
    }
  }

  /** The turn is over: the requests still going learn that they outlived it. */
  readonly #promote = (): void => {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const fresh = this.#fresh;
    this.#fresh = [];
    this.#freshLive = 0;
    for (const request of fresh) {
      if (request === undefined || request.over) continue;
      this.#outliving.add(request);
      try {
        request.outlived();
      } catch {
        // One failing request must not keep the others from learning it.
      }
    }
  };
}
