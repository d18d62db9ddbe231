import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { closeSseConnections, createHandler, type HandlerOptions, type McpServer, MemoryEventStore, streamableStats } from "../mod.ts";
import { testServer } from "./_fixtures.ts";
import { serveHandler, waitFor } from "./_serve.ts";
import { initializeMessage, openSession, post, postHeaders, sessionHeaders, SseReader } from "./_streamable.ts";

async function withServer(
  options: HandlerOptions,
  run: (url: string, handler: ReturnType<typeof createHandler>) => Promise<void>,
  server: McpServer = testServer(),
): Promise<void> {
  const handler = createHandler(server, options);
  const served = await serveHandler(handler);
  try {
    await run(`${served.url}/mcp`, handler);
  } finally {
    await served.close();
  }
}

function error(code: number, message: string, id: string | number | null = null) {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

const ping = (id: number | string = 1) => ({ jsonrpc: "2.0", id, method: "ping" });

describe("Streamable HTTP: status codes and headers", () => {
  test("other methods get 405 with Allow: GET, POST, DELETE", async () => {
    await withServer({}, async (url) => {
      const res = await fetch(url, { method: "PUT", body: "{}" });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get("allow"), "GET, POST, DELETE");
      assert.deepEqual(await res.json(), error(-32600, "Method Not Allowed"));
    });
  });

  test("POST without both media types in Accept gets 406; wildcards count", async () => {
    await withServer({}, async (url) => {
      for (const accept of ["application/json", "text/event-stream", "text/html"]) {
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept }, body: JSON.stringify(initializeMessage()) });
        assert.equal(res.status, 406, accept);
        assert.deepEqual(await res.json(), error(-32600, "Not Acceptable: the client must accept both application/json and text/event-stream"));
      }
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "*/*" }, body: JSON.stringify(initializeMessage()) });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).result.protocolVersion, "2025-11-25");
    });
  });

  test("POST with a non-JSON content type gets 415", async () => {
    await withServer({}, async (url) => {
      const res = await fetch(url, { method: "POST", headers: { ...postHeaders(), "content-type": "text/plain" }, body: JSON.stringify(ping()) });
      assert.equal(res.status, 415);
      assert.deepEqual(await res.json(), error(-32600, "Unsupported Media Type: Content-Type must be application/json"));
    });
  });

  test("POST over the body limit gets 413, also when the body is chunked", async () => {
    await withServer({ maxBodyBytes: 100 }, async (url) => {
      const big = JSON.stringify({ ...ping(), params: { pad: "x".repeat(200) } });
      const res = await fetch(url, { method: "POST", headers: postHeaders(), body: big });
      assert.equal(res.status, 413);
      assert.deepEqual(await res.json(), error(-32600, "Request body exceeds 100 bytes"));
      const bytes = new TextEncoder().encode(big);
      const chunked = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 50) controller.enqueue(bytes.slice(i, i + 50));
          controller.close();
        },
      });
      const res2 = await fetch(url, { method: "POST", headers: postHeaders(), body: chunked, duplex: "half" } as RequestInit);
      assert.equal(res2.status, 413);
      assert.deepEqual(await res2.json(), error(-32600, "Request body exceeds 100 bytes"));
    });
  });

  test("POST with invalid JSON gets 400/-32700; a non-JSON-RPC body 400/-32600", async () => {
    await withServer({}, async (url) => {
      const res = await fetch(url, { method: "POST", headers: postHeaders(), body: "{nope" });
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), error(-32700, "Parse error: invalid JSON"));
      const res2 = await post(url, { hello: "world" });
      assert.equal(res2.status, 400);
      assert.deepEqual(await res2.json(), error(-32600, "Bad Request: not a JSON-RPC 2.0 message"));
      const res3 = await post(url, []);
      assert.equal(res3.status, 400);
      assert.deepEqual(await res3.json(), error(-32600, "Bad Request: an empty batch"));
    });
  });

  test("initialize answers with a visible-ASCII Mcp-Session-Id and creates one session", async () => {
    await withServer({}, async (url, handler) => {
      const res = await post(url, initializeMessage("2025-06-18", 7));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/json");
      const id = res.headers.get("mcp-session-id")!;
      assert.match(id, /^[\x21-\x7e]+$/);
      const body = await res.json();
      assert.equal(body.id, 7);
      assert.equal(body.result.protocolVersion, "2025-06-18");
      assert.deepEqual(handler.sessions.ids(), [id]);
    });
  });

  test("a failed initialize names no session and leaves none", async () => {
    await withServer({}, async (url, handler) => {
      const res = await post(url, { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18" } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("mcp-session-id"), null);
      const body = await res.json();
      assert.equal(body.error.code, -32602);
      await waitFor(() => handler.sessions.size === 0, 2000, "the failed session to close");
    });
  });

  test("a request without Mcp-Session-Id gets 400; an unknown id 404/-32001", async () => {
    await withServer({}, async (url) => {
      await openSession(url);
      const res = await post(url, ping());
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), error(-32600, "Bad Request: Mcp-Session-Id header is required"));
      const res2 = await post(url, ping(), sessionHeaders("0123456789abcdef0123456789abcdef"));
      assert.equal(res2.status, 404);
      assert.deepEqual(await res2.json(), error(-32001, "Session not found"));
    });
  });

  test("notifications and responses only get 202 with an empty body", async () => {
    await withServer({}, async (url) => {
      const id = await openSession(url);
      const res = await post(url, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 99 } }, sessionHeaders(id));
      assert.equal(res.status, 202);
      assert.equal(await res.text(), "");
      const res2 = await post(url, { jsonrpc: "2.0", id: "tether-unknown", result: {} }, sessionHeaders(id));
      assert.equal(res2.status, 202);
      assert.equal(await res2.text(), "");
    });
  });

  test("MCP-Protocol-Version: absent or another supported version is accepted, unsupported 400; the negotiated version rules", async () => {
    await withServer({}, async (url) => {
      const id = await openSession(url, "2025-06-18");
      const absent = await post(url, ping(1), { "mcp-session-id": id });
      assert.equal(absent.status, 200);
      assert.deepEqual(await absent.json(), { jsonrpc: "2.0", id: 1, result: {} });
      const bad = await post(url, ping(2), { "mcp-session-id": id, "mcp-protocol-version": "1999-01-01" });
      assert.equal(bad.status, 400);
      assert.deepEqual(await bad.json(), error(-32600, 'Bad Request: Unsupported MCP-Protocol-Version: "1999-01-01"'));
      const other = await post(url, ping(3), sessionHeaders(id, "2025-03-26"));
      assert.equal(other.status, 200);
      assert.deepEqual(await other.json(), { jsonrpc: "2.0", id: 3, result: {} });
      // A header naming 2025-03-26 does not unlock batches on a 2025-06-18 session.
      const batch = await post(url, [ping(4)], sessionHeaders(id, "2025-03-26"));
      assert.equal(batch.status, 400);
      assert.deepEqual(await batch.json(), error(-32600, "Bad Request: batches are not allowed in protocol version 2025-06-18"));
      for (const method of ["GET", "DELETE"]) {
        const res = await fetch(url, { method, headers: { accept: "text/event-stream", ...sessionHeaders(id, "2099-01-01") } });
        assert.equal(res.status, 400, method);
        assert.deepEqual(await res.json(), error(-32600, 'Bad Request: Unsupported MCP-Protocol-Version: "2099-01-01"'));
      }
      const badInit = await post(url, initializeMessage(), { "mcp-protocol-version": "nope" });
      assert.equal(badInit.status, 400);
      assert.deepEqual(await badInit.json(), error(-32600, 'Bad Request: Unsupported MCP-Protocol-Version: "nope"'));
    });
  });

  test("batches: answered as an array on 2025-03-26, 400 on later versions, never with initialize, at most 100", async () => {
    await withServer({}, async (url) => {
      const old = await openSession(url, "2025-03-26");
      const res = await post(url, [ping(1), { jsonrpc: "2.0", method: "notifications/initialized" }, ping(2)], sessionHeaders(old, "2025-03-26"));
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), [{ jsonrpc: "2.0", id: 1, result: {} }, { jsonrpc: "2.0", id: 2, result: {} }]);
      const notes = await post(url, [{ jsonrpc: "2.0", method: "notifications/initialized" }], sessionHeaders(old, "2025-03-26"));
      assert.equal(notes.status, 202);
      const tooMany = await post(url, Array.from({ length: 101 }, (_, i) => ping(i)), sessionHeaders(old, "2025-03-26"));
      assert.equal(tooMany.status, 400);
      assert.deepEqual(await tooMany.json(), error(-32600, "Bad Request: a batch may carry at most 100 messages"));
      const dup = await post(url, [ping(1), ping(1)], sessionHeaders(old, "2025-03-26"));
      assert.equal(dup.status, 400);
      assert.deepEqual(await dup.json(), error(-32600, "Bad Request: request ids in a batch must be unique"));
      const init = await post(url, [initializeMessage("2025-03-26")]);
      assert.equal(init.status, 400);
      assert.deepEqual(await init.json(), error(-32600, "Bad Request: initialize must not be sent in a batch"));
      const modern = await openSession(url, "2025-06-18");
      const res2 = await post(url, [ping(1)], sessionHeaders(modern, "2025-06-18"));
      assert.equal(res2.status, 400);
      assert.deepEqual(await res2.json(), error(-32600, "Bad Request: batches are not allowed in protocol version 2025-06-18"));
    });
  });

  test("GET: 406 without text/event-stream, 400 without a session, the stream, then 409 for a second one", async () => {
    await withServer({}, async (url, handler) => {
      const id = await openSession(url);
      const res = await fetch(url, { headers: { accept: "application/json", ...sessionHeaders(id) } });
      assert.equal(res.status, 406);
      assert.deepEqual(await res.json(), error(-32600, "Not Acceptable: the client must accept text/event-stream"));
      // Without a session id, a GET for an event stream is a 2024-11-05 client (one URL for every
      // client); where that generation is not served, the session id is required.
      await withServer({ generations: ["modern", "streamable"] }, async (url2) => {
        const res2 = await fetch(url2, { headers: { accept: "text/event-stream" } });
        assert.equal(res2.status, 400);
        assert.deepEqual(await res2.json(), error(-32600, "Bad Request: Mcp-Session-Id header is required"));
      });
      const stream = await fetch(url, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } });
      assert.equal(stream.status, 200);
      assert.equal(stream.headers.get("content-type"), "text/event-stream");
      const reader = new SseReader(stream);
      const priming = await reader.next();
      assert.ok(priming?.id, "a 2025-11-25 client gets a priming event with an id");
      assert.equal(priming?.data, "");
      const second = await fetch(url, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } });
      assert.equal(second.status, 409);
      assert.deepEqual(await second.json(), error(-32600, "Conflict: only one standalone SSE stream is allowed per session"));
      // Server-initiated notifications go to the standalone stream.
      handler.sessions.get(id)!.notify({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      assert.deepEqual(await reader.nextMessage(), { jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      await reader.cancel();
    });
  });

  test("a dropped GET stream ends the stream, not the session; a new GET may open", async () => {
    await withServer({}, async (url, handler) => {
      const id = await openSession(url);
      const stream = await fetch(url, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } });
      const reader = new SseReader(stream);
      await reader.next();
      await reader.cancel();
      await waitFor(() => streamableStats(handler.sessions.get(id)!)!.connections === 0, 5000, "the GET connection to close");
      assert.equal(handler.sessions.size, 1);
      const again = await fetch(url, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } });
      assert.equal(again.status, 200);
      await again.body?.cancel();
    });
  });

  test("DELETE: 400 without a session, 200, then 404/-32001 for POST, GET and DELETE", async () => {
    await withServer({}, async (url, handler) => {
      const id = await openSession(url);
      const none = await fetch(url, { method: "DELETE" });
      assert.equal(none.status, 400);
      assert.deepEqual(await none.json(), error(-32600, "Bad Request: Mcp-Session-Id header is required"));
      const del = await fetch(url, { method: "DELETE", headers: sessionHeaders(id) });
      assert.equal(del.status, 200);
      assert.equal(await del.text(), "");
      assert.equal(handler.sessions.size, 0);
      for (const init of [
        { method: "POST", headers: postHeaders(sessionHeaders(id)), body: JSON.stringify(ping()) },
        { method: "GET", headers: { accept: "text/event-stream", ...sessionHeaders(id) } },
        { method: "DELETE", headers: sessionHeaders(id) },
      ]) {
        const res = await fetch(url, init);
        assert.equal(res.status, 404, init.method);
        assert.deepEqual(await res.json(), error(-32001, "Session not found"));
      }
    });
  });

  test("a legacy SSE session id is not a Streamable HTTP session: 404", async () => {
    await withServer({}, async (url, handler) => {
      const legacy = await fetch(url.replace(/\/mcp$/, "/sse"), { headers: { accept: "text/event-stream" } });
      await waitFor(() => handler.sessions.size === 1, 2000, "the legacy session");
      const res = await post(url, ping(), sessionHeaders(handler.sessions.ids()[0]));
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), error(-32001, "Session not found"));
      await legacy.body?.cancel();
    });
  });

  test("beyond maxSessions initialize gets 503 with Retry-After; other sessions are untouched", async () => {
    await withServer({ maxSessions: 2 }, async (url, handler) => {
      await openSession(url);
      await openSession(url);
      const res = await post(url, initializeMessage("2025-11-25", 5));
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("retry-after"), "10");
      assert.deepEqual(await res.json(), error(-32603, "Service Unavailable: too many sessions, try again later", 5));
      assert.equal(handler.sessions.size, 2);
    });
  });
});

