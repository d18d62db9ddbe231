/**
 * Adversarial tests from the whole-codebase review: each pins down a defect that was found and
 * fixed (see the commit that added it). In-process (`handler.fetch(new Request(...))`).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHandler, type HandlerOptions, type McpServer } from "../mod.ts";
import { testServer } from "./_fixtures.ts";
import { initializeMessage, postHeaders, sessionHeaders, SseReader } from "./_streamable.ts";
import { trackUnhandledRejections } from "./_timers.ts";
import { envelope, modernHeaders } from "./_modern.ts";

const BASE = "http://localhost";
type Handler = ReturnType<typeof createHandler>;

/** Opens a 2024-11-05 session in-process; returns its POST url, its stream and its id. */
async function openLegacy(handler: Handler) {
  const res = await handler.fetch(new Request(`${BASE}/sse`, { headers: { accept: "text/event-stream" } }));
  const reader = new SseReader(res);
  const endpoint = await reader.next();
  const url = new URL(endpoint!.data, BASE).href;
  const id = new URL(url).searchParams.get("sessionId")!;
  const send = (body: unknown) =>
    handler.fetch(new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
  return { url, reader, id, send };
}

/** Opens a legacy session and initializes it with `capabilities`. */
async function initializedLegacy(handler: Handler, capabilities: Record<string, unknown> = {}) {
  const legacy = await openLegacy(handler);
  const init = initializeMessage("2024-11-05", 0);
  (init.params as Record<string, unknown>).capabilities = capabilities;
  assert.equal((await legacy.send(init)).status, 202);
  assert.equal((await legacy.reader.nextMessage())?.id, 0);
  assert.equal((await legacy.send({ jsonrpc: "2.0", method: "notifications/initialized" })).status, 202);
  return legacy;
}

/** Opens a 2025-11-25 Streamable HTTP session in-process; returns its id. */
async function openStreamable(handler: Handler): Promise<string> {
  const res = await handler.fetch(new Request(`${BASE}/mcp`, { method: "POST", headers: postHeaders(), body: JSON.stringify(initializeMessage()) }));
  const id = res.headers.get("mcp-session-id")!;
  await res.text();
  const ack = await handler.fetch(new Request(`${BASE}/mcp`, {
    method: "POST",
    headers: postHeaders(sessionHeaders(id)),
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  }));
  assert.equal(ack.status, 202);
  return id;
}

function unserialisableServer(): McpServer {
  const server = testServer();
  // A handler bug: a BigInt cannot be written as JSON.
  server.tool("bigint", { description: "Returns a BigInt" }, () => ({ content: [], structuredContent: { n: 10n } }) as never);
  server.tool("bigask", { description: "Asks the client with a BigInt in the params" }, async (_args, ctx) => {
    await ctx.request("roots/list", { n: 10n } as never);
    return { content: [] };
  });
  return server;
}

describe("legacy SSE: what cannot be written as JSON crashes nothing", () => {
  test("a result that cannot be serialised is answered with -32603 on the stream, with no unhandled rejection", async () => {
    const handler = createHandler(unserialisableServer(), { keepAliveMs: 0 });
    const rejections = trackUnhandledRejections();
    try {
      const { reader, send } = await initializedLegacy(handler);
      assert.equal((await send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "bigint" } })).status, 202);
      const answer = await reader.nextMessage();
      assert.equal(answer?.id, 1);
      assert.equal(answer?.error?.code, -32603);
      // The stream is still usable.
      assert.equal((await send({ jsonrpc: "2.0", id: 2, method: "ping" })).status, 202);
      assert.deepEqual(await reader.nextMessage(), { jsonrpc: "2.0", id: 2, result: {} });
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.equal(rejections.count(), 0);
      await reader.cancel();
    } finally {
      rejections.restore();
      await handler.close();
    }
  });

  test("a server→client request that cannot be serialised fails at once and leaves no pending request", async () => {
    const handler = createHandler(unserialisableServer(), { keepAliveMs: 0, requestTimeoutMs: 60_000 });
    const rejections = trackUnhandledRejections();
    try {
      const { reader, send, id } = await initializedLegacy(handler, { roots: {} });
      assert.equal((await send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "bigask" } })).status, 202);
      const answer = await reader.nextMessage();
      assert.equal(answer?.id, 1);
      assert.equal(answer?.result?.isError, true);
      assert.equal(handler.sessions.get(id)?.pendingCount, 0);
      assert.equal(rejections.count(), 0);
      await reader.cancel();
    } finally {
      rejections.restore();
      await handler.close();
    }
  });
});

