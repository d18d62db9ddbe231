import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { Client } from "./_sdk.ts";
import { StreamableHTTPClientTransport } from "./_sdk.ts";
import { McpServer as SdkMcpServer } from "./_sdk.ts";
import { ListRootsRequestSchema, ListRootsResultSchema } from "./_sdk.ts";
import type { HandlerOptions, TetherHandler } from "../mod.ts";
import { createSdkHandler } from "../adapters/sdk.ts";
import { serveHandler, waitFor } from "./_serve.ts";
import { openSession, post, sessionHeaders } from "./_streamable.ts";
import { post as modernPost, request as modernRequest } from "./_modern.ts";

/** Counts, per SDK server made, how often the SDK saw its transport close. */
interface Made {
  closes: number;
  /** How often the "wait" tool's signal aborted. */
  aborts: number;
}

/** An SDK server with tools that exercise progress, server→client requests and cancellation. */
function sdkFactory(made: Made[], gate?: Promise<void>) {
  return () => {
    const record: Made = { closes: 0, aborts: 0 };
    made.push(record);
    const server = new SdkMcpServer({ name: "sdk-streamable", version: "1.0.0" });
    server.registerTool("echo", { description: "Echoes", inputSchema: { text: z.string() } }, ({ text }) => ({
      content: [{ type: "text", text }],
    }));
    server.registerTool("count", { description: "Reports progress n times", inputSchema: { n: z.number() } }, async ({ n }, extra) => {
      for (let i = 1; i <= n; i++) {
        const progressToken = extra._meta?.progressToken;
        if (progressToken !== undefined) {
          await extra.sendNotification({ method: "notifications/progress", params: { progressToken, progress: i, total: n } });
        }
      }
      return { content: [{ type: "text", text: `counted ${n}` }] };
    });
    server.registerTool("roots", { description: "Asks the client for its roots" }, async (extra) => {
      const result = await extra.sendRequest({ method: "roots/list" }, ListRootsResultSchema);
      return { content: [{ type: "text", text: result.roots.map((r) => r.uri).join(",") }] };
    });
    server.registerTool("wait", { description: "Waits for the test's gate or an abort" }, (extra) =>
      new Promise((resolve, reject) => {
        extra.signal.addEventListener("abort", () => {
          record.aborts++;
          reject(new Error("aborted"));
        }, { once: true });
        void gate?.then(() => resolve({ content: [{ type: "text", text: "released" }] }));
      }));
    server.server.onclose = () => record.closes++;
    return server;
  };
}

