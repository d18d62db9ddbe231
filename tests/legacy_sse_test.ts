/**
 * The legacy HTTP+SSE transport (2024-11-05): status codes, the single close from every path,
 * churn and the POST/disconnect race.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "./_sdk.ts";
import { SSEClientTransport } from "./_sdk.ts";
import fc from "fast-check";
import { createHandler, type TetherHandler } from "../mod.ts";
import { sessionIdParam } from "../src/transports/legacy_sse.ts";
import { encodeEvent, SseStream } from "../src/sse.ts";
import { testServer } from "./_fixtures.ts";
import { serveHandler, waitFor } from "./_serve.ts";
import { trackTimers, trackUnhandledRejections } from "./_timers.ts";

const BASE = "http://127.0.0.1";
const decoder = new TextDecoder();

/** Opens a legacy session in-process; returns the session id, the reader and the abort. */
async function open(handler: TetherHandler, path = "/sse") {
  const abort = new AbortController();
  const response = await handler.fetch(new Request(`${BASE}${path}`, { headers: { accept: "text/event-stream" }, signal: abort.signal }));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  const reader = response.body!.getReader();
  // A stream cut off for overflow errors; the test's reader must not turn that into an unhandled rejection.
  reader.closed.catch(() => {});
  const events = sseReader(reader);
  const first = await events.next();
  assert.equal(first.event, "endpoint");
  const id = new URL(first.data, BASE).searchParams.get("sessionId")!;
  return { id, endpoint: first.data, reader, events, abort };
}

/** Parses SSE events (comments skipped) from a reader. */
function sseReader(reader: ReadableStreamDefaultReader<Uint8Array>) {
  let buffer = "";
  return {
    async next(): Promise<{ event: string; data: string }> {
      while (true) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(":")) continue;
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          return { event, data: data.join("\n") };
        }
        const { done, value } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += decoder.decode(value, { stream: true });
      }
    },
  };
}

function post(handler: TetherHandler, id: string | null, body: BodyInit | null, headers: Record<string, string> = { "content-type": "application/json" }, method = "POST") {
  const url = id === null ? `${BASE}/messages` : `${BASE}/messages?sessionId=${encodeURIComponent(id)}`;
  return handler.fetch(new Request(url, { method, headers, body }));
}

const initialize = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2024-11-05", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

async function assertJsonRpcError(response: Response, status: number, code: number) {
  assert.equal(response.status, status);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  const body = await response.json();
  assert.equal(body.jsonrpc, "2.0");
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, "string");
  return body;
}

describe("legacy SSE: the session ends with its connection", () => {
  test("the endpoint event is a relative URI honouring the mount path", async () => {
    const handler = createHandler(testServer(), { basePath: "/api/v1/", keepAliveMs: 0 });
    try {
      const { endpoint, id } = await open(handler, "/api/v1/sse");
      assert.equal(endpoint, `/api/v1/messages?sessionId=${id}`);
      assert.match(id, /^[\x21-\x7e]{32,}$/);
      assert.equal((await post(handler, id, JSON.stringify(initialize))).status, 404, "a POST outside the mount is not routed");
    } finally {
      await handler.close();
    }
  });

  test("cancel() alone closes the session: the id answers 404 and the registry is empty", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    try {
      const { id, reader } = await open(handler);
      assert.equal(handler.sessions.size, 1);
      await reader.cancel();
      assert.equal(handler.sessions.size, 0);
      await assertJsonRpcError(await post(handler, id, JSON.stringify(initialize)), 404, -32001);
    } finally {
      await handler.close();
    }
  });

  test("the request's abort alone closes the session", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    try {
      const { id, abort } = await open(handler);
      abort.abort();
      assert.equal(handler.sessions.size, 0);
      await assertJsonRpcError(await post(handler, id, JSON.stringify(initialize)), 404, -32001);
    } finally {
      await handler.close();
    }
  });

  test("a server-side close ends the stream and the id answers 404", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    try {
      const { id, reader } = await open(handler);
      handler.sessions.get(id)!.close();
      assert.equal(handler.sessions.size, 0);
      const { done } = await reader.read();
      assert.equal(done, true);
      await assertJsonRpcError(await post(handler, id, JSON.stringify(initialize)), 404, -32001);
    } finally {
      await handler.close();
    }
  });

  test("handler.close() closes every session and ends their streams", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    const a = await open(handler);
    const b = await open(handler);
    assert.equal(handler.sessions.size, 2);
    await handler.close();
    assert.equal(handler.sessions.size, 0);
    assert.equal((await a.reader.read()).done, true);
    assert.equal((await b.reader.read()).done, true);
  });

  test("a failing keep-alive write closes the session", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 10, maxBufferedBytes: 256 });
    try {
      // Never read: the keep-alive comments fill the buffer until the write is refused.
      const { id } = await open(handler);
      await waitFor(() => handler.sessions.size === 0, 5000, "the stalled session to close");
      await assertJsonRpcError(await post(handler, id, JSON.stringify(initialize)), 404, -32001);
    } finally {
      await handler.close();
    }
  });

  test("closing a session aborts in-flight tool handlers", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    try {
      const { id, events } = await open(handler);
      assert.equal((await post(handler, id, JSON.stringify(initialize))).status, 202);
      await events.next();
      const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: { ms: 60_000 } } };
      assert.equal((await post(handler, id, JSON.stringify(call))).status, 202);
      const session = handler.sessions.get(id)!;
      await waitFor(() => session.inFlightCount === 1, 2000, "the call to start");
      session.close();
      assert.equal(session.inFlightCount, 0);
      assert.equal(session.signal.aborted, true);
    } finally {
      await handler.close();
    }
  });
});

