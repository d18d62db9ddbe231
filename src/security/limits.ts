/**
 * Bounds that keep one client from growing the server without limit: handler run time, batch
 * size, and the answer for too many streams per session (the streams themselves are counted by
 * the transport's `SessionStreams`). (Body size is bounded in `http.ts` while reading; the SSE
 * outbound buffer in `sse.ts`; live sessions in `registry.ts`.)
 *
 * @module
 */
import { ErrorCode } from "../jsonrpc.ts";
import { jsonRpcErrorResponse } from "../http.ts";

/**
 * The 429 for a session that has as many streams open as it may.
 *
 * @example
 * ```ts
 * import { tooManyStreamsResponse } from "./limits.ts";
 * tooManyStreamsResponse(16).status; // 429
 * ```
 */
export function tooManyStreamsResponse(max: number): Response {
  return jsonRpcErrorResponse(429, ErrorCode.InvalidRequest, `Too many open streams for this session (limit ${max})`);
}

/**
 * The 400 for a JSON-RPC batch with more messages than allowed (or `undefined` when it fits).
 *
 * @example
 * ```ts
 * import { checkBatchSize } from "./limits.ts";
 * checkBatchSize([{}, {}, {}], 2)?.status; // 400
 * checkBatchSize([{}], 2); // undefined
 * ```
 */
export function checkBatchSize(batch: readonly unknown[], max: number): Response | undefined {
  if (batch.length <= max) return undefined;
  return jsonRpcErrorResponse(400, ErrorCode.InvalidRequest, `Bad Request: a batch may carry at most ${max} messages`);
}

/**
 * A running handler deadline (see {@link startDeadline}).
 *
 * @example
 * ```ts
 * import { type Deadline, startDeadline } from "./limits.ts";
 * const controller = new AbortController();
 * const deadline: Deadline = startDeadline(30_000, controller);
 * deadline.clear(); // the handler finished in time
 * ```
 */
export interface Deadline {
  /** Resolves when the deadline passes (never, when there is none). */
  readonly expired: Promise<void>;
  /** True once the deadline passed. */
  readonly fired: boolean;
  /** Stops the timer. Idempotent. */
  clear(): void;
}

/**
 * Starts a deadline for one handler run: when `ms` pass, `controller` is aborted (so the handler
 * stops) and `expired` resolves (so the caller can answer without waiting for it). `ms <= 0`
 * means no deadline. As with {@link addDeadline}, a run cleared within its burst of microtasks
 * never starts a timer.
 *
 * @example
 * ```ts
 * import { startDeadline } from "./limits.ts";
 * const controller = new AbortController();
 * const deadline = startDeadline(1000, controller);
 * deadline.clear();
 * ```
 */
export function startDeadline(ms: number, controller: Pick<AbortController, "abort">): Deadline {
  const deadline = new ControllerDeadline(ms, controller);
  if (ms > 0 && Number.isFinite(ms)) addDeadline(ms, deadline);
  return deadline;
}

/** A {@link Deadline} as a class: one object per run, no per-run closures or getters on literals. */
class ControllerDeadline implements Deadline, DeadlineEntry {
  deadlineAt = 0;
  fired = false;
  #expired: Promise<void> | undefined;
  #resolve: (() => void) | undefined;
  readonly #ms: number;
  readonly #controller: Pick<AbortController, "abort">;

  constructor(ms: number, controller: Pick<AbortController, "abort">) {
    this.#ms = ms;
    this.#controller = controller;
  }

  // Made when first read. Never shared: a promise that never settles would keep every reaction.
  get expired(): Promise<void> {
    if (this.#expired === undefined) {
      this.#expired = this.fired ? Promise.resolve() : new Promise<void>((resolve) => (this.#resolve = resolve));
    }
    return this.#expired;
  }

  expire(): void {
    this.fired = true;
    this.#controller.abort(new Error(`Handler timed out after ${this.#ms} ms`));
    this.#resolve?.();
  }

