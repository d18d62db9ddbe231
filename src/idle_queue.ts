/**
 * Idle timeouts of many owners (sessions) with the same length, behind one timer.
 *
 * A timer per session cost every session setup a `setTimeout` and every teardown a
 * `clearTimeout` (on Deno, about 8% of a setup-and-teardown server's busy time). Here the
 * owners wait in one list in the order they were last active, which is also the order they
 * expire in (all wait the same length), and one timer is armed for the first. Being active
 * moves an owner to the end of the list: a few pointer writes, no timer. An empty queue holds
 * no timer.
 *
 * The timer is armed by whatever request filled the queue. Runtimes that tie timers to the
 * request that set them (Cloudflare's workerd) keep no sessions between requests anyway.
 *
 * @module
 */
import { MAX_TIMER_MS } from "./security/limits.ts";

/**
 * One owner's place in an {@link IdleQueue}: made once per owner, moved on every activity.
 *
 * @example
 * ```ts
 * import { IdleLink } from "./idle_queue.ts";
 * const link = new IdleLink({ name: "a session" });
 * link.queued; // false until the owner enters a queue
 * ```
 */
export class IdleLink<T> {
  /** Whose place this is. */
  readonly owner: T;
  /** When the owner was last active (`Date.now()`); its idle time runs from here. */
  lastActive = 0;
  /** True while the link is in a queue's list. */
  queued = false;
  /** The link active before this one (nearer the head), while queued. */
  prev: IdleLink<T> | undefined = undefined;
  /** The link active after this one (nearer the tail), while queued. */
  next: IdleLink<T> | undefined = undefined;

  constructor(owner: T) {
    this.owner = owner;
  }
}

/**
 * Owners waiting out the same idle timeout, earliest first, behind one timer. When an owner's
 * time is up it leaves the queue and `expired(owner)` is called; the owner decides what that
 * means (a busy session waits for its release to enter again).
 *
 * @example
 * ```ts
 * import { IdleLink, IdleQueue } from "./idle_queue.ts";
 * const queue = new IdleQueue<string>(60_000, (owner) => console.log(owner, "was idle"));
 * const link = new IdleLink("session a");
 * queue.touch(link); // enters, or moves to the end: idle from now
 * queue.size; // 1
 * queue.remove(link); // the last one out clears the timer
 * queue.size; // 0
 * ```
 */
export class IdleQueue<T> {
  /** How long an owner may be idle, in milliseconds (finite and positive). */
  readonly ms: number;
  readonly #expired: (owner: T) => void;
  #head: IdleLink<T> | undefined = undefined;
  #tail: IdleLink<T> | undefined = undefined;
  #size = 0;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** True while expiries run: the timer is armed once they are over, for the head left. */
  #firing = false;

  constructor(ms: number, expired: (owner: T) => void) {
    if (!(ms > 0 && Number.isFinite(ms))) throw new RangeError(`An idle timeout must be finite and positive, not ${ms}`);
    this.ms = ms;
    this.#expired = expired;
  }

  /** Number of owners waiting. */
  get size(): number {
    return this.#size;
  }

  /** True while the queue's timer is armed (never while the queue is empty). */
  get timerArmed(): boolean {
    return this.#timer !== undefined;
  }

  /** The owner was active now: it enters the queue, or moves to its end. */
  touch(link: IdleLink<T>): void {
    link.lastActive = Date.now();
    if (link.queued) {
      if (link === this.#tail) return;
      this.#unlink(link);
    }
    this.#append(link);
    // A timer already armed fires no later than the head's time: this link's comes after it.
    if (this.#timer === undefined && !this.#firing) this.#arm(this.ms);
  }

  /** The owner leaves the queue (it is busy for a while, or gone). Idempotent. */
  remove(link: IdleLink<T>): void {
    if (!link.queued) return;
    this.#unlink(link);
    // A timer left armed for a removed head fires early and re-arms; only an empty queue drops it.
    if (this.#size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #append(link: IdleLink<T>): void {
    link.queued = true;
    link.prev = this.#tail;
    link.next = undefined;
    if (this.#tail === undefined) this.#head = link;
    else this.#tail.next = link;
    this.#tail = link;
    this.#size++;
  }

  #unlink(link: IdleLink<T>): void {
    const { prev, next } = link;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    link.prev = link.next = undefined;
    link.queued = false;
    this.#size--;
  }

  #arm(delay: number): void {
    // Never past what runtimes can time (longer delays fire at once): firing early re-arms.
    this.#timer = setTimeout(this.#fire, Math.min(Math.max(1, delay), MAX_TIMER_MS));
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = Date.now();
    this.#firing = true;
    try {
      // At most the owners there now: one that an expiry touches again waits its full time.
      for (let count = this.#size, head = this.#head; count > 0 && head !== undefined; count--, head = this.#head) {
        if (head.lastActive + this.ms > now) break;
        this.#unlink(head);
        try {
          this.#expired(head.owner);
        } catch {
          // One failing expiry must not keep the others from theirs.
        }
      }
    } finally {
      this.#firing = false;
    }
    // Counted from now, not from when the expiries began: closes and their listeners take time.
    if (this.#head !== undefined) this.#arm(this.#head.lastActive + this.ms - Date.now());
  };
}
