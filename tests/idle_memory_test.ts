/**
 * What an idle session and an idle SSE stream cost: the buffer bound holds without a large
 * queue high-water mark, keep-alive timers end with their streams, and an idle session with an
 * open stream is out of the shared idle timer's queue. In-process (handler.fetch), no sockets.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHandler, McpServer } from "../mod.ts";
import { SessionRegistry } from "../src/registry.ts";
import { encodeEvent, type SseCloseReason, SseStream } from "../src/sse.ts";
import { testServer } from "./_fixtures.ts";
import { trackTimers } from "./_timers.ts";
import { initializeMessage, postHeaders, sessionHeaders } from "./_streamable.ts";

const URL_MCP = "http://127.0.0.1/mcp";

/** Initializes a session in-process; returns its id. */
async function openSession(handler: ReturnType<typeof createHandler>, version = "2025-06-18"): Promise<string> {
  const init = await handler.fetch(new Request(URL_MCP, { method: "POST", headers: postHeaders(), body: JSON.stringify(initializeMessage(version)) }));
  assert.equal(init.status, 200);
  await init.body?.cancel();
  const id = init.headers.get("mcp-session-id")!;
  const ack = await handler.fetch(new Request(URL_MCP, {
    method: "POST",
    headers: postHeaders(sessionHeaders(id, version)),
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  }));
  assert.equal(ack.status, 202);
  return id;
}

/** Reads one chunk and returns it as text. */
async function readText(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const { value } = await reader.read();
  return new TextDecoder().decode(value);
}

describe("the buffer bound of an SSE stream", () => {
  const event = { event: "message", data: "x".repeat(1000) };
  const eventBytes = new TextEncoder().encode(encodeEvent(event)).byteLength;

  test("a reader that stopped reading is cut off once more than maxBufferedBytes are unread, not before", () => {
    let reason: SseCloseReason | undefined;
    const stream = new SseStream({ keepAliveMs: 0, maxBufferedBytes: eventBytes * 4, onClose: (why) => (reason = why) });
    for (let i = 0; i < 4; i++) assert.equal(stream.send(event), true, `event ${i} fits`);
    assert.equal(stream.closed, false);
    assert.equal(stream.send(event), false, "the fifth event is one too many");
    assert.equal(reason, "overflow");
    assert.equal(stream.closed, true);
  });

  test("what a reader took no longer counts: a reader that keeps up is never cut off", async () => {
    const stream = new SseStream({ keepAliveMs: 0, maxBufferedBytes: eventBytes * 2 });
    const reader = stream.readable.getReader();
    for (let i = 0; i < 100; i++) {
      assert.equal(stream.send(event), true, `event ${i}`);
      assert.equal(stream.send(event), true, `event ${i}b`);
      await reader.read();
      await reader.read();
    }
    // It stops reading now: two more fit (what it read is gone), the third does not.
    assert.equal(stream.send(event), true);
    assert.equal(stream.send(event), true);
    assert.equal(stream.send(event), false);
    assert.equal(stream.closed, true);
  });

  test("a reader that read part of the queue: only the unread bytes count", async () => {
    const stream = new SseStream({ keepAliveMs: 0, maxBufferedBytes: eventBytes * 3 });
    const reader = stream.readable.getReader();
    for (let i = 0; i < 3; i++) assert.equal(stream.send(event), true);
    await reader.read(); // one of three taken: two unread
    assert.equal(stream.send(event), true, "three unread: at the limit, not past it");
    assert.equal(stream.send(event), false, "four unread: past it");
  });

  test("one event larger than the whole bound cuts the stream off", () => {
    const stream = new SseStream({ keepAliveMs: 0, maxBufferedBytes: eventBytes - 1 });
    assert.equal(stream.send(event), false);
    assert.equal(stream.closed, true);
  });
});

describe("keep-alive comments", () => {
  test("every open stream gets its comments; a stream that ends, however, leaves no timer behind", async () => {
    const timers = trackTimers();
    try {
      const streams = Array.from({ length: 3 }, () => new SseStream({ keepAliveMs: 5 }));
      const readers = streams.map((s) => s.readable.getReader());
      for (const reader of readers) assert.equal(await readText(reader), ": keep-alive\n\n");
      streams[0].close();
      await readers[1].cancel();
      assert.equal(streams[1].closed, true);
      // The one left goes on.
      assert.equal(await readText(readers[2]), ": keep-alive\n\n");
      streams[2].close();
      assert.equal(timers.live(), 0, `timers left: ${timers.origins().join(" | ")}`);
    } finally {
      timers.restore();
    }
  });
});

