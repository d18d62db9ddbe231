/**
 * Test helper: counts live timers that Tether (or the test's own tools) created while tracking
 * is on. Timers set directly by a library in node_modules are not counted: other test files
 * in the same process may leave client libraries running (an EventSource reconnecting every
 * 3 s), and those are not the server's leaks.
 */
type Fn = (...args: unknown[]) => void;

export interface OwnTimerTracker {
  /** Timers created since tracking began, by code outside node_modules, still live. */
  live(): number;
  /** Where each live timer was created (for the failure message). */
  origins(): string[];
  /** Restores the original timer functions. */
  restore(): void;
}

/** The frame that called setTimeout/setInterval, or "" when it is in node_modules. */
function ownCaller(): string {
  const frames = (new Error().stack ?? "").split("\n").slice(1).map((line) => line.trim());
  // frames[0] is ownCaller, frames[1] the wrapper below, frames[2] whoever set the timer.
  const caller = frames[2] ?? "";
  return caller.includes("/node_modules/") ? "" : caller;
}

/** Starts counting live timers created by Tether or the test's own code. */
export function trackOwnTimers(): OwnTimerTracker {
  const g = globalThis as Record<string, any>;
  const original = { setTimeout: g.setTimeout, setInterval: g.setInterval, clearTimeout: g.clearTimeout, clearInterval: g.clearInterval };
  const live = new Map<unknown, string>();
  const key = (id: unknown) => (typeof id === "object" && id !== null && Symbol.toPrimitive in id ? Number(id) : id);
  g.setTimeout = (fn: Fn, ms?: number, ...args: unknown[]) => {
    const id = original.setTimeout((...a: unknown[]) => {
      live.delete(key(id));
      fn(...a);
    }, ms, ...args);
    const caller = ownCaller();
    if (caller !== "") live.set(key(id), caller);
    return id;
  };
  g.setInterval = (fn: Fn, ms?: number, ...args: unknown[]) => {
    const id = original.setInterval(fn, ms, ...args);
    const caller = ownCaller();
    if (caller !== "") live.set(key(id), caller);
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
