/**
 * Soak: thousands of sessions opened and dropped at random points, in-process (the same
 * cancel/abort paths a socket takes), with POSTs racing the drops. Asserts the counts (0 live
 * sessions, 0 pending timers, 0 pending handlers, 0 unhandled errors, no bad status) and prints
 * the figures, memory included.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { createHandler } from "../mod.ts";
import { type ChurnStats, churnLegacySession, churnServer, churnStreamableSession, prng, type Tally } from "./_churn.ts";
import { buildServesMcp } from "./_mcp_inproc.ts";
import { watchUnhandled } from "./_hostile.ts";
import { trackTimers } from "./_timers.ts";

const tick = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms));
import { waitFor } from "./_serve.ts";

const SESSIONS = Number(process.env.TETHER_SOAK_SESSIONS ?? 10_000);
const WAVE = 50;
/** Bun stops a node:test test after 5 s unless told otherwise. */
const LONG = { timeout: 300_000 };

function collectGarbage(): boolean {
  const g = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  if (g.Bun) g.Bun.gc(true);
  else if (typeof g.gc === "function") g.gc();
  else return false;
  return true;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const MCP_SERVED = await buildServesMcp();

type Churn = typeof churnLegacySession;

async function soak(kind: string, churn: Churn, options: Parameters<typeof createHandler>[1]) {
  const seed = Number(process.env.TETHER_SOAK_SEED ?? Date.now() % 2 ** 31);
  const random = prng(seed);
  const tally: Tally = { started: 0, settled: 0 };
  const stats: ChurnStats = { sessions: 0, posts: 0, badStatuses: [] };
  const unhandled = watchUnhandled();
  const timers = trackTimers();
  const handler = createHandler(churnServer(tally), options);
  const gc = collectGarbage();
  const baseline = process.memoryUsage();
  let peakHeap = baseline.heapUsed;
  let peakRss = baseline.rss;
  let peakSessions = 0;
  try {
    while (stats.sessions < SESSIONS) {
      const wave = Math.min(WAVE, SESSIONS - stats.sessions);
      await Promise.all(Array.from({ length: wave }, () => churn(handler, random, stats)));
      const now = process.memoryUsage();
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakRss = Math.max(peakRss, now.rss);
      peakSessions = Math.max(peakSessions, handler.sessions.size);
    }
    await waitFor(() => handler.sessions.size === 0, 10_000, "every session to close");
    await waitFor(() => tally.started === tally.settled, 5000, "every handler to settle");
    await tick(5);
    collectGarbage();
    const after = process.memoryUsage();
    const leaks = handler.sessions.size + timers.live() + (tally.started - tally.settled) + unhandled.count;
    console.log(
      `soak ${kind} (seed ${seed}): ${stats.sessions} sessions churned (peak ${peakSessions} live), ${stats.posts} POSTs, ${tally.started} tool calls; ` +
        `leaks found: ${leaks} (sessions ${handler.sessions.size}, timers ${timers.live()}, handlers ${tally.started - tally.settled}, unhandled ${unhandled.count}); ` +
        `bad statuses ${stats.badStatuses.length}; heap ${mib(baseline.heapUsed)} → peak ${mib(peakHeap)} → ${mib(after.heapUsed)}${gc ? " after GC" : " (no GC hook)"}; ` +
        `peak RSS ${mib(peakRss)}`,
    );
    // A benchmark run records the figures: TETHER_SOAK_RECORD=<file> appends one JSON line per soak.
    const record = process.env.TETHER_SOAK_RECORD;
    if (record) {
      const { appendFileSync } = await import("node:fs");
      appendFileSync(record, JSON.stringify({
        kind,
        runtime: (globalThis as { Bun?: unknown }).Bun ? "bun" : "deno",
        seed,
        sessions: stats.sessions,
        posts: stats.posts,
        toolCalls: tally.started,
        leaks,
        badStatuses: stats.badStatuses.length,
        heapBaselineBytes: baseline.heapUsed,
        heapPeakBytes: peakHeap,
        heapAfterBytes: after.heapUsed,
        gc,
        rssPeakBytes: peakRss,
        peakLiveSessions: peakSessions,
      }) + "\n");
    }
    assert.equal(handler.sessions.size, 0, "live sessions");
    assert.equal(timers.live(), 0, `pending timers, set at: ${timers.origins().slice(0, 3).join(" | ")}`);
    assert.equal(tally.started, tally.settled, "pending handlers");
    assert.equal(unhandled.count, 0, `unhandled: ${unhandled.errors.slice(0, 3).map(String).join("; ")}`);
    assert.deepEqual(stats.badStatuses.slice(0, 5), []);
  } finally {
    timers.restore();
    unhandled.stop();
    await handler.close({ graceMs: 0 });
  }
}

test(`soak: ${SESSIONS} legacy sessions opened and dropped at random points leave nothing behind`, LONG, () =>
  soak("legacy HTTP+SSE", churnLegacySession, { keepAliveMs: 1000 }));

if (MCP_SERVED) {
  test(`soak: ${SESSIONS} Streamable HTTP sessions opened, dropped, deleted or abandoned at random points leave nothing behind`, LONG, () =>
    soak("Streamable HTTP", churnStreamableSession, { keepAliveMs: 1000, idleTimeoutMs: 30, requestTimeoutMs: 50 }));
}
