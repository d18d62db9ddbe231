/**
 * Test helper: counts live timers that Tether (or the test's own tools) created while tracking
 * is on. Timers set directly by a library in node_modules are not counted: other test files
 * in the same process may leave client libraries running (an EventSource reconnecting every
 * 3 s), and those are not the server's leaks.
 */
import { type TimerTracker, trackTimers } from "./_timers.ts";

/** A {@link TimerTracker} that counts only timers created outside node_modules. */
export type OwnTimerTracker = TimerTracker;

/** The frame that called setTimeout/setInterval, or "" when it is in node_modules. */
function ownCaller(): string {
  const frames = (new Error().stack ?? "").split("\n").slice(1).map((line) => line.trim());
  // frames[0] is ownCaller, frames[1] the wrapper in trackTimers, frames[2] whoever set the timer.
  const caller = frames[2] ?? "";
  return caller.includes("/node_modules/") ? "" : caller;
}

/** Starts counting live timers created by Tether or the test's own code. */
export function trackOwnTimers(): OwnTimerTracker {
  return trackTimers(ownCaller);
}