async function withSdkClient(
  options: HandlerOptions,
  run: (client: Client, transport: StreamableHTTPClientTransport, url: string, handler: TetherHandler, made: Made[]) => Promise<void>,
  gate?: Promise<void>,
): Promise<void> {
  const made: Made[] = [];
  const handler = createSdkHandler(sdkFactory(made, gate), options);
  const served = await serveHandler(handler);
  const client = new Client({ name: "sdk-client", version: "1" }, { capabilities: { roots: {} } });
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: "file:///a" }, { uri: "file:///b" }] }));
  const transport = new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`));
  try {
    await client.connect(transport);
    await run(client, transport, `${served.url}/mcp`, handler, made);
  } finally {
    await client.close().catch(() => {});
    await served.close();
  }
}

for (const responseMode of ["auto", "json", "sse"] as const) {
  test(`SDK bridge over Streamable HTTP (${responseMode}): tools, progress; DELETE → SDK onclose once, POST to the old id → 404, 0 sessions`, async () => {
    await withSdkClient({ responseMode }, async (client, transport, url, handler, made) => {
      assert.equal(client.getServerVersion()?.name, "sdk-streamable");
      const echoed = await client.callTool({ name: "echo", arguments: { text: "hi" } });
      assert.deepEqual(echoed.content, [{ type: "text", text: "hi" }]);
      const seen: number[] = [];
      const counted = await client.callTool({ name: "count", arguments: { n: 3 } }, undefined, { onprogress: (p) => seen.push(p.progress) });
      assert.deepEqual(counted.content, [{ type: "text", text: "counted 3" }]);
      // json mode answers with one JSON body: progress goes to the GET stream if one is open yet.
      if (responseMode !== "json") assert.deepEqual(seen, [1, 2, 3]);
      const id = transport.sessionId!;
      assert.equal(handler.sessions.get(id)?.protocolVersion, transport.protocolVersion);
      await transport.terminateSession();
      assert.equal(handler.sessions.size, 0);
      assert.deepEqual(made.map((m) => m.closes), [1]);
      const after = await post(url, { jsonrpc: "2.0", id: 9, method: "tools/list" }, sessionHeaders(id));
      assert.equal(after.status, 404);
      assert.equal((await after.json()).error.code, -32001);
    });
  });
}

test("SDK bridge over Streamable HTTP: a server→client request (roots/list) from an SDK tool is answered through Tether", async () => {
  await withSdkClient({}, async (client) => {
    const result = await client.callTool({ name: "roots", arguments: {} });
    assert.deepEqual(result.content, [{ type: "text", text: "file:///a,file:///b" }]);
  });
});

/** Raw HTTP (no GET stream, which would rightly keep a session from idling): json mode. */
async function withRawSession(
  options: HandlerOptions,
  run: (url: string, id: string, handler: TetherHandler, made: Made[]) => Promise<void>,
  gate?: Promise<void>,
): Promise<void> {
  const made: Made[] = [];
  const handler = createSdkHandler(sdkFactory(made, gate), { responseMode: "json", ...options });
  const served = await serveHandler(handler);
  try {
    const url = `${served.url}/mcp`;
    await run(url, await openSession(url), handler, made);
  } finally {
    await served.close();
  }
}

const callWait = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "wait", arguments: {} } });

test("SDK bridge over Streamable HTTP: the idle timeout closes the session and its SDK server once", async () => {
  await withRawSession({ idleTimeoutMs: 50 }, async (url, id, handler, made) => {
    assert.equal(handler.sessions.size, 1);
    await waitFor(() => handler.sessions.size === 0, 5000, "idle timeout");
    assert.equal(made[0].closes, 1);
    const after = await post(url, { jsonrpc: "2.0", id: 1, method: "ping" }, sessionHeaders(id));
    assert.equal(after.status, 404);
  });
});

test("SDK bridge over Streamable HTTP: a request in flight keeps the idle timeout off; its end lets it run", async () => {
  const gate = Promise.withResolvers<void>();
  await withRawSession({ idleTimeoutMs: 30 }, async (url, id, handler, made) => {
    const call = post(url, callWait(5), sessionHeaders(id));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(handler.sessions.size, 1, "the session outlived its idle timeout while a request was in flight");
    gate.resolve();
    const res = await call;
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).result.content, [{ type: "text", text: "released" }]);
    await waitFor(() => handler.sessions.size === 0, 5000, "idle timeout after the request");
    assert.equal(made[0].closes, 1);
  }, gate.promise);
});

test("SDK bridge over Streamable HTTP: a cancelled request releases its hold (the idle timeout then closes the session)", async () => {
  await withRawSession({ idleTimeoutMs: 30 }, async (url, id, handler, made) => {
    const call = post(url, callWait(7), sessionHeaders(id)).then((r) => r.body?.cancel(), () => {});
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(handler.sessions.size, 1);
    const cancel = await post(url, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7 } }, sessionHeaders(id));
    assert.equal(cancel.status, 202);
    await call;
    await waitFor(() => handler.sessions.size === 0, 5000, "idle timeout after the cancel");
    assert.equal(made[0].closes, 1);
  });
});

test("SDK bridge over Streamable HTTP: an initialize the SDK server rejects leaves no session", async () => {
  const made: Made[] = [];
  const handler = createSdkHandler(sdkFactory(made), { responseMode: "json" });
  const served = await serveHandler(handler);
  try {
    const res = await post(`${served.url}/mcp`, { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25" } });
    const body = await res.json();
    assert.equal(body.id, 1);
    assert.equal(typeof body.error?.code, "number");
    await waitFor(() => handler.sessions.size === 0, 5000, "the failed session to close");
    assert.deepEqual(made.map((m) => m.closes), [1]);
  } finally {
    await served.close();
  }
});

test("SDK bridge: a 2026-07-28 (sessionless) request is refused, not answered by an empty server", async () => {
  const made: Made[] = [];
  const handler = createSdkHandler(sdkFactory(made));
  const served = await serveHandler(handler);
  try {
    const res = await modernPost(served.url, modernRequest(1, "tools/list"));
    assert.ok(res.status >= 400, `status ${res.status}`);
    const body = await res.json();
    assert.equal(body.result, undefined);
    assert.equal(typeof body.error?.code, "number");
    assert.equal(handler.sessions.size, 0);
    assert.equal(made.length, 0);
  } finally {
    await served.close();
  }
});

test("SDK bridge over Streamable HTTP (sse): a cancelled request's POST stream ends without a response", async () => {
  await withRawSession({ responseMode: "sse" }, async (url, id, handler) => {
    const res = await post(url, callWait(11), sessionHeaders(id));
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const cancel = await post(url, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 11 } }, sessionHeaders(id));
    assert.equal(cancel.status, 202);
    const text = await res.text(); // resolves only when the stream ends
    assert.doesNotMatch(text, /"id":11/);
    assert.equal(handler.sessions.size, 1);
  });
});

test("SDK bridge: an async factory's server gets the messages that arrived before it connected, in order", async () => {
  const made: Made[] = [];
  const make = sdkFactory(made);
  const handler = createSdkHandler(async () => {
    await new Promise((r) => setTimeout(r, 30));
    return make();
  }, { responseMode: "json" });
  const served = await serveHandler(handler);
  try {
    const url = `${served.url}/mcp`;
    const id = await openSession(url);
    const res = await post(url, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "echo", arguments: { text: "late" } } }, sessionHeaders(id));
    assert.deepEqual((await res.json()).result.content, [{ type: "text", text: "late" }]);
    assert.equal(made.length, 1);
  } finally {
    await served.close();
  }
});

for (const responseMode of ["json", "auto"] as const) {
  test(`SDK bridge (${responseMode}): an async factory that rejects answers initialize with -32603 naming the cause, and no session remains`, async () => {
    const handler = createSdkHandler(() => Promise.reject(new Error("no server today")), { responseMode });
    const served = await serveHandler(handler);
    try {
      const res = await post(`${served.url}/mcp`, { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } } });
      assert.equal(res.headers.get("mcp-session-id"), null);
      const body = await res.json();
      assert.equal(body.id, 0);
      assert.equal(body.error.code, -32603);
      assert.match(body.error.message, /no server today/);
      await waitFor(() => handler.sessions.size === 0, 5000, "the session to close");
    } finally {
      await served.close();
    }
  });
}

test("SDK bridge over Streamable HTTP: a request past handlerTimeoutMs is answered with the timeout error, the SDK handler is aborted, nothing stays pending", async () => {
  await withRawSession({ handlerTimeoutMs: 50 }, async (url, id, handler, made) => {
    const session = handler.sessions.get(id)!;
    const owned = session.ownedCount;
    // Without the deadline the request would never be answered: bound the wait so that shows as a failure.
    let bound: ReturnType<typeof setTimeout> | undefined;
    const res = await Promise.race([
      post(url, callWait(5), sessionHeaders(id)),
      new Promise<never>((_, reject) => (bound = setTimeout(() => reject(new Error("no answer: the handler timeout was not applied")), 5000))),
    ]).finally(() => clearTimeout(bound));
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.id, 5);
    assert.equal(body.error.code, -32603);
    assert.match(body.error.message, /timed out after 50 ms/);
    await waitFor(() => made[0].aborts === 1, 5000, "the SDK tool's signal to abort");
    await waitFor(() => session.ownedCount === owned, 5000, "the bridge to forget the request");
    // The session goes on: the next request is answered by the same SDK server.
    const next = await post(url, { jsonrpc: "2.0", id: 6, method: "tools/call", params: { name: "echo", arguments: { text: "after" } } }, sessionHeaders(id));
    assert.deepEqual((await next.json()).result.content, [{ type: "text", text: "after" }]);
    assert.equal(session.ownedCount, owned);
    assert.equal(made[0].aborts, 1);
  });
});