describe("Streamable HTTP: response modes", () => {
  function chatty(): McpServer {
    const server = testServer();
    server.tool("chatty", { description: "Logs, then answers" }, (_args, ctx) => {
      ctx.log("info", "working");
      return { content: [{ type: "text", text: "done" }] };
    });
    return server;
  }
  const call = (name: string, id = 1) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: { text: "x" } } });

  test("auto: JSON when the response comes first", async () => {
    await withServer({}, async (url) => {
      const id = await openSession(url);
      const res = await post(url, call("echo"), sessionHeaders(id));
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.deepEqual(await res.json(), { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "x" }] } });
    }, chatty());
  });

  test("auto: SSE ending after the response when a log comes first", async () => {
    await withServer({}, async (url) => {
      const id = await openSession(url);
      const res = await post(url, call("chatty"), sessionHeaders(id));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/event-stream");
      const reader = new SseReader(res);
      const priming = await reader.next();
      assert.equal(priming?.data, "");
      assert.deepEqual(await reader.nextMessage(), { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "working" } });
      assert.deepEqual(await reader.nextMessage(), { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "done" }] } });
      assert.equal(await reader.next(), undefined, "the stream ends after the response");
    }, chatty());
  });

  test("json: always JSON; the log goes to the open GET stream", async () => {
    await withServer({ responseMode: "json" }, async (url) => {
      const id = await openSession(url);
      const get = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } }));
      await get.next(); // priming
      const res = await post(url, call("chatty"), sessionHeaders(id));
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.deepEqual(await res.json(), { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "done" }] } });
      assert.deepEqual(await get.nextMessage(), { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "working" } });
      await get.cancel();
    }, chatty());
  });

  test("sse: always a stream; for a 2025-06-18 client no priming event, so a lone response answered at once has no id", async () => {
    await withServer({ responseMode: "sse" }, async (url) => {
      const id = await openSession(url, "2025-06-18");
      const res = await post(url, call("echo"), sessionHeaders(id, "2025-06-18"));
      assert.equal(res.headers.get("content-type"), "text/event-stream");
      const reader = new SseReader(res);
      const event = await reader.next();
      assert.equal(event?.id, undefined, "nothing could resume from before the first event of an unprimed stream");
      assert.deepEqual(JSON.parse(event!.data), { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "x" }] } });
      assert.equal(await reader.next(), undefined);
    }, chatty());
  });

  test("sse with eventStore: false sends no ids", async () => {
    await withServer({ responseMode: "sse", eventStore: false }, async (url) => {
      const id = await openSession(url);
      const reader = new SseReader(await post(url, call("echo"), sessionHeaders(id)));
      const event = await reader.next();
      assert.equal(event?.id, undefined);
      assert.equal(JSON.parse(event!.data).id, 1);
    }, chatty());
  });
});