describe("legacy SSE: status codes, each with its body", () => {
  test("202 for a message handed to a live session; the response arrives on the stream", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    try {
      const { id, events } = await open(handler);
      const res = await post(handler, id, JSON.stringify(initialize));
      assert.equal(res.status, 202);
      assert.equal(res.headers.get("content-type"), "text/plain");
      assert.equal(await res.text(), "Accepted");
      const event = await events.next();
      assert.equal(event.event, "message");
      const message = JSON.parse(event.data);
      assert.equal(message.id, 0);
      assert.equal(message.result.protocolVersion, "2024-11-05");
      assert.equal(message.result.serverInfo.name, "tether-test");
    } finally {
      await handler.close();
    }
  });

  test("400 -32600 for a missing sessionId, and for a malformed one", async () => {
    const handler = createHandler(testServer());
    try {
      await assertJsonRpcError(await post(handler, null, JSON.stringify(initialize)), 400, -32600);
      await assertJsonRpcError(await post(handler, "not a session id", JSON.stringify(initialize)), 400, -32600);
      await assertJsonRpcError(await post(handler, "", JSON.stringify(initialize)), 400, -32600);
    } finally {
      await handler.close();
    }
  });

  test("404 -32001 for an unknown session", async () => {
    const handler = createHandler(testServer());
    try {
      await assertJsonRpcError(await post(handler, "0".repeat(32), JSON.stringify(initialize)), 404, -32001);
    } finally {
      await handler.close();
    }
  });

  test("415 for a non-JSON content type, and for none", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    try {
      const { id } = await open(handler);
      await assertJsonRpcError(await post(handler, id, JSON.stringify(initialize), { "content-type": "text/plain" }), 415, -32600);
      await assertJsonRpcError(await post(handler, id, new Blob([JSON.stringify(initialize)]), {}), 415, -32600);
      assert.equal(handler.sessions.size, 1, "a rejected POST leaves the session alone");
    } finally {
      await handler.close();
    }
  });

  test("413 for a body over the limit, declared or chunked, with Connection: close", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0, maxBodyBytes: 1024 });
    try {
      const { id } = await open(handler);
      const big = JSON.stringify({ ...initialize, params: { ...initialize.params, pad: "x".repeat(2000) } });
      const declared = await post(handler, id, big);
      await assertJsonRpcError(declared, 413, -32600);
      assert.equal(declared.headers.get("connection"), "close");
      // A chunked body has no Content-Length: the limit must be counted while reading.
      let sent = 0;
      const chunked = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 100) controller.enqueue(new TextEncoder().encode("x".repeat(100)));
          else controller.close();
        },
      });
      const res = await handler.fetch(
        new Request(`${BASE}/messages?sessionId=${id}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: chunked,
          duplex: "half",
        } as RequestInit),
      );
      await assertJsonRpcError(res, 413, -32600);
      assert.ok(sent < 100, "reading stopped once the limit was passed");
    } finally {
      await handler.close();
    }
  });

  test("400 -32700 for invalid JSON, and for a body that is not UTF-8", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    try {
      const { id } = await open(handler);
      await assertJsonRpcError(await post(handler, id, "{not json"), 400, -32700);
      await assertJsonRpcError(await post(handler, id, new Uint8Array([0xff, 0xfe, 0x7b])), 400, -32700);
    } finally {
      await handler.close();
    }
  });

  test("400 -32600 for JSON that is not one JSON-RPC message", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    try {
      const { id } = await open(handler);
      for (const body of ["{}", "[]", "42", "null", '{"jsonrpc":"1.0","id":1,"method":"ping"}', '{"jsonrpc":"2.0","id":null,"method":"ping"}']) {
        await assertJsonRpcError(await post(handler, id, body), 400, -32600);
      }
    } finally {
      await handler.close();
    }
  });

  test("405 with Allow for other methods on both endpoints", async () => {
    const handler = createHandler(testServer());
    try {
      const a = await handler.fetch(new Request(`${BASE}/sse`, { method: "POST", body: "{}" }));
      await assertJsonRpcError(a, 405, -32600);
      assert.equal(a.headers.get("allow"), "GET");
      const b = await handler.fetch(new Request(`${BASE}/messages?sessionId=x`));
      await assertJsonRpcError(b, 405, -32600);
      assert.equal(b.headers.get("allow"), "POST");
      const c = await handler.fetch(new Request(`${BASE}/messages`, { method: "PUT", body: "{}" }));
      assert.equal(c.status, 405);
      assert.equal(handler.sessions.size, 0);
    } finally {
      await handler.close();
    }
  });

  test("406 when the GET does not accept text/event-stream", async () => {
    const handler = createHandler(testServer());
    try {
      await assertJsonRpcError(await handler.fetch(new Request(`${BASE}/sse`, { headers: { accept: "application/json" } })), 406, -32600);
      assert.equal(handler.sessions.size, 0);
    } finally {
      await handler.close();
    }
  });
});

describe("legacy SSE: fast paths give the slow paths' answers", () => {
  test("sessionIdParam(url) is new URL(url).searchParams.get('sessionId') for plain and odd URLs", () => {
    // Mostly real session ids (what the fast path takes), some near misses.
    const hex = fc.oneof({ arbitrary: fc.stringMatching(/^[0-9a-f]{32}$/), weight: 3 }, { arbitrary: fc.stringMatching(/^[0-9a-fA-F]{30,34}$/), weight: 1 });
    const piece = fc.constantFrom("sessionId=", "sessionid=", "sessionId", "?", "#", "&", "=", "%61", "%", "+", "/", "a", "0", " ", "é", "..");
    const query = fc.oneof(
      hex.map((id) => `sessionId=${id}`),
      fc.tuple(fc.array(piece, { maxLength: 6 }), hex).map(([pieces, id]) => pieces.join("") + id),
      fc.tuple(hex, fc.array(piece, { maxLength: 6 })).map(([id, pieces]) => `sessionId=${id}${pieces.join("")}`),
      fc.array(piece, { maxLength: 10 }).map((pieces) => pieces.join("")),
    );
    const prefix = fc.constantFrom("http://127.0.0.1/messages", "http://127.0.0.1:8787/base/messages", "https://example.com/m", "http://h/a#frag", "http://h/x?y=1");
    fc.assert(
      fc.property(prefix, fc.constantFrom("?", "", "#", "&", "??"), query, (start, mark, rest) => {
        const url = start + mark + rest;
        let expected: string | null;
        try {
          expected = new URL(url).searchParams.get("sessionId");
        } catch {
          return; // not a URL: no Request has one
        }
        assert.equal(sessionIdParam(url), expected, url);
        // As a Request serialises it, too.
        const serialised = new Request(url).url;
        assert.equal(sessionIdParam(serialised), new URL(serialised).searchParams.get("sessionId"), serialised);
      }),
      { numRuns: 2000 },
    );
  });

  test("sendMessage(data) writes the bytes of send({ event: 'message', data }), line breaks included", async () => {
    for (const data of ['{"jsonrpc":"2.0","id":1,"result":{}}', "", "a\nb", "a\r\nb\rc", "é ✓"]) {
      const viaEvent = new SseStream({ keepAliveMs: 0 });
      const viaMessage = new SseStream({ keepAliveMs: 0 });
      assert.equal(viaEvent.send({ event: "message", data }), true);
      assert.equal(viaMessage.sendMessage(data), true);
      viaEvent.close();
      viaMessage.close();
      const [a, b] = await Promise.all([new Response(viaEvent.readable).text(), new Response(viaMessage.readable).text()]);
      assert.equal(b, a);
      assert.equal(b, encodeEvent({ event: "message", data }));
    }
  });
});

describe("legacy SSE: churn and races", () => {
  test("1,000 connect/disconnect cycles leave 0 sessions and no timers", async () => {
    const timers = trackTimers();
    try {
      const handler = createHandler(testServer(), { keepAliveMs: 15_000 });
      for (let i = 0; i < 1000; i++) {
        const { id, reader, abort } = await open(handler);
        assert.equal((await post(handler, id, JSON.stringify(initialize))).status, 202);
        // Alternate the way the client goes: cancel, abort, both.
        if (i % 3 !== 1) await reader.cancel();
        if (i % 3 !== 0) abort.abort();
      }
      assert.equal(handler.sessions.size, 0);
      assert.equal(timers.live(), 0, `timers still pending, set at: ${timers.origins().slice(0, 3).join(" | ")}`);
      await handler.close();
    } finally {
      timers.restore();
    }
  });

  test("a POST racing a disconnect never gets 202 for a closed session, and nothing rejects unhandled", async () => {
    const unhandled = trackUnhandledRejections();
    try {
      const handler = createHandler(testServer(), { keepAliveMs: 0 });
      for (let i = 0; i < 200; i++) {
        const { id, reader } = await open(handler);
        // The body arrives in two parts; the client disconnects between them.
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const text = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
        const body = new ReadableStream<Uint8Array>({
          async start(controller) {
            controller.enqueue(new TextEncoder().encode(text.slice(0, 10)));
            await gate;
            controller.enqueue(new TextEncoder().encode(text.slice(10)));
            controller.close();
          },
        });
        const pending = handler.fetch(
          new Request(`${BASE}/messages?sessionId=${id}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
            duplex: "half",
          } as RequestInit),
        );
        await reader.cancel();
        release();
        const res = await pending;
        assert.equal(res.status, 404, `iteration ${i}`);
        assert.equal((await res.json()).error.code, -32001);
      }
      // Concurrent POSTs and disconnects, unordered: every answer is 202 or 404, and a 202 only
      // while the session was still live.
      const results: number[] = [];
      for (let i = 0; i < 100; i++) {
        const { id, reader } = await open(handler);
        const posts = Array.from({ length: 5 }, () => post(handler, id, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })));
        const cancel = reader.cancel();
        for (const res of await Promise.all(posts)) results.push(res.status);
        await cancel;
      }
      assert.ok(results.every((s) => s === 202 || s === 404));
      assert.equal(handler.sessions.size, 0);
      await handler.close();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(unhandled.count(), 0);
    } finally {
      unhandled.restore();
    }
  });
});

