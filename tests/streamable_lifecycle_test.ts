import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHandler, type HandlerOptions, type McpServer, streamableStats } from "../mod.ts";
import { testServer } from "./_fixtures.ts";
import { serveHandler, waitFor } from "./_serve.ts";
import { initializeMessage, post, sessionHeaders, SseReader } from "./_streamable.ts";

function rootsServer(): McpServer {
  const server = testServer();
  server.tool("roots", { description: "Asks the client for its roots" }, async (_args, ctx) => {
    const result = await ctx.request("roots/list");
    return { content: [{ type: "text", text: JSON.stringify(result) }] };
  });
  return server;
}

async function withServer(options: HandlerOptions, server: McpServer, run: (url: string, handler: ReturnType<typeof createHandler>) => Promise<void>) {
  const handler = createHandler(server, options);
  const served = await serveHandler(handler);
  try {
    await run(`${served.url}/mcp`, handler);
  } finally {
    await served.close();
  }
}

/** Opens a session whose client declares the roots capability. */
async function openRootsSession(url: string): Promise<string> {
  const init = initializeMessage();
  (init.params as Record<string, unknown>).capabilities = { roots: {} };
  const res = await post(url, init);
  const id = res.headers.get("mcp-session-id")!;
  await res.body?.cancel();
  await (await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, sessionHeaders(id))).body?.cancel();
  return id;
}

const callRoots = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "roots" } };
const rootsAnswer = (id: string) => ({ jsonrpc: "2.0", id, result: { roots: [{ uri: "file:///tmp" }] } });

describe("Streamable HTTP: server→client requests, cancellation, shutdown", () => {
  test("auto mode: a server→client request turns the POST's answer into a stream that ends after the result", async () => {
    await withServer({}, rootsServer(), async (url, handler) => {
      const id = await openRootsSession(url);
      const res = await post(url, callRoots, sessionHeaders(id));
      assert.equal(res.headers.get("content-type"), "text/event-stream");
      const reader = new SseReader(res);
      const request = await reader.nextMessage();
      assert.equal(request?.method, "roots/list");
      const answer = await post(url, rootsAnswer(request!.id), sessionHeaders(id));
      assert.equal(answer.status, 202);
      const result = await reader.nextMessage();
      assert.deepEqual(result, {
        jsonrpc: "2.0",
        id: 1,
        result: { content: [{ type: "text", text: JSON.stringify({ roots: [{ uri: "file:///tmp" }] }) }] },
      });
      assert.equal(await reader.next(), undefined);
      const session = handler.sessions.get(id)!;
      assert.equal(session.pendingCount, 0);
      assert.deepEqual(streamableStats(session), { postStreams: 0, connections: 0 });
    });
  });

  test("json mode: the server→client request goes to the GET stream, the result comes as JSON", async () => {
    await withServer({ responseMode: "json" }, rootsServer(), async (url) => {
      const id = await openRootsSession(url);
      const get = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } }));
      await get.next();
      const pending = post(url, callRoots, sessionHeaders(id));
      const request = await get.nextMessage();
      assert.equal(request?.method, "roots/list");
      await (await post(url, rootsAnswer(request!.id), sessionHeaders(id))).body?.cancel();
      const res = await pending;
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.equal((await res.json()).id, 1);
      await get.cancel();
    });
  });

  test("json mode without a GET stream: the server→client request fails at once, as an error result", async () => {
    await withServer({ responseMode: "json" }, rootsServer(), async (url) => {
      const id = await openRootsSession(url);
      const res = await post(url, callRoots, sessionHeaders(id));
      const body = await res.json();
      assert.equal(body.id, 1);
      assert.equal(body.result.isError, true);
    });
  });

  for (const responseMode of ["json", "auto", "sse"] as const) {
    // A POST carrying a request is never 202 (the spec keeps that for notifications and responses);
    // a cancelled request gets no response, so its answer is an SSE stream over with no message
    // (the client accepts text/event-stream on every POST), in JSON mode too.
    test(`a cancelled request (${responseMode} mode): its POST is an SSE stream that ends without a response, and nothing stays`, async () => {
      await withServer({ responseMode }, testServer(), async (url, handler) => {
        const res = await post(url, initializeMessage());
        const id = res.headers.get("mcp-session-id")!;
        await res.body?.cancel();
        const session = handler.sessions.get(id)!;
        const owned = session.ownedCount;
        const pending = post(url, { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "slow", arguments: { ms: 60_000 } } }, sessionHeaders(id));
        await waitFor(() => session.inFlightCount === 1, 5000, "the call to start");
        const cancel = await post(url, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 5 } }, sessionHeaders(id));
        assert.equal(cancel.status, 202);
        const answer = await pending;
        assert.equal(answer.status, 200);
        assert.equal(answer.headers.get("content-type"), "text/event-stream");
        const reader = new SseReader(answer);
        assert.equal(await reader.nextMessage(), undefined, "no response on the stream");
        assert.equal(session.inFlightCount, 0);
        assert.equal(session.ownedCount, owned);
        assert.deepEqual(streamableStats(session), { postStreams: 0, connections: 0 });
      });
    });
  }

  test("handler.close({ graceMs: 0 }): open streams end, a pending JSON request gets 404 'Session closed', 0 sessions", async () => {
    const handler = createHandler(testServer(), { responseMode: "json" });
    const served = await serveHandler(handler);
    const url = `${served.url}/mcp`;
    try {
      const res = await post(url, initializeMessage());
      const id = res.headers.get("mcp-session-id")!;
      await res.body?.cancel();
      const get = new SseReader(await fetch(url, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } }));
      await get.next();
      const pending = post(url, { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "slow" } }, sessionHeaders(id));
      await waitFor(() => handler.sessions.get(id)?.inFlightCount === 1, 5000, "the call to start");
      // No grace period: the in-flight call is cut at once (the default would wait for it 5 s).
      await handler.close({ graceMs: 0 });
      assert.equal(handler.sessions.size, 0);
      const answer = await pending;
      assert.equal(answer.status, 404);
      assert.deepEqual(await answer.json(), { jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session closed" } });
      assert.equal(await get.next(), undefined, "the GET stream ended");
    } finally {
      await served.close();
    }
  });
});