describe("Streamable HTTP: resumability", () => {
  function gated(): { server: McpServer; open: () => void } {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const server = testServer();
    server.tool("gated", { description: "Logs, waits for the gate, answers" }, async (_args, ctx) => {
      ctx.log("info", "before");
      await gate;
      ctx.log("info", "after");
      return { content: [{ type: "text", text: "through" }] };
    });
    return { server, open };
  }
  const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "gated" } };

  test("a POST stream dropped mid-request: the request continues, GET with Last-Event-ID replays the rest of that stream only", async () => {
    const { server, open } = gated();
    await withServer({}, async (url, handler) => {
      const id = await openSession(url);
      // Something on the standalone stream that must not appear in the POST stream's replay.
      const get = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } }));
      await get.next();
      const reader = new SseReader(await post(url, call, sessionHeaders(id)));
      const priming = await reader.next();
      const before = await reader.next();
      assert.equal(JSON.parse(before!.data).params.data, "before");
      await reader.cancel();
      const session = handler.sessions.get(id)!;
      await waitFor(() => streamableStats(session)!.connections === 1, 5000, "the POST connection to close");
      handler.sessions.get(id)!.notify({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      assert.equal(session.inFlightCount, 1, "a dropped stream does not cancel the request");
      open();
      await waitFor(() => session.inFlightCount === 0, 5000, "the request to finish");
      const resumed = await fetch(url, { headers: { accept: "text/event-stream", "last-event-id": before!.id!, ...sessionHeaders(id) } });
      assert.equal(resumed.status, 200);
      const replay = new SseReader(resumed);
      assert.equal((await replay.nextMessage())?.params.data, "after");
      assert.deepEqual(await replay.nextMessage(), { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "through" }] } });
      assert.equal(await replay.next(), undefined, "a finished stream ends after its replay");
      // From the priming event the whole stream replays.
      const full = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", "last-event-id": priming!.id!, ...sessionHeaders(id) } }));
      assert.equal((await full.nextMessage())?.params.data, "before");
      await full.cancel();
      assert.deepEqual(await get.nextMessage(), { jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      await get.cancel();
    }, server);
  });

  test("resuming a live stream continues it live after the replay", async () => {
    const { server, open } = gated();
    await withServer({}, async (url) => {
      const id = await openSession(url);
      const reader = new SseReader(await post(url, call, sessionHeaders(id)));
      const priming = await reader.next();
      await reader.cancel();
      const resumed = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", "last-event-id": priming!.id!, ...sessionHeaders(id) } }));
      assert.equal((await resumed.nextMessage())?.params.data, "before");
      open();
      assert.equal((await resumed.nextMessage())?.params.data, "after");
      assert.equal((await resumed.nextMessage())?.id, 1);
      assert.equal(await resumed.next(), undefined);
    }, server);
  });

  test("closeSseConnections ends the GET connection, not the stream: messages sent meanwhile replay after Last-Event-ID", async () => {
    await withServer({}, async (url, handler) => {
      const id = await openSession(url);
      const session = handler.sessions.get(id)!;
      const get = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } }));
      const priming = await get.next();
      assert.equal(closeSseConnections(session), 1);
      assert.equal(await get.next(), undefined, "the connection ended");
      assert.equal(session.notify({ jsonrpc: "2.0", method: "notifications/tools/list_changed" }), true, "stored for the client");
      assert.equal(handler.sessions.size, 1);
      const resumed = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", "last-event-id": priming!.id!, ...sessionHeaders(id) } }));
      assert.deepEqual(await resumed.nextMessage(), { jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      session.notify({ jsonrpc: "2.0", method: "notifications/resources/list_changed" });
      assert.deepEqual(await resumed.nextMessage(), { jsonrpc: "2.0", method: "notifications/resources/list_changed" }, "then live");
      await resumed.cancel();
    });
  });

  test("polling in auto mode: closeConnection() before any message answers with a priming event, the result follows on resume", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const server = testServer();
    server.tool("test_reconnection", { description: "Closes its stream before answering" }, async (_args, ctx) => {
      const closed = ctx.closeConnection();
      await gate;
      return { content: [{ type: "text", text: `closed ${closed}` }] };
    });
    await withServer({ sseRetryMs: 100 }, async (url) => {
      const id = await openSession(url);
      const res = await post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "test_reconnection" } }, sessionHeaders(id));
      assert.equal(res.headers.get("content-type"), "text/event-stream");
      const reader = new SseReader(res);
      const priming = await reader.next();
      assert.deepEqual({ data: priming?.data, retry: priming?.retry, hasId: Boolean(priming?.id) }, { data: "", retry: 100, hasId: true });
      assert.equal(await reader.next(), undefined, "the connection closed without the result");
      const resumed = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", "last-event-id": priming!.id!, ...sessionHeaders(id) } }));
      open();
      assert.deepEqual(await resumed.nextMessage(), { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "closed true" }] } });
      assert.equal(await resumed.next(), undefined);
    }, server);
  });

  test("GET with Last-Event-ID replaces a connection the server still thinks is open", async () => {
    await withServer({}, async (url, handler) => {
      const id = await openSession(url);
      const stale = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } }));
      const priming = await stale.next();
      const fresh = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", "last-event-id": priming!.id!, ...sessionHeaders(id) } }));
      assert.equal(await stale.next(), undefined, "the old connection was closed");
      handler.sessions.get(id)!.notify({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      assert.deepEqual(await fresh.nextMessage(), { jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      assert.deepEqual(streamableStats(handler.sessions.get(id)!), { postStreams: 0, connections: 1 });
      await fresh.cancel();
    });
  });

  test("without an event store a dropped POST stream loses its messages, but the request runs to its end", async () => {
    const { server, open } = gated();
    await withServer({ eventStore: false }, async (url, handler) => {
      const id = await openSession(url);
      const reader = new SseReader(await post(url, call, sessionHeaders(id)));
      const first = await reader.next();
      assert.equal(first?.id, undefined, "no ids without a store");
      await reader.cancel();
      const session = handler.sessions.get(id)!;
      await waitFor(() => streamableStats(session)!.connections === 0, 5000, "the POST connection to close");
      open();
      await waitFor(() => session.inFlightCount === 0, 5000, "the request to finish");
      assert.deepEqual(streamableStats(session), { postStreams: 0, connections: 0 });
      assert.equal(handler.sessions.size, 1);
    }, server);
  });

  test("an unknown Last-Event-ID gets 400", async () => {
    await withServer({}, async (url) => {
      const id = await openSession(url);
      const res = await fetch(url, { headers: { accept: "text/event-stream", "last-event-id": "p99_12345", ...sessionHeaders(id) } });
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), error(-32600, "Bad Request: unknown or expired Last-Event-ID"));
    });
  });

  test("priming events carry retry: when sseRetryMs is set", async () => {
    await withServer({ sseRetryMs: 250 }, async (url) => {
      const id = await openSession(url);
      const reader = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } }));
      const priming = await reader.next();
      assert.equal(priming?.retry, 250);
      assert.equal(priming?.data, "");
      await reader.cancel();
    });
  });
});