describe("an idle Streamable HTTP session", () => {
  test("idle sessions share one idle timer; open GET streams take their sessions out of it; closing leaves none", async () => {
    const timers = trackTimers();
    // keepAliveMs 0: the only timers are the sessions' idle timers.
    const handler = createHandler(testServer(), { keepAliveMs: 0, idleTimeoutMs: 60_000 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(await openSession(handler));
      assert.equal(timers.live(), 1, `20 idle sessions, one timer: ${timers.origins().join(" | ")}`);
      const bodies: ReadableStream<Uint8Array>[] = [];
      for (const id of ids) {
        const get = await handler.fetch(new Request(URL_MCP, { headers: { accept: "text/event-stream", ...sessionHeaders(id, "2025-06-18") } }));
        assert.equal(get.status, 200);
        bodies.push(get.body!);
      }
      assert.equal(timers.live(), 0, `an idle session with an open stream holds no timer: ${timers.origins().join(" | ")}`);
      await bodies[0].cancel();
      assert.equal(timers.live(), 1);
      assert.equal(handler.sessions.size, 20);
      await handler.close();
      assert.equal(handler.sessions.size, 0);
      assert.equal(timers.live(), 0, `timers left: ${timers.origins().join(" | ")}`);
    } finally {
      await handler.close();
      timers.restore();
    }
  });

  test("requests to a session whose stream is open leave it out of the idle queue; the stream's end puts it back", async () => {
    const timers = trackTimers();
    // keepAliveMs 0: the only timers are the sessions' idle timers.
    const handler = createHandler(testServer(), { keepAliveMs: 0, idleTimeoutMs: 60_000 });
    try {
      const id = await openSession(handler);
      const get = await handler.fetch(new Request(URL_MCP, { headers: { accept: "text/event-stream", ...sessionHeaders(id, "2025-06-18") } }));
      assert.equal(get.status, 200);
      assert.equal(timers.live(), 0, "an open stream: out of the queue");
      for (let i = 1; i <= 3; i++) {
        const ping = await handler.fetch(new Request(URL_MCP, {
          method: "POST",
          headers: postHeaders(sessionHeaders(id, "2025-06-18")),
          body: JSON.stringify({ jsonrpc: "2.0", id: i, method: "ping" }),
        }));
        assert.equal(ping.status, 200);
        await ping.body?.cancel();
      }
      const note = await handler.fetch(new Request(URL_MCP, {
        method: "POST",
        headers: postHeaders(sessionHeaders(id, "2025-06-18")),
        body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/roots/list_changed" }),
      }));
      assert.equal(note.status, 202);
      assert.equal(timers.live(), 0, `the stream is still open: no idle timer, ${timers.origins().join(" | ")}`);
      await get.body!.cancel();
      assert.equal(timers.live(), 1, "the stream is gone: the session idles again");
      await handler.close();
      assert.equal(timers.live(), 0, `timers left: ${timers.origins().join(" | ")}`);
    } finally {
      await handler.close();
      timers.restore();
    }
  });

  test("an idle session still times out once its stream is gone", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0, idleTimeoutMs: 30 });
    try {
      const id = await openSession(handler);
      const session = handler.sessions.get(id)!;
      const abort = new AbortController();
      const get = await handler.fetch(new Request(URL_MCP, { headers: { accept: "text/event-stream", ...sessionHeaders(id, "2025-06-18") }, signal: abort.signal }));
      assert.equal(get.status, 200);
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(session.closed, false, "an open stream keeps the session");
      abort.abort();
      await new Promise((r) => setTimeout(r, 120));
      assert.equal(session.closed, true);
      assert.equal(session.closeReason, "idle");
      const again = await handler.fetch(new Request(URL_MCP, { headers: { accept: "text/event-stream", ...sessionHeaders(id, "2025-06-18") } }));
      assert.equal(again.status, 404);
    } finally {
      await handler.close();
    }
  });

  test("session.signal made after the close is already aborted", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    try {
      const id = await openSession(handler);
      const session = handler.sessions.get(id)!;
      session.close("deleted");
      assert.equal(session.signal.aborted, true);
      assert.equal((session.signal.reason as Error).message, "Session closed (deleted)");
    } finally {
      await handler.close();
    }
  });
});

describe("what a session owns", () => {
  test("releases run once each at the close, in the order they were owned, whatever was disowned in between", () => {
    const registry = new SessionRegistry(new McpServer({ name: "t", version: "1" }), { idleTimeoutMs: 0 });
    const session = registry.create("streamable");
    const ran: string[] = [];
    const disownA = session.own(() => ran.push("a"));
    session.own({ sessionClosed: () => ran.push("b") });
    disownA();
    session.own(() => ran.push("c"));
    const disownD = session.own(() => ran.push("d"));
    session.own(() => {
      throw new Error("a release that throws");
    });
    session.own(() => ran.push("e"));
    disownD();
    assert.equal(session.ownedCount, 4);
    session.close("closed");
    session.close("closed");
    assert.deepEqual(ran, ["b", "c", "e"]);
    assert.equal(session.ownedCount, 0);
    // Owned after the close: released at once.
    session.own({ sessionClosed: () => ran.push("late") });
    assert.deepEqual(ran, ["b", "c", "e", "late"]);
    assert.equal(registry.size, 0);
  });
});