describe("Streamable HTTP: a handler's bad result or a failing event store crash nothing", () => {
  function badServer(): McpServer {
    const server = testServer();
    server.method("custom/bigint", () => ({ value: 1n as unknown as number }));
    server.tool("chatty_bigint", { description: "Logs, then returns an unserialisable result" }, (_args, ctx) => {
      ctx.log("info", "x");
      return { content: [{ type: "text", text: "x" }], structuredContent: { n: 1n } } as never;
    });
    return server;
  }

  for (const responseMode of ["json", "auto"] as const) {
    test(`an unserialisable result is answered with -32603 (${responseMode} mode)`, async () => {
      await withServer({ responseMode }, badServer(), async (url) => {
        const res = await post(url, initializeMessage());
        const id = res.headers.get("mcp-session-id")!;
        await res.body?.cancel();
        const answer = await post(url, { jsonrpc: "2.0", id: 3, method: "custom/bigint" }, sessionHeaders(id));
        assert.equal(answer.status, 200);
        const body = await answer.json();
        assert.equal(body.id, 3);
        assert.equal(body.error.code, -32603);
        assert.match(body.error.message, /^Response could not be serialized/);
        const streamed = await post(url, { jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "chatty_bigint" } }, sessionHeaders(id));
        const text = await streamed.text();
        assert.match(text, /"id":4,"error":\{"code":-32603,"message":"Response could not be serialized/);
      });
    });
  }

  test("an event store that throws: events go out without ids, requests are answered", async () => {
    const eventStore = {
      append(): string {
        throw new Error("store down");
      },
      replayAfter: () => undefined,
      dropSession() {},
    };
    await withServer({ responseMode: "sse", eventStore }, testServer(), async (url) => {
      const res = await post(url, initializeMessage());
      const id = res.headers.get("mcp-session-id")!;
      const init = new SseReader(res);
      assert.equal((await init.nextMessage())?.result.protocolVersion, "2025-11-25");
      const reader = new SseReader(await post(url, { jsonrpc: "2.0", id: 2, method: "ping" }, sessionHeaders(id)));
      const event = await reader.next();
      assert.equal(event?.id, undefined);
      assert.deepEqual(JSON.parse(event!.data), { jsonrpc: "2.0", id: 2, result: {} });
    });
  });
});

describe("Streamable HTTP: what Bun needs from an SSE response", () => {
  test("every SSE response has a first chunk at once and lifts the runtime's idle limit for its request", async () => {
    const handler = createHandler(testServer(), { responseMode: "sse" });
    const timeouts: Array<[Request, number]> = [];
    const platform = { timeout: (request: Request, seconds: number) => timeouts.push([request, seconds]) };
    const call = (init: RequestInit & { headers: Record<string, string> }) => handler.fetch(new Request("http://127.0.0.1/mcp", init), platform);
    const decoder = new TextDecoder();
    try {
      const initRequest = { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify(initializeMessage("2025-06-18")) };
      const init = await call(initRequest);
      const id = init.headers.get("mcp-session-id")!;
      await init.text();
      const get = await call({ method: "GET", headers: { accept: "text/event-stream", ...sessionHeaders(id, "2025-06-18") } });
      const reader = get.body!.getReader();
      const first = await reader.read();
      assert.equal(decoder.decode(first.value), ": stream open\n\n", "a comment, since 2025-06-18 clients get no priming event");
      assert.ok(timeouts.some(([r, s]) => r.method === "GET" && s === 0), "the GET stream's request has no idle limit");
      const postTimeouts = timeouts.filter(([r]) => r.method === "POST").length;
      const res = await call({ method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...sessionHeaders(id, "2025-06-18") }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) });
      assert.equal(res.headers.get("content-type"), "text/event-stream");
      assert.ok(timeouts.filter(([r]) => r.method === "POST").length > postTimeouts, "the POST stream's request has no idle limit");
      await reader.cancel();
      await res.text();
    } finally {
      await handler.close();
    }
  });
});

