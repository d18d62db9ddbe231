import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { createHandler, type EventStore, McpServer, MemoryEventStore } from "../mod.ts";
import { streamableStats } from "../src/transports/session_streams.ts";
import { waitFor } from "./_serve.ts";
import { initializeMessage, postHeaders, sessionHeaders } from "./_streamable.ts";

function server(): McpServer {
  const s = new McpServer({ name: "sse-answer", version: "1.0.0" });
  s.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: "text", text }] }));
  s.tool("slow", { inputSchema: z.object({}) }, async () => {
    await new Promise((r) => setTimeout(r, 30));
    return { content: [{ type: "text", text: "late" }] };
  });
  return s;
}

/**
 * A MemoryEventStore (`inner`) behind a store that records what it is asked to keep: `kept(eventId)`
 * is what was stored on that event's stream (the id's `<stream>_` prefix), oldest first, each
 * message as its id or method, `null` for an event stored without a message.
 */
function recordingStore(): { store: EventStore; inner: MemoryEventStore; kept: (eventId: string) => unknown[] } {
  const inner = new MemoryEventStore();
  const appended: Array<{ streamId: string; message: { id?: unknown; method?: string } | null }> = [];
  const store: EventStore = {
    append: (session, streamId, message, text) => {
      appended.push({ streamId, message });
      return inner.append(session, streamId, message, text);
    },
    replayAfter: (session, lastEventId) => inner.replayAfter(session, lastEventId),
    dropSession: (session) => inner.dropSession(session),
  };
  const kept = (eventId: string) => {
    const streamId = eventId.slice(0, eventId.lastIndexOf("_"));
    return appended.filter((e) => e.streamId === streamId).map((e) => (e.message === null ? null : e.message.id ?? e.message.method));
  };
  return { store, inner, kept };
}

/** Reads `reader` until an SSE body holds a `message` event; the first one. */
async function firstEvent(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<{ id?: string; data: string }> {
  let seen = "";
  while (events(seen).length === 0) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`the stream ended before a message event: ${JSON.stringify(seen)}`);
    seen += new TextDecoder().decode(chunk.value);
  }
  return events(seen)[0];
}

/** The data of the `message` events of an SSE body, and the event ids they carried. */
function events(text: string): Array<{ id?: string; data: string }> {
  return text.split("\n\n").filter((block) => block.includes("event: message")).map((block) => {
    const id = /^id: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)![1];
    return id === undefined ? { data } : { id, data };
  });
}

/** POSTs `body` to `handler` as a client of `version` (on session `id` when given). */
function poster(handler: { fetch(request: Request): Promise<Response> }, version: string) {
  return (body: unknown, id?: string) =>
    handler.fetch(new Request("http://127.0.0.1/mcp", { method: "POST", headers: postHeaders(id ? sessionHeaders(id, version) : {}), body: JSON.stringify(body) }));
}

/** Opens a session through `post` (initialize, then initialized) and returns its id. */
async function openSession(post: ReturnType<typeof poster>, version: string): Promise<string> {
  const init = await post(initializeMessage(version));
  const id = init.headers.get("mcp-session-id")!;
  await init.text();
  await (await post({ jsonrpc: "2.0", method: "notifications/initialized" }, id)).text();
  return id;
}

/** A GET that resumes session `id` after event `lastEventId`. */
function resume(handler: { fetch(request: Request): Promise<Response> }, id: string, version: string, lastEventId: string) {
  return handler.fetch(new Request("http://127.0.0.1/mcp", { headers: { accept: "text/event-stream", ...sessionHeaders(id, version), "last-event-id": lastEventId } }));
}

