/**
 * The idle queue: many owners with the same idle timeout behind one timer, expiring in the
 * order they were last active and never before their time; and the registry's sessions
 * sharing it.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { IdleLink, IdleQueue } from "../src/idle_queue.ts";
import { SessionRegistry } from "../src/registry.ts";
import { McpServer } from "../src/server.ts";
import { trackTimers } from "./_timers.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` holds, polling. */
async function waitFor(done: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe("IdleQueue", () => {
  test("owners expire in the order they were last active, none before its idle time", async () => {
    const expired: Array<{ name: string; idleFor: number }> = [];
    const links = new Map<string, IdleLink<string>>();
    const queue = new IdleQueue<string>(60, (name) => expired.push({ name, idleFor: Date.now() - links.get(name)!.lastActive }));
    for (const name of ["a", "b", "c"]) {
      links.set(name, new IdleLink(name));
      queue.touch(links.get(name)!);
    }
    await sleep(30);
    queue.touch(links.get("a")!); // active again: now the last to expire
    await waitFor(() => expired.length === 3, 2000, "all three to expire");
    assert.deepEqual(expired.map((e) => e.name), ["b", "c", "a"]);
    for (const e of expired) assert.ok(e.idleFor >= 60, `${e.name} expired after ${e.idleFor} ms idle`);
    assert.equal(queue.size, 0);
    assert.equal(queue.timerArmed, false);
  });

  test("a thousand owners share one timer; an empty queue holds none", () => {
    const timers = trackTimers();
    try {
      const queue = new IdleQueue<number>(60_000, () => assert.fail("nothing expires"));
      const links = Array.from({ length: 1000 }, (_, i) => new IdleLink(i));
      for (const link of links) queue.touch(link);
      for (const link of links.slice(0, 500)) queue.touch(link); // moves, no new timer
      assert.equal(queue.size, 1000);
      assert.equal(timers.live(), 1);
      for (const link of links) queue.remove(link);
      queue.remove(links[0]); // idempotent
      assert.equal(queue.size, 0);
      assert.equal(timers.live(), 0, timers.origins().join(" | "));
    } finally {
      timers.restore();
    }
  });

  test("with its first owner removed, the timer fires early and waits for the next one's time", async () => {
    const expired: string[] = [];
    const queue = new IdleQueue<string>(80, (name) => expired.push(name));
    const first = new IdleLink("first");
    const second = new IdleLink("second");
    queue.touch(first);
    await sleep(40);
    queue.touch(second);
    queue.remove(first);
    await sleep(60); // past the first's time, before the second's
    assert.deepEqual(expired, []);
    assert.equal(queue.timerArmed, true);
    await waitFor(() => expired.length === 1, 2000, "the second to expire");
    assert.ok(Date.now() - second.lastActive >= 80);
    assert.equal(queue.timerArmed, false);
  });

  test("an expiry that throws does not keep the others from theirs", async () => {
    const expired: string[] = [];
    const queue = new IdleQueue<string>(20, (name) => {
      expired.push(name);
      if (name === "a") throw new Error("a fails");
    });
    for (const name of ["a", "b"]) queue.touch(new IdleLink(name));
    await waitFor(() => expired.length === 2, 2000, "both to expire");
    assert.deepEqual(expired, ["a", "b"]);
  });

  test("an owner that enters again during its expiry waits its full time (no loop, one timer)", async () => {
    const timers = trackTimers();
    let expiries = 0;
    const link = new IdleLink("again");
    const queue = new IdleQueue<string>(30, () => {
      if (++expiries === 1) queue.touch(link);
    });
    try {
      queue.touch(link);
      await waitFor(() => expiries === 1, 2000, "the first expiry");
      assert.equal(queue.size, 1);
      assert.equal(timers.live(), 1);
      await waitFor(() => expiries === 2, 2000, "the second expiry");
      assert.equal(queue.size, 0);
      assert.equal(timers.live(), 0);
    } finally {
      timers.restore();
    }
  });

  test("after expiries that took a while, the next owner's timer counts from when they were over, not from when they began", () => {
    // A fake clock and timer: the expiry of "a" (a session's close and its listeners) takes 80 ms.
    let clock = 1_000;
    const armed: Array<{ fire: () => void; ms: number }> = [];
    const g = globalThis as Record<string, any>;
    const original = { now: Date.now, setTimeout: g.setTimeout };
    Date.now = () => clock;
    g.setTimeout = (fire: () => void, ms: number) => (armed.push({ fire, ms }), armed.length);
    try {
      const expired: string[] = [];
      const queue = new IdleQueue<string>(100, (name) => {
        expired.push(name);
        if (name === "a") clock += 80;
      });
      queue.touch(new IdleLink("a")); // due at 1100
      clock = 1_050;
      queue.touch(new IdleLink("b")); // due at 1150
      assert.deepEqual(armed.map((t) => t.ms), [100]);
      clock = 1_100;
      armed[0].fire(); // "a" expires, and its expiry runs until 1180: "b" is overdue by then
      assert.deepEqual(expired, ["a"]);
      assert.equal(armed.length, 2);
      assert.equal(armed[1].ms, 1, `"b" was due at 1150, the timer was armed at 1180 for ${armed[1].ms} ms`);
      clock += armed[1].ms;
      armed[1].fire();
      assert.deepEqual(expired, ["a", "b"]);
    } finally {
      Date.now = original.now;
      g.setTimeout = original.setTimeout;
    }
  });

  test("refuses an idle timeout that is not finite and positive", () => {
    for (const ms of [0, -1, Infinity, NaN]) assert.throws(() => new IdleQueue(ms, () => {}), RangeError);
  });
});

describe("a registry's idle sessions", () => {
  const server = new McpServer({ name: "idle", version: "1" });

  test("share one timer across the registry and its principals' views; a session active since outlives older idle ones", async () => {
    const timers = trackTimers();
    const registry = new SessionRegistry(server, { idleTimeoutMs: 80 });
    try {
      const older = Array.from({ length: 5 }, () => registry.create("streamable"));
      const viewed = registry.forPrincipal("alice").create("streamable");
      const active = registry.create("streamable");
      assert.equal(timers.live(), 1, timers.origins().join(" | "));
      await sleep(50);
      active.touch();
      await waitFor(() => registry.size === 1, 2000, "the idle ones to close");
      assert.equal(registry.get(active.id), active);
      for (const session of [...older, viewed]) assert.equal(session.closeReason, "idle");
      await waitFor(() => active.closed, 2000, "the active one to close after its own idle time");
      assert.equal(active.closeReason, "idle");
      assert.equal(timers.live(), 0, timers.origins().join(" | "));
    } finally {
      for (const session of registry.values()) session.close();
      timers.restore();
    }
  });

  test("an idle close whose listeners close the next idle session and create another leaves every session to its own end, and no timer", async () => {
    const timers = trackTimers();
    const registry = new SessionRegistry(server, { idleTimeoutMs: 100 });
    try {
      const [first, second, third] = Array.from({ length: 3 }, () => registry.create("streamable"));
      let made: ReturnType<typeof registry.create> | undefined;
      first.own(() => second.close("deleted"));
      first.own(() => (made = registry.create("streamable")));
      await waitFor(() => first.closed && third.closed, 2000, "the first and third to idle out");
      assert.equal(first.closeReason, "idle");
      assert.equal(second.closeReason, "deleted");
      assert.equal(third.closeReason, "idle");
      assert.ok(made !== undefined && !made.closed, "made during the expiry: its idle time starts then");
      assert.equal(timers.live(), 1, timers.origins().join(" | "));
      await waitFor(() => made!.closed, 2000, "the one made during the expiry to idle out");
      assert.equal(made!.closeReason, "idle");
      assert.equal(registry.size, 0);
      assert.equal(timers.live(), 0, timers.origins().join(" | "));
    } finally {
      for (const session of registry.values()) session.close();
      timers.restore();
    }
  });

  test("a session busy when its time comes leaves the queue, and enters again when released", async () => {
    const registry = new SessionRegistry(server, { idleTimeoutMs: 30 });
    const session = registry.create("streamable");
    const release = session.hold();
    try {
      await sleep(80);
      assert.equal(session.closed, false, "busy: not idle");
      const releasedAt = Date.now();
      release();
      await waitFor(() => session.closed, 2000, "the idle timeout after the release");
      assert.ok(Date.now() - releasedAt >= 30);
      assert.equal(session.closeReason, "idle");
    } finally {
      session.close();
    }
  });
});
