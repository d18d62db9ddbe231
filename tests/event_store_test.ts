import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryEventStore } from "../mod.ts";

const msg = (id: number) => ({ jsonrpc: "2.0" as const, id, result: {} });

describe("MemoryEventStore", () => {
  test("ids are unique per session and name their stream; replay returns only that stream, after the id", () => {
    const store = new MemoryEventStore();
    const a1 = store.append("s", "p1", null);
    const b1 = store.append("s", "g", msg(1));
    const a2 = store.append("s", "p1", msg(2));
    const a3 = store.append("s", "p1", msg(3));
    assert.equal(new Set([a1, b1, a2, a3]).size, 4);
    assert.ok(a1.startsWith("p1") && b1.startsWith("g"));
    assert.deepEqual(store.replayAfter("s", a1), { streamId: "p1", events: [{ id: a2, message: msg(2) }, { id: a3, message: msg(3) }] });
    assert.deepEqual(store.replayAfter("s", a3), { streamId: "p1", events: [] });
    assert.deepEqual(store.replayAfter("s", b1), { streamId: "g", events: [] });
  });

  test("unknown ids, other sessions' ids and evicted ids replay nothing (undefined)", () => {
    const store = new MemoryEventStore({ maxEventsPerSession: 2 });
    const first = store.append("s", "p1", msg(1));
    store.append("s", "p1", msg(2));
    const third = store.append("s", "p1", msg(3));
    assert.equal(store.eventCount("s"), 2, "bounded");
    assert.equal(store.replayAfter("s", first), undefined, "evicted");
    assert.equal(store.replayAfter("other", third), undefined, "another session's id");
    assert.equal(store.replayAfter("s", "nonsense"), undefined);
    assert.equal(store.replayAfter("s", "p1_999"), undefined);
  });

  test("a full session keeps exactly its newest events through many evictions: older ids replay nothing, kept ids replay what followed", () => {
    const store = new MemoryEventStore({ maxEventsPerSession: 3 });
    const ids: string[] = [];
    for (let n = 1; n <= 11; n++) ids.push(store.append("s", n % 2 === 0 ? "g" : "p1", msg(n)));
    assert.equal(store.eventCount("s"), 3, "bounded after evicting past several multiples of the limit");
    for (const evicted of ids.slice(0, 8)) assert.equal(store.replayAfter("s", evicted), undefined, `${evicted} is evicted`);
    // Kept: 9 (p1), 10 (g), 11 (p1).
    assert.deepEqual(store.replayAfter("s", ids[8]), { streamId: "p1", events: [{ id: ids[10], message: msg(11) }] });
    assert.deepEqual(store.replayAfter("s", ids[9]), { streamId: "g", events: [] });
    assert.deepEqual(store.replayAfter("s", ids[10]), { streamId: "p1", events: [] });
  });

  test("an event stored with its JSON text replays as that text parsed: the message as sent", () => {
    const store = new MemoryEventStore();
    const priming = store.append("s", "p1", null);
    const sent = { jsonrpc: "2.0" as const, id: 7, result: { content: [{ type: "text", text: "é \u2028 \"q\"" }] } };
    const id = store.append("s", "p1", sent, JSON.stringify(sent));
    sent.result.content[0].text = "changed after sending";
    assert.deepEqual(store.replayAfter("s", priming), {
      streamId: "p1",
      events: [{ id, message: { jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "é \u2028 \"q\"" }] } } }],
    });
  });

  test("an id whose number belongs to another stream, or to no event, replays nothing", () => {
    const store = new MemoryEventStore({ maxEventsPerSession: 4 });
    const p = store.append("s", "p1", msg(1)); // p1_1
    store.append("s", "g", msg(2)); // g_2
    assert.equal(p, "p1_1");
    assert.equal(store.replayAfter("s", "g_1"), undefined, "event 1 is on p1, not g");
    assert.equal(store.replayAfter("s", "p1_2"), undefined, "event 2 is on g");
    assert.equal(store.replayAfter("s", "p1_0"), undefined);
    assert.equal(store.replayAfter("s", "p1_3"), undefined, "not yet sent");
    assert.equal(store.replayAfter("s", "p1_99999999999999999999"), undefined);
    assert.deepEqual(store.replayAfter("s", "g_2"), { streamId: "g", events: [] });
  });

  test("dropSession forgets everything of that session only", () => {
    const store = new MemoryEventStore();
    store.append("s", "p1", msg(1));
    const kept = store.append("t", "p1", null);
    store.append("t", "p1", msg(2));
    store.dropSession("s");
    assert.equal(store.sessionCount, 1);
    assert.equal(store.eventCount("s"), 0);
    assert.equal(store.replayAfter("t", kept)?.events.length, 1);
  });

  test("dropSession of sessions that stored nothing, on an empty store and on one holding others, changes nothing", () => {
    const store = new MemoryEventStore();
    store.dropSession("nothing-stored");
    assert.equal(store.sessionCount, 0);
    const first = store.append("t", "p1", null);
    store.append("t", "p1", msg(1));
    store.dropSession("nothing-stored");
    assert.equal(store.sessionCount, 1);
    assert.equal(store.replayAfter("t", first)?.events.length, 1);
    store.dropSession("t");
    assert.equal(store.sessionCount, 0);
    assert.equal(store.replayAfter("t", first), undefined);
  });
});