describe("SSE mode: a request answered at once gets its whole SSE body, a slow one the live stream", () => {
  for (const version of ["2025-06-18", "2025-11-25"]) {
    test(`both carry the same message, and leave no stream behind (${version})`, async () => {
      const store = new MemoryEventStore();
      const handler = createHandler(server(), { responseMode: "sse", eventStore: store });
      const call = poster(handler, version);
      try {
        const id = await openSession(call, version);

        // (The initialize answer, an SSE body too, went the same way.)
        const storedBefore = store.eventCount(id);
        const fast = await call({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "hi" } } }, id);
        assert.equal(fast.headers.get("content-type"), "text/event-stream");
        assert.equal(fast.headers.get("mcp-session-id"), null);
        const fastText = await fast.text();
        const storedByFast = store.eventCount(id) - storedBefore;

        const slow = await call({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "slow", arguments: {} } }, id);
        assert.equal(slow.headers.get("content-type"), "text/event-stream");
        const reader = slow.body!.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        assert.ok(!first.includes("late"), "the live stream starts before the slow response exists");
        let slowText = first;
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) slowText += new TextDecoder().decode(chunk.value);

        for (const [text, expected] of [[fastText, { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "hi" }] } }], [slowText, { jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: "late" }] } }]] as const) {
          const found = events(text);
          assert.equal(found.length, 1);
          assert.deepEqual(JSON.parse(found[0].data), expected);
          if (version === "2025-11-25") assert.match(text, /^id: \S+\ndata: \n\n/, "2025-11-25 clients get a priming event first");
          else assert.ok(text.startsWith(": stream open\n\n"));
        }
        if (version === "2025-11-25") {
          // Primed: the response follows an id the client holds, so it is stored and has an id.
          assert.ok(events(fastText)[0].id, "an event id on the primed answer");
          assert.equal(storedBefore, 2, "the initialize answer: its priming event and response");
          assert.equal(storedByFast, 2, "the priming event and the response are stored");
        } else {
          // Unprimed: the client holds no id from before the lone response, so nothing could
          // ever replay it: it has no id and the store holds nothing for it.
          assert.equal(events(fastText)[0].id, undefined);
          assert.equal(storedBefore, 0, "the initialize answer stored nothing either");
          assert.equal(storedByFast, 0);
        }
        assert.deepEqual(streamableStats(handler.sessions.get(id)!), { postStreams: 0, connections: 0 });
      } finally {
        await handler.close();
      }
    });
  }

  test("a primed answer is replayed from its priming event (2025-11-25)", async () => {
    const version = "2025-11-25";
    const handler = createHandler(server(), { responseMode: "sse" });
    const post = poster(handler, version);
    try {
      const id = await openSession(post, version);
      const fast = await post({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "echo", arguments: { text: "again" } } }, id);
      const priming = /^id: (\S+)\n/.exec(await fast.text())![1];
      const resumed = await resume(handler, id, version, priming);
      assert.equal(resumed.status, 200);
      const replayed = events(await resumed.text());
      assert.equal(replayed.length, 1);
      assert.deepEqual(JSON.parse(replayed[0].data), { jsonrpc: "2.0", id: 5, result: { content: [{ type: "text", text: "again" }] } });
    } finally {
      await handler.close();
    }
  });

  test("an unprimed batch answer keeps ids, and what follows the first event is replayed (2025-03-26)", async () => {
    const version = "2025-03-26";
    const { store, inner, kept } = recordingStore();
    const handler = createHandler(server(), { responseMode: "sse", eventStore: store });
    const post = poster(handler, version);
    try {
      const id = await openSession(post, version);
      const batch = await post([
        { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "one" } } },
        { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { text: "two" } } },
      ], id);
      const found = events(await batch.text());
      assert.equal(found.length, 2);
      assert.ok(found[0].id && found[1].id, "a batch's events keep their ids: the second can be resumed from the first");
      assert.equal(inner.eventCount(id), 2);
      assert.deepEqual(kept(found[0].id!), [null, 2], "the first event is an anchor: its id, without its message");
      const resumed = await resume(handler, id, version, found[0].id!);
      const replayed = events(await resumed.text());
      assert.deepEqual(replayed.map((e) => JSON.parse(e.data).id), [2]);
    } finally {
      await handler.close();
    }
  });
});

