// The session registry's lookup by id: sessions are found by their whole id, also when two live
// ids begin with the same hex digits (the registry keys them by their first digits).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { McpServer } from "../mod.ts";
import { newSessionId, SESSION_ID_PATTERN, SessionRegistry } from "../src/registry.ts";
import { trackTimers } from "./_timers.ts";

const server = () => new McpServer({ name: "registry-test", version: "1.0.0" });

/** Runs `make` with crypto.getRandomValues writing `prefix` over the first bytes it fills. */
function withIdPrefix<T>(prefix: number[], make: () => T): T {
  const original = crypto.getRandomValues;
  crypto.getRandomValues = function <A extends ArrayBufferView | null>(array: A): A {
    const filled = original.call(crypto, array as never) as A;
    const bytes = filled as unknown as Uint8Array;
    for (let i = 0; i < prefix.length; i++) bytes[i] = prefix[i];
    return filled;
  } as typeof crypto.getRandomValues;
  try {
    return make();
  } finally {
    crypto.getRandomValues = original;
  }
}

describe("SessionRegistry lookup by id", () => {
  test("sessions whose ids share their first 8 hex digits are each found by their own id and removed alone", () => {
    const registry = new SessionRegistry(server(), { idleTimeoutMs: 0 });
    const sessions = withIdPrefix([0xab, 0xcd, 0xef, 0x01], () => [registry.create("streamable"), registry.create("streamable"), registry.create("sse")]);
    assert.equal(new Set(sessions.map((s) => s.id.slice(0, 8))).size, 1, "the stub made the ids share a prefix");
    assert.equal(new Set(sessions.map((s) => s.id)).size, 3);
    for (const s of sessions) assert.match(s.id, SESSION_ID_PATTERN);
    assert.equal(registry.size, 3);
    for (const s of sessions) assert.equal(registry.get(s.id), s);
    assert.deepEqual(new Set(registry.ids()), new Set(sessions.map((s) => s.id)));
    assert.deepEqual(new Set(registry.values()), new Set(sessions));
    // Same prefix, different id: unknown.
    const stranger = sessions[0].id.slice(0, 31) + (sessions[0].id[31] === "0" ? "1" : "0");
    if (!sessions.some((s) => s.id === stranger)) assert.equal(registry.get(stranger), undefined);

    sessions[0].close("deleted");
    assert.equal(registry.get(sessions[0].id), undefined, "a closed session's id answers nothing");
    assert.equal(registry.get(sessions[1].id), sessions[1]);
    assert.equal(registry.get(sessions[2].id), sessions[2]);
    assert.equal(registry.size, 2);
    sessions[2].close("deleted");
    assert.equal(registry.get(sessions[1].id), sessions[1]);
    assert.equal(registry.get(sessions[2].id), undefined);
    // A new session with the same prefix again, while one is live.
    const later = withIdPrefix([0xab, 0xcd, 0xef, 0x01], () => registry.create("streamable"));
    assert.equal(registry.get(later.id), later);
    assert.equal(registry.size, 2);
    registry.closeAll("shutdown");
    assert.equal(registry.size, 0);
    assert.deepEqual(registry.ids(), []);
    for (const s of [...sessions, later]) assert.equal(registry.get(s.id), undefined);
  });

  test("ids that are not session ids find nothing: empty, short, long, non-hex, an id's prefix or extension", () => {
    const registry = new SessionRegistry(server(), { idleTimeoutMs: 0 });
    const session = registry.create("streamable");
    const id = session.id;
    for (const probe of ["", "a", id.slice(0, 7), id.slice(0, 31), id + "0", id.toUpperCase(), " " + id, "\u{1F600}".repeat(16), "zzzzzzz" + id.slice(7), id.slice(0, 7) + "g".repeat(25)]) {
      if (probe === id) continue;
      assert.equal(registry.get(probe), undefined, JSON.stringify(probe));
    }
    assert.equal(registry.get(id), session);
    session.close("deleted");
    assert.equal(registry.get(id), undefined);
  });

  test("many sessions: each is found by its id, and none after it closed", () => {
    const registry = new SessionRegistry(server(), { idleTimeoutMs: 0 });
    const sessions = Array.from({ length: 2000 }, () => registry.create("streamable"));
    for (const s of sessions) assert.equal(registry.get(s.id), s);
    assert.equal(registry.size, 2000);
    for (let i = 0; i < sessions.length; i += 2) sessions[i].close("deleted");
    for (let i = 0; i < sessions.length; i++) assert.equal(registry.get(sessions[i].id), i % 2 ? sessions[i] : undefined);
    assert.equal(registry.size, 1000);
    registry.closeAll();
    assert.equal(registry.size, 0);
  });

  test("newSessionId makes 32 lowercase hex digits, different each time", () => {
    const ids = new Set(Array.from({ length: 1000 }, newSessionId));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, SESSION_ID_PATTERN);
  });
});

describe("a session whose message handler cannot be made", () => {
  test("create throws the factory's error and leaves nothing behind: no session, no idle timer, no close owed later", async () => {
    const timers = trackTimers();
    const closed: string[] = [];
    const registry = new SessionRegistry(server(), {
      idleTimeoutMs: 60_000,
      messageHandler: (session) => {
        session.own(() => closed.push(session.id));
        throw new Error("no handler for this session");
      },
    });
    try {
      assert.throws(() => registry.create("streamable"), /no handler for this session/);
      assert.equal(registry.size, 0);
      assert.equal(closed.length, 1, "what the half-made session owned was released");
      assert.equal(timers.live(), 0, `the half-made session still waits in the idle queue: ${timers.origins().join(" | ")}`);
    } finally {
      registry.closeAll();
      timers.restore();
    }
  });
});