describe("one session, one transport", () => {
  test("a legacy POST naming a Streamable HTTP session gets 404, not 202 with its answer lost", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    try {
      const id = await openStreamable(handler);
      const res = await handler.fetch(new Request(`${BASE}/messages?sessionId=${id}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 5, method: "ping" }),
      }));
      assert.equal(res.status, 404);
      assert.equal((await res.json()).error.code, -32001);
      assert.equal(handler.sessions.get(id)?.inFlightCount, 0);
    } finally {
      await handler.close();
    }
  });
});

describe("timeouts beyond what a timer can hold", () => {
  test("idleTimeoutMs: Infinity keeps the session without a timer firing every millisecond", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0, idleTimeoutMs: Infinity });
    const original = globalThis.setTimeout;
    let fired = 0;
    globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      original((...a: unknown[]) => {
        fired++;
        fn(...a);
      }, ms, ...args)) as typeof setTimeout;
    try {
      const id = await openStreamable(handler);
      await new Promise((resolve) => original(resolve, 50));
      // Timers overflow past 2^31-1 ms and fire at once; re-armed each time, that is a spin.
      assert.ok(fired < 5, `${fired} timers fired`);
      assert.ok(handler.sessions.get(id));
    } finally {
      globalThis.setTimeout = original;
      await handler.close();
    }
  });

  test("requestTimeoutMs: Infinity lets a server→client request wait for its answer", async () => {
    const server = testServer();
    server.tool("roots", { description: "Asks for the roots" }, async (_args, ctx) => ({
      content: [{ type: "text", text: JSON.stringify(await ctx.request("roots/list")) }],
    }));
    const handler = createHandler(server, { keepAliveMs: 0, requestTimeoutMs: Infinity });
    try {
      const { reader, send } = await initializedLegacy(handler, { roots: {} });
      await send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "roots" } });
      const asked = await reader.nextMessage();
      assert.equal(asked?.method, "roots/list");
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal((await send({ jsonrpc: "2.0", id: asked!.id, result: { roots: [] } })).status, 202);
      const answer = await reader.nextMessage();
      assert.deepEqual(answer?.result?.content, [{ type: "text", text: JSON.stringify({ roots: [] }) }]);
      await reader.cancel();
    } finally {
      await handler.close();
    }
  });
});

describe("keep-alive beyond what a timer can hold", () => {
  test("keepAliveMs: Infinity sends no keep-alive at all (not one every millisecond)", async () => {
    const { SseStream } = await import("../src/sse.ts");
    const stream = new SseStream({ keepAliveMs: Infinity });
    const reader = stream.readable.pipeThrough(new TextDecoderStream()).getReader();
    await new Promise((resolve) => setTimeout(resolve, 30));
    stream.send({ data: "x" });
    stream.close();
    let text = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
    assert.equal(text, "data: x\n\n");
  });
});

describe("every end reaches the single close (pins for gaps no other test caught)", () => {
  test("DELETE while a tool runs: the handler's signal aborts and nothing of the request stays", async () => {
    const server = testServer();
    let aborted = false;
    let settled = false;
    server.tool("hang", { description: "Runs until aborted" }, (_args, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          aborted = true;
          settled = true;
          reject(ctx.signal.reason);
        }, { once: true });
      }));
    const handler = createHandler(server, { keepAliveMs: 0, responseMode: "json" });
    try {
      const id = await openStreamable(handler);
      const call = handler.fetch(new Request(`${BASE}/mcp`, {
        method: "POST",
        headers: postHeaders(sessionHeaders(id)),
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "hang" } }),
      }));
      await new Promise((resolve) => setTimeout(resolve, 0));
      const session = handler.sessions.get(id)!;
      assert.equal(session.inFlightCount, 1);
      const deleted = await handler.fetch(new Request(`${BASE}/mcp`, { method: "DELETE", headers: sessionHeaders(id) }));
      assert.equal(deleted.status, 200);
      assert.equal(aborted, true, "the handler saw its signal abort");
      const answer = await call;
      assert.equal(answer.status, 404);
      await answer.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.equal(settled, true);
      assert.equal(session.inFlightCount, 0);
      assert.equal(session.ownedCount, 0);
      assert.equal(handler.sessions.size, 0);
    } finally {
      await handler.close();
    }
  });

  test("a GET stream whose request aborts (no cancel(), as on Node) frees its place: the next GET is not 409", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    try {
      const id = await openStreamable(handler);
      const controller = new AbortController();
      const first = await handler.fetch(new Request(`${BASE}/mcp`, { headers: { accept: "text/event-stream", ...sessionHeaders(id) }, signal: controller.signal }));
      assert.equal(first.status, 200);
      controller.abort(); // the body is never cancelled
      const second = await handler.fetch(new Request(`${BASE}/mcp`, { headers: { accept: "text/event-stream", ...sessionHeaders(id) } }));
      assert.equal(second.status, 200);
      await second.body?.cancel();
    } finally {
      await handler.close();
    }
  });
});

describe("shutdown covers what arrives after it", () => {
  const modernPost = (handler: Handler, body: { method: string; params?: Record<string, unknown> }) =>
    handler.fetch(new Request(`${BASE}/mcp`, { method: "POST", headers: modernHeaders(body), body: JSON.stringify(body) }));

  test("after close() a 2026 listen is refused (503), not left open for ever", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    await handler.close({ graceMs: 0 });
    const res = await modernPost(handler, {
      jsonrpc: "2.0", id: 1, method: "subscriptions/listen", params: { notifications: { toolsListChanged: true }, _meta: envelope() },
    } as never);
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error.code, -32603);
    assert.equal(handler.openListens, 0);
  });

  test("after close() a 2026 request is refused (503), not run where no shutdown will end it", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    await handler.close({ graceMs: 0 });
    const res = await modernPost(handler, {
      jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "slow", arguments: { ms: 60_000 }, _meta: envelope() },
    } as never);
    assert.equal(res.status, 503);
    assert.equal((await res.json()).id, 2);
    assert.equal(handler.modernInFlight, 0);
  });
});

describe("a handler's own signal adds to the request's, never replaces it", () => {
  test("ctx.request with { signal }: cancelling the tool call still ends the wait for the client's answer", async () => {
    const server = testServer();
    server.tool("ask_own_signal", { description: "Asks with a signal of its own" }, async (_args, ctx) => {
      await ctx.request("roots/list", undefined, { signal: new AbortController().signal });
      return { content: [] };
    });
    const handler = createHandler(server, { keepAliveMs: 0, requestTimeoutMs: 60_000 });
    try {
      const { reader, send, id } = await initializedLegacy(handler, { roots: {} });
      await send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "ask_own_signal" } });
      const asked = await reader.nextMessage();
      assert.equal(asked?.method, "roots/list");
      const session = handler.sessions.get(id)!;
      assert.equal(session.pendingCount, 1);
      await send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } });
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.equal(session.pendingCount, 0, "the wait ended with the cancellation, not with the timeout");
      const told = await reader.nextMessage();
      assert.deepEqual([told?.method, told?.params?.requestId], ["notifications/cancelled", asked!.id]);
      await reader.cancel();
    } finally {
      await handler.close({ graceMs: 0 });
    }
  });
});

describe("a log that cannot be written as JSON is dropped on every generation", () => {
  test("2026: ctx.log with a BigInt neither fails the tool nor opens a stream", async () => {
    const server = testServer();
    server.tool("log_bigint", { description: "Logs a BigInt, then answers" }, (_args, ctx) => {
      ctx.log("info", { n: 10n });
      return { content: [{ type: "text", text: "ok" }] };
    });
    const handler = createHandler(server, { keepAliveMs: 0 });
    try {
      const body = {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "log_bigint", arguments: {}, _meta: envelope({ "io.modelcontextprotocol/logLevel": "debug" }) },
      };
      const res = await handler.fetch(new Request(`${BASE}/mcp`, { method: "POST", headers: modernHeaders(body), body: JSON.stringify(body) }));
      assert.equal(res.headers.get("content-type"), "application/json");
      const answer = await res.json();
      assert.equal(answer.result.isError, undefined);
      assert.deepEqual(answer.result.content, [{ type: "text", text: "ok" }]);
    } finally {
      await handler.close({ graceMs: 0 });
    }
  });
});

describe("a request counts as active until its response is chosen, however it ends", () => {
  /** True when close() (with a minute's grace) finished before `ms`: nothing was counted as active. */
  async function closesAtOnce(handler: Handler, ms = 3000): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
    try {
      return await Promise.race([handler.close({ graceMs: 60_000 }).then(() => true as const), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  const answered: Array<[string, (handler: Handler) => Promise<Response>, number, HandlerOptions?]> = [
    ["answered at once (404)", (h) => h.fetch(new Request(`${BASE}/nowhere`)), 404],
    ["answered after its body (a POST)", (h) => h.fetch(new Request(`${BASE}/mcp`, { method: "POST", headers: postHeaders(), body: JSON.stringify(initializeMessage()) })), 200],
    ["refused by a failing auth hook (its 500)", (h) => h.fetch(new Request(`${BASE}/mcp`, { method: "POST", headers: postHeaders(), body: "{}" })), 500, {
      auth: { authenticate: () => Promise.reject(new Error("db down")) },
    }],
    ["failed unexpectedly (a message handler factory that throws: 500)", (h) => h.fetch(new Request(`${BASE}/mcp`, { method: "POST", headers: postHeaders(), body: JSON.stringify(initializeMessage()) })), 500, {
      messageHandler: () => {
        throw new Error("factory down");
      },
    }],
  ];
  for (const [how, send, status, options] of answered) {
    test(`${how}: close() then has nothing to wait for`, async () => {
      const handler = createHandler(testServer(), { keepAliveMs: 0, ...options });
      const response = await send(handler);
      assert.equal(response.status, status);
      await response.body?.cancel();
      assert.equal(await closesAtOnce(handler), true, "close() waited: the request still counted as active");
    });
  }
});

describe("fetch always answers with a promise", () => {
  test("something that is not a Request is a rejected promise, never a synchronous throw", async () => {
    const handler = createHandler(testServer(), { keepAliveMs: 0 });
    try {
      let answer: Promise<Response> | undefined;
      assert.doesNotThrow(() => {
        answer = handler.fetch({} as Request);
      });
      await assert.rejects(answer!);
    } finally {
      await handler.close();
    }
  });
});
