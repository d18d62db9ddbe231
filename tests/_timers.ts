/**
 * Test helper: counts live timers created while tracking is on, by wrapping the global timer
 * functions. A timeout that fired or was cleared, and an interval that was cleared, is gone.
 * Every timer counts, whoever set it (Tether, the test, or a library in node_modules): no test
 * leaves a client running after it ends (each closes its clients in `finally`), so a timer still
 * live at the check is a leak of the code under test, never noise from an earlier test file.
 */
type Fn = (...args: unknown[]) => void;

export interface TimerTracker {
  /** Timers created since `trackTimers()` that are still live. */
  live(): number;
  /** Where each live timer was set (the caller's stack frame), for the failure message. */
  origins(): string[];
  /** Restores the original timer functions. */
  restore(): void;
}

/** The stack frame that called setTimeout/setInterval, read only when a check fails. */
function callerOf(site: Error): string {
  // Frames: [0] "Error", [1] the wrapper below, [2] whoever set the timer.
  return (site.stack ?? "").split("\n")[2]?.trim() ?? "(unknown)";
}

/** Starts counting live timers. */
export function trackTimers(): TimerTracker {
  const g = globalThis as Record<string, any>;
  const original = {
    setTimeout: g.setTimeout,
    setInterval: g.setInterval,
    clearTimeout: g.clearTimeout,
    clearInterval: g.clearInterval,
  };
  // The Error is made at the call, its stack string only formatted if origins() is read.
  const live = new Map<unknown, Error>();
  const key = (id: unknown) => (typeof id === "object" && id !== null && Symbol.toPrimitive in id ? Number(id) : id);
  g.setTimeout = function setTimeout(fn: Fn, ms?: number, ...args: unknown[]) {
    const id = original.setTimeout((...a: unknown[]) => {
      live.delete(key(id));
      fn(...a);
    }, ms, ...args);
    live.set(key(id), new Error());
    return id;
  };
  g.setInterval = function setInterval(fn: Fn, ms?: number, ...args: unknown[]) {
    const id = original.setInterval(fn, ms, ...args);
    live.set(key(id), new Error());
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
    origins: () => [...live.values()].map(callerOf),
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