describe("unprimed live streams: the first event anchors resumption and is stored without its message", () => {
  const version = "2025-06-18";

  test("a POST stream: resuming from its first event replays the rest, and the first message was never kept", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const s = server();
    s.tool("gated", { inputSchema: z.object({}) }, async (_args, ctx) => {
      ctx.log("info", "before");
      await gate;
      ctx.log("info", "after");
      return { content: [{ type: "text", text: "through" }] };
    });
    const { store, kept } = recordingStore();
    const handler = createHandler(s, { responseMode: "sse", eventStore: store });
    const post = poster(handler, version);
    try {
      const id = await openSession(post, version);
      const live = await post({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "gated", arguments: {} } }, id);
      const reader = live.body!.getReader();
      const first = await firstEvent(reader);
      assert.equal(JSON.parse(first.data).params.data, "before");
      assert.ok(first.id, "the first event has an id to resume from");
      await reader.cancel();
      const session = handler.sessions.get(id)!;
      open();
      await waitFor(() => session.inFlightCount === 0, 5000, "the request to finish");
      assert.deepEqual(kept(first.id!), [null, "notifications/message", 9], "the first message is not kept; what follows is");
      const replayed = events(await (await resume(handler, id, version, first.id!)).text()).map((e) => JSON.parse(e.data));
      assert.deepEqual(replayed, [
        { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "after" } },
        { jsonrpc: "2.0", id: 9, result: { content: [{ type: "text", text: "through" }] } },
      ]);
    } finally {
      await handler.close();
    }
  });

  test("a request to the client on a POST stream gone before its first event fails at once, and nothing is stored", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let outcome = "pending";
    const s = server();
    s.tool("asks", { inputSchema: z.object({}) }, async (_args, ctx) => {
      await gate;
      try {
        await ctx.request("ping");
        outcome = "answered";
      } catch (error) {
        outcome = (error as Error).message;
      }
      return { content: [{ type: "text", text: outcome }] };
    });
    // A minute to answer: a request that was taken as delivered would still be waiting below.
    const { store, inner } = recordingStore();
    const handler = createHandler(s, { responseMode: "sse", requestTimeoutMs: 60_000, eventStore: store });
    const post = poster(handler, version);
    try {
      const id = await openSession(post, version);
      const live = await post({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "asks", arguments: {} } }, id);
      const reader = live.body!.getReader();
      assert.equal(new TextDecoder().decode((await reader.read()).value), ": stream open\n\n", "unprimed: no event id reached the client");
      await reader.cancel();
      const session = handler.sessions.get(id)!;
      await waitFor(() => streamableStats(session)!.connections === 0, 5000, "the POST connection to close");
      open();
      await waitFor(() => session.inFlightCount === 0, 5000, "the tool to finish");
      assert.match(outcome, /Could not deliver ping/);
      assert.equal(inner.eventCount(id), 0, "nothing is kept for a stream whose ids never reached the client");
    } finally {
      await handler.close();
    }
  });

  test("the standalone stream: its first message is the anchor, later ones are kept and replayed", async () => {
    const { store, kept } = recordingStore();
    const handler = createHandler(server(), { responseMode: "sse", eventStore: store });
    const post = poster(handler, version);
    try {
      const id = await openSession(post, version);
      const get = await handler.fetch(new Request("http://127.0.0.1/mcp", { headers: { accept: "text/event-stream", ...sessionHeaders(id, version) } }));
      const reader = get.body!.getReader();
      await reader.read(); // ": stream open"
      const session = handler.sessions.get(id)!;
      session.notify({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      const first = await firstEvent(reader);
      await reader.cancel();
      session.notify({ jsonrpc: "2.0", method: "notifications/prompts/list_changed" });
      assert.deepEqual(kept(first.id!), [null, "notifications/prompts/list_changed"]);
      const resumed = await resume(handler, id, version, first.id!);
      const body = resumed.body!.getReader();
      const replayed = await firstEvent(body);
      await body.cancel();
      assert.equal(JSON.parse(replayed.data).method, "notifications/prompts/list_changed");
    } finally {
      await handler.close();
    }
  });
});
