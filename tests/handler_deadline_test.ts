import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { startDeadline } from "../src/security/limits.ts";
import { trackTimers } from "./_timers.ts";

describe("handler deadlines (one shared timer per length)", () => {
  test("concurrent deadlines of one length each expire, and clearing one leaves the others running", async () => {
    const first = new AbortController();
    const second = new AbortController();
    const third = new AbortController();
    const a = startDeadline(20, first);
    const b = startDeadline(20, second);
    const c = startDeadline(20, third);
    a.clear();
    a.clear(); // idempotent
    await Promise.all([b.expired, c.expired]);
    assert.equal(first.signal.aborted, false);
    assert.equal(a.fired, false);
    assert.equal(second.signal.aborted, true);
    assert.equal(third.signal.aborted, true);
    assert.equal(b.fired, true);
    assert.equal(c.fired, true);
    assert.match(String(second.signal.reason), /timed out after 20 ms/);
  });

  test("a deadline started after an earlier one was cleared still expires", async () => {
    const early = startDeadline(15, new AbortController());
    const controller = new AbortController();
    const late = startDeadline(15, controller);
    early.clear();
    await late.expired;
    assert.equal(controller.signal.aborted, true);
  });

  test("no timer is left once every running deadline is cleared or expired", async () => {
    const timers = trackTimers();
    try {
      const cleared = [startDeadline(60_000, new AbortController()), startDeadline(60_000, new AbortController())];
      const expiring = startDeadline(10, new AbortController());
      assert.ok(timers.live() >= 1);
      for (const deadline of cleared) deadline.clear();
      await expiring.expired;
      assert.equal(timers.live(), 0, timers.origins().join("\n"));
    } finally {
      timers.restore();
    }
  });

  test("no deadline for 0, negative or infinite lengths: nothing is timed", () => {
    const timers = trackTimers();
    try {
      for (const ms of [0, -1, Infinity, NaN]) {
        const controller = new AbortController();
        const deadline = startDeadline(ms, controller);
        deadline.clear();
        assert.equal(deadline.fired, false);
      }
      assert.equal(timers.live(), 0);
    } finally {
      timers.restore();
    }
  });
});