describe("legacy SSE: the official SDK client over a real socket", () => {
  for (const how of ["client.close()", "server-side close"] as const) {
    test(`connect, initialize, call a tool, then ${how}: POST to the old id is 404 and 0 sessions remain`, async () => {
      const handler = createHandler(testServer());
      const served = await serveHandler(handler);
      const client = new Client({ name: "t", version: "1" });
      try {
        await client.connect(new SSEClientTransport(new URL(`${served.url}/sse`)));
        const result = await client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
        assert.deepEqual(result.structuredContent, { sum: 5 });
        const failed = await client.callTool({ name: "fail", arguments: {} });
        assert.equal(failed.isError, true);
        // 2025-11-25 (SEP-1303): invalid arguments are a tool execution error, not a protocol error.
        const invalid = await client.callTool({ name: "add", arguments: { a: "x" } });
        assert.equal(invalid.isError, true);
        assert.match(JSON.stringify(invalid.content), /Invalid arguments for tool add/);
        const id = handler.sessions.ids()[0];
        if (how === "client.close()") await client.close();
        else handler.sessions.get(id)!.close();
        await waitFor(() => handler.sessions.size === 0, 5000, "the session to close");
        const res = await fetch(`${served.url}/messages?sessionId=${id}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
        });
        assert.equal(res.status, 404);
        assert.equal((await res.json()).error.code, -32001);
      } finally {
        // After a server-side close the SDK's EventSource would reconnect every 3 s until closed.
        await client.close();
        await served.close();
      }
    });
  }
});