  clear(): void {
    if (this.#ms > 0 && Number.isFinite(this.#ms)) removeDeadline(this.#ms, this);
  }
}

/**
 * Something with a deadline: {@link addDeadline} times it and calls `expire()` once it passes,
 * unless {@link removeDeadline} came first.
 *
 * @example
 * ```ts
 * import { addDeadline, type DeadlineEntry, removeDeadline } from "./limits.ts";
 * const entry: DeadlineEntry = { deadlineAt: 0, expire: () => console.log("too late") };
 * addDeadline(30_000, entry);
 * removeDeadline(30_000, entry);
 * ```
 */
export interface DeadlineEntry {
  /** Bookkeeping of the queue (when it expires, on the monotonic clock); start it at 0. */
  deadlineAt: number;
  /** Called once when the deadline passes. */
  expire(): void;
}

/**
 * Starts `entry`'s deadline of `ms` (> 0, finite) once the current burst of work is over: an
 * entry removed within a few microtask turns (a handler that answers at once, the usual case)
 * never touches a timer. One that is still there is timed from then, a few microseconds late.
 * Deadlines of one length share one timer, so a request costs no timer of its own; and with
 * nothing running there is no timer.
 *
 * @example
 * ```ts
 * import { addDeadline, removeDeadline } from "./limits.ts";
 * const entry = { deadlineAt: 0, expire() {} };
 * addDeadline(1000, entry);
 * removeDeadline(1000, entry);
 * ```
 */
export function addDeadline(ms: number, entry: DeadlineEntry): void {
  queueFor(ms).defer(entry);
}

/**
 * Stops `entry`'s deadline of `ms` (the length it was added with). Idempotent.
 *
 * @example
 * ```ts
 * import { addDeadline, removeDeadline } from "./limits.ts";
 * const entry = { deadlineAt: 0, expire() {} };
 * addDeadline(1000, entry);
 * removeDeadline(1000, entry);
 * ```
 */
export function removeDeadline(ms: number, entry: DeadlineEntry): void {
  deadlineQueues.get(ms)?.remove(entry);
}

/**
 * Microtask turns a deferred entry waits before it is timed: enough for a handler that answers
 * without waiting on I/O (sync or async, through the session's few awaits) to be removed first.
 */
const DEFER_TURNS = 12;

/**
 * The running deadlines of one length, in the order they expire (they were added in that order,
 * all with the same length), behind one timer armed for the earliest: concurrent requests share
 * it instead of each starting and clearing a timer. No deadline running means no timer.
 */
class DeadlineQueue {
  readonly #ms: number;
  readonly #entries = new Set<DeadlineEntry>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Entries waiting for their burst to end (see {@link addDeadline}), in the order they came;
   * a waiting entry's `deadlineAt` is minus the turn it came at, 0 once removed.
   */
  #deferred: DeadlineEntry[] = [];
  /** Microtask turns counted while entries wait (starts at 1: 0 and -0 mean "not timed"). */
  #turns = 1;
  #turning = false;

  constructor(ms: number) {
    this.#ms = ms;
  }

  /** Times `entry` only if it is still there {@link DEFER_TURNS} microtask turns from now. */
  defer(entry: DeadlineEntry): void {
    entry.deadlineAt = -this.#turns;
    this.#deferred.push(entry);
    if (!this.#turning) {
      this.#turning = true;
      queueMicrotask(this.#turn);
    }
  }

  /** Idempotent. */
  remove(entry: DeadlineEntry): void {
    if (entry.deadlineAt < 0) {
      entry.deadlineAt = 0; // Over before it was timed: the turns skip it.
      return;
    }
    if (!this.#entries.delete(entry) || this.#entries.size > 0 || this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** One microtask turn: entries that waited long enough and are still there are timed. */
  readonly #turn = (): void => {
    const turn = ++this.#turns;
    const deferred = this.#deferred;
    let done = 0;
    let at = 0;
    for (; done < deferred.length; done++) {
      const entry = deferred[done];
      if (entry.deadlineAt === 0) continue;
      if (turn + entry.deadlineAt < DEFER_TURNS) break; // Came too recently (and so did the rest).
      if (at === 0) at = performance.now() + this.#ms; // One clock read per turn.
      entry.deadlineAt = at;
      this.#entries.add(entry);
    }
    if (done === deferred.length) deferred.length = 0;
    else if (done > 0) deferred.splice(0, done);
    if (at !== 0 && this.#timer === undefined) this.#arm(at - performance.now());
    if (deferred.length > 0) queueMicrotask(this.#turn);
    else this.#turning = false;
  };

  #arm(delay: number): void {
    // One timer at most (an expiry's listeners may have started a deadline meanwhile); and never
    // past what runtimes can time (longer delays fire at once): the remainder is re-armed on firing.
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#fire, Math.min(Math.max(0, delay), MAX_TIMER_MS));
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    for (const entry of this.#entries) {
      if (entry.deadlineAt > now) {
        this.#arm(entry.deadlineAt - now);
        return;
      }
      this.#entries.delete(entry);
      try {
        entry.expire();
      } catch {
        // One failing expiry must not keep the others from theirs.
      }
    }
  };
}

/**
 * The longest delay a timer holds (2^31-1 ms, about 24.8 days): longer ones, `Infinity`
 * included, fire at once on every runtime. Longer waits are made of timers of this length.
 *
 * @example
 * ```ts
 * import { MAX_TIMER_MS } from "./limits.ts";
 * const delay = Math.min(30 * 24 * 3_600_000, MAX_TIMER_MS); // fires early, then re-arms
 * ```
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const deadlineQueues = new Map<number, DeadlineQueue>();

function queueFor(ms: number): DeadlineQueue {
  let queue = deadlineQueues.get(ms);
  if (queue === undefined) deadlineQueues.set(ms, queue = new DeadlineQueue(ms));
  return queue;
}