describe("Streamable HTTP: stateless mode", () => {
  test("every POST is self-contained, no session id, nothing stays; GET and DELETE get 405", async () => {
    await withServer({ stateless: true }, async (url, handler) => {
      const res = await post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "a" } } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("mcp-session-id"), null);
      assert.deepEqual(await res.json(), { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "a" }] } });
      const init = await post(url, initializeMessage());
      assert.equal(init.headers.get("mcp-session-id"), null);
      assert.equal((await init.json()).result.protocolVersion, "2025-11-25");
      const note = await post(url, { jsonrpc: "2.0", method: "notifications/initialized" });
      assert.equal(note.status, 202);
      assert.equal(handler.sessions.size, 0);
      for (const method of ["GET", "DELETE"]) {
        const r = await fetch(url, { method, headers: { accept: "text/event-stream" } });
        assert.equal(r.status, 405, method);
        assert.equal(r.headers.get("allow"), "POST");
        assert.deepEqual(await r.json(), error(-32600, "Method Not Allowed: this server is stateless"));
      }
      const put = await fetch(url, { method: "PUT" });
      assert.equal(put.status, 405);
      assert.equal(put.headers.get("allow"), "POST");
      await put.body?.cancel();
    });
  });
});

describe("Streamable HTTP: stateless mode, a stream chosen before the handler's first await", () => {
  for (const responseMode of ["auto", "sse"] as const) {
    test(`a handler that logs before it awaits still answers on its stream, and its session closes after (${responseMode} mode)`, async () => {
      const server = testServer();
      let aborted: boolean | undefined;
      server.tool("logs-then-waits", { description: "Logs, waits a little, answers" }, async (_args, ctx) => {
        ctx.log("info", "working");
        await new Promise((resolve) => setTimeout(resolve, 20));
        aborted = ctx.signal.aborted;
        return { content: [{ type: "text", text: "done" }] };
      });
      await withServer({ stateless: true, responseMode }, async (url, handler) => {
        const res = await post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "logs-then-waits", arguments: {} } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-type"), "text/event-stream");
        const reader = new SseReader(res);
        assert.deepEqual(await reader.nextMessage(), { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "working" } });
        assert.deepEqual(await reader.nextMessage(), { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "done" }] } });
        assert.equal(await reader.next(), undefined, "the stream ends after the response");
        assert.equal(aborted, false, "the handler ran to its end unaborted");
        await waitFor(() => handler.sessions.size === 0, 5000, "the transient session to close");
      }, server);
    });
  }
});

