import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { addDeadline, removeDeadline, startDeadline } from "../src/security/limits.ts";
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
      // Timed once their burst of microtasks is over (see the tests below).
      await new Promise((resolve) => setTimeout(resolve, 0));
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

  test("a deadline removed within its burst of microtasks never starts a timer", async () => {
    const timers = trackTimers();
    try {
      let expired = 0;
      const entry = { deadlineAt: 0, expire: () => expired++ };
      addDeadline(30, entry);
      for (let i = 0; i < 3; i++) await Promise.resolve();
      assert.equal(timers.live(), 0, "not timed yet: the handler may still answer at once");
      removeDeadline(30, entry);
      removeDeadline(30, entry); // idempotent
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(expired, 0);
      assert.equal(timers.live(), 0);
    } finally {
      timers.restore();
    }
  });

  test("a deadline still running after its burst is timed, expires once, and leaves no timer", async () => {
    const timers = trackTimers();
    try {
      let expired = 0;
      let done!: () => void;
      const fired = new Promise<void>((resolve) => (done = resolve));
      const entry = { deadlineAt: 0, expire: () => (expired++, done()) };
      const quick = { deadlineAt: 0, expire: () => assert.fail("removed before its deadline") };
      addDeadline(20, entry);
      addDeadline(20, quick);
      await new Promise((resolve) => setTimeout(resolve, 0));
      removeDeadline(20, quick);
      await fired;
      assert.equal(expired, 1);
      removeDeadline(20, entry); // after expiry: a no-op
      assert.equal(timers.live(), 0, timers.origins().join("\n"));
    } finally {
      timers.restore();
    }
  });
});
