/**
 * Test helper: counts live timers (setTimeout/setInterval not yet fired or cleared) created
 * while installed, so tests can assert that closing a session leaves none behind.
 */
type AnyFn = (...args: any[]) => any;

export interface TimerWatch {
  /** Timers created since install that are still pending. */
  readonly live: number;
  /** Restores the real timer functions. */
  uninstall(): void;
}

/** Wraps the global timer functions to track pending timers. */
export function watchTimers(): TimerWatch {
  const g = globalThis as unknown as Record<string, AnyFn>;
  const real = { setTimeout: g.setTimeout, setInterval: g.setInterval, clearTimeout: g.clearTimeout, clearInterval: g.clearInterval };
  const live = new Set<unknown>();
  g.setTimeout = (fn: AnyFn, ms?: number, ...args: unknown[]) => {
    const handle = real.setTimeout((...a: unknown[]) => {
      live.delete(key(handle));
      fn(...a);
    }, ms, ...args);
    live.add(key(handle));
    return handle;
  };
  g.setInterval = (fn: AnyFn, ms?: number, ...args: unknown[]) => {
    const handle = real.setInterval(fn, ms, ...args);
    live.add(key(handle));
    return handle;
  };
  g.clearTimeout = (handle: unknown) => {
    live.delete(key(handle));
    return real.clearTimeout(handle);
  };
  g.clearInterval = (handle: unknown) => {
    live.delete(key(handle));
    return real.clearInterval(handle);
  };
  return {
    get live() {
      return live.size;
    },
    uninstall() {
      Object.assign(g, real);
    },
  };
}

// Bun's handles are objects (Timer), Deno's numbers; either works as a Set key, but Bun's may
// be converted with Number() by some callers, so normalise through the primitive value.
function key(handle: unknown): unknown {
  if (typeof handle === "object" && handle !== null && Symbol.toPrimitive in handle) return Number(handle);
  return handle;
}

/** Waits a macrotask turn (lets cancel/abort callbacks run). */
export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