describe("Streamable HTTP and legacy SSE share one session cap", () => {
  test("with maxSessions live sessions of either transport, the other transport's new session gets 503 + Retry-After", async () => {
    await withServer({ maxSessions: 1 }, testServer(), async (url, handler) => {
      const res = await post(url, initializeMessage());
      const id = res.headers.get("mcp-session-id")!;
      await res.body?.cancel();
      const legacy = await fetch(url.replace(/\/mcp$/, "/sse"), { headers: { accept: "text/event-stream" } });
      assert.equal(legacy.status, 503);
      assert.equal(legacy.headers.get("retry-after"), "10");
      assert.deepEqual(await legacy.json(), { jsonrpc: "2.0", id: null, error: { code: -32603, message: "Service Unavailable: too many sessions, try again later" } });
      await fetch(url, { method: "DELETE", headers: sessionHeaders(id) });
      const legacy2 = await fetch(url.replace(/\/mcp$/, "/sse"), { headers: { accept: "text/event-stream" } });
      assert.equal(legacy2.status, 200);
      await waitFor(() => handler.sessions.size === 1, 2000, "the legacy session");
      const again = await post(url, initializeMessage("2025-11-25", 2));
      assert.equal(again.status, 503);
      assert.deepEqual(await again.json(), { jsonrpc: "2.0", id: 2, error: { code: -32603, message: "Service Unavailable: too many sessions, try again later" } });
      await legacy2.body?.cancel();
    });
  });
});

describe("Streamable HTTP: a failed initialize in sse mode", () => {
  test("the stream carries the error and ends; the session it named is gone (404)", async () => {
    await withServer({ responseMode: "sse" }, testServer(), async (url, handler) => {
      const res = await post(url, { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25" } });
      assert.equal(res.headers.get("content-type"), "text/event-stream");
      const id = res.headers.get("mcp-session-id")!;
      const reader = new SseReader(res);
      const answer = await reader.nextMessage();
      assert.equal(answer?.error.code, -32602);
      assert.equal(await reader.next(), undefined);
      await waitFor(() => handler.sessions.size === 0, 2000, "the failed session to close");
      const after = await post(url, { jsonrpc: "2.0", id: 2, method: "ping" }, sessionHeaders(id));
      assert.equal(after.status, 404);
      assert.deepEqual(await after.json(), { jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } });
    });
  });
});
