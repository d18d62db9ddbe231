/**
 * Test helper: counts live timers created while tracking is on, by wrapping the global timer
 * functions. A timeout that fired or was cleared, and an interval that was cleared, is gone.
 */
type Id = ReturnType<typeof setTimeout>;

export interface TimerTracker {
  /** Timers created since `trackTimers()` that are still live. */
  live(): number;
  /** Where each live timer was created, as `originOf` named it (for failure messages). */
  origins(): string[];
  /** Restores the original timer functions. */
  restore(): void;
}

/**
 * Starts counting live timers. `originOf` runs inside the wrapped `setTimeout`/`setInterval`
 * (so the timer's creator is two frames up its stack) and names where the timer comes from;
 * a timer it names "" is not counted.
 */
export function trackTimers(originOf: () => string = () => "timer"): TimerTracker {
  const g = globalThis as Record<string, any>;
  const original = {
    setTimeout: g.setTimeout,
    setInterval: g.setInterval,
    clearTimeout: g.clearTimeout,
    clearInterval: g.clearInterval,
  };
  const live = new Map<unknown, string>();
  const key = (id: unknown) => (typeof id === "object" && id !== null && Symbol.toPrimitive in id ? Number(id) : id);
  g.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const id: Id = original.setTimeout((...a: unknown[]) => {
      live.delete(key(id));
      fn(...a);
    }, ms, ...args);
    const origin = originOf();
    if (origin !== "") live.set(key(id), origin);
    return id;
  };
  g.setInterval = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const id = original.setInterval(fn, ms, ...args);
    const origin = originOf();
    if (origin !== "") live.set(key(id), origin);
    return id;
  };
  g.clearTimeout = (id: unknown) => {
    live.delete(key(id));
    original.clearTimeout(id);
  };
  g.clearInterval = (id: unknown) => {
    live.delete(key(id));
    original.clearInterval(id);
  };
  return {
    live: () => live.size,
    origins: () => [...live.values()],
    restore: () => Object.assign(g, original),
  };
}

/** Counts unhandled promise rejections while on (Deno and Bun both dispatch the event). */
export function trackUnhandledRejections(): { count(): number; restore(): void } {
  let count = 0;
  const onEvent = (event: Event) => {
    count++;
    event.preventDefault();
  };
  globalThis.addEventListener("unhandledrejection", onEvent);
  return {
    count: () => count,
    restore: () => globalThis.removeEventListener("unhandledrejection", onEvent),
  };
}