describe("Streamable HTTP: stateless mode, client gone", () => {
  for (const responseMode of ["json", "sse"] as const) {
    test(`a client that goes mid-request ends the request's transient session (${responseMode} mode)`, async () => {
      await withServer({ stateless: true, responseMode }, async (url, handler) => {
        const ac = new AbortController();
        const pending = fetch(url, {
          method: "POST",
          headers: postHeaders(),
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: { ms: 60_000 } } }),
          signal: ac.signal,
        });
        await waitFor(() => handler.sessions.size === 1 && handler.sessions.get(handler.sessions.ids()[0])!.inFlightCount === 1, 5000, "the call to start");
        if (responseMode === "sse") {
          const reader = (await pending).body!.getReader();
          await reader.read(); // the first chunk (a comment: no store, no priming)
          await reader.cancel();
        } else {
          ac.abort();
          await pending.catch(() => {});
        }
        await waitFor(() => handler.sessions.size === 0, 5000, "the transient session to close");
      });
    });
  }
});

describe("Streamable HTTP: nothing outlives its use", () => {
  test("1,000 sessions abandoned without DELETE are all closed by the idle timeout", async () => {
    await withServer({ idleTimeoutMs: 300 }, async (url, handler) => {
      const ids = new Set<string>();
      for (let batch = 0; batch < 20; batch++) {
        await Promise.all(Array.from({ length: 50 }, async () => {
          const res = await post(url, initializeMessage());
          ids.add(res.headers.get("mcp-session-id")!);
          await res.body?.cancel();
        }));
      }
      assert.equal(ids.size, 1000);
      await waitFor(() => handler.sessions.size === 0, 10_000, "every session to time out");
      const res = await post(url, ping(), sessionHeaders([...ids][0]));
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), error(-32001, "Session not found"));
    });
  });

  test("a dropped GET stream lets the idle clock run: the session closes after the timeout", async () => {
    await withServer({ idleTimeoutMs: 200 }, async (url, handler) => {
      const id = await openSession(url);
      const reader = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } }));
      await reader.next();
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(handler.sessions.size, 1, "an open stream keeps the session");
      await reader.cancel();
      await waitFor(() => handler.sessions.size === 0, 5000, "the idle timeout after the drop");
    });
  });

  for (const responseMode of ["json", "auto", "sse"] as const) {
    test(`1,000 requests on one session (${responseMode} mode) leave no per-request state`, async () => {
      const eventStore = new MemoryEventStore({ maxEventsPerSession: 50 });
      await withServer({ responseMode, eventStore }, async (url, handler) => {
        const id = await openSession(url);
        const session = handler.sessions.get(id)!;
        const owned = session.ownedCount;
        for (let i = 0; i < 1000; i++) {
          const res = await post(url, { jsonrpc: "2.0", id: i, method: "tools/call", params: { name: "echo", arguments: { text: String(i) } } }, sessionHeaders(id));
          const text = await res.text();
          assert.ok(text.includes(`"text":"${i}"`), text);
        }
        assert.equal(session.inFlightCount, 0);
        assert.equal(session.pendingCount, 0);
        assert.equal(session.ownedCount, owned);
        assert.deepEqual(streamableStats(session), { postStreams: 0, connections: 0 });
        assert.equal(eventStore.eventCount(id), responseMode === "sse" ? 50 : 0);
        await fetch(url, { method: "DELETE", headers: sessionHeaders(id) });
        assert.equal(eventStore.sessionCount, 0, "the session's events go with it");
      });
    });
  }
});
