import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { Client } from "./_sdk.ts";
import { SSEClientTransport } from "./_sdk.ts";
import { McpServer as SdkMcpServer } from "./_sdk.ts";
import { createSdkHandler, type SdkServerFactory } from "../adapters/sdk.ts";
import { serveHandler, waitFor } from "./_serve.ts";

/** An SDK server factory that records what happens to the servers it made. */
function recordingFactory() {
  const made: { sessionId: string; closes: number; aborted: boolean }[] = [];
  let releaseSlow: (() => void) | undefined;
  const slowStarted = Promise.withResolvers<void>();
  const factory: SdkServerFactory = (session) => {
    const record = { sessionId: session.id, closes: 0, aborted: false };
    made.push(record);
    const server = new SdkMcpServer({ name: "sdk-over-tether", version: "1.0.0" });
    server.registerTool("echo", { description: "Echoes", inputSchema: { text: z.string() } }, ({ text }) => ({
      content: [{ type: "text", text }],
    }));
    server.registerTool("whoami", { description: "The session id the SDK sees" }, (extra) => ({
      content: [{ type: "text", text: String(extra.sessionId) }],
    }));
    server.registerTool("slow", { description: "Waits until aborted" }, (extra) =>
      new Promise((_resolve, reject) => {
        slowStarted.resolve();
        releaseSlow = () => reject(new Error("released"));
        extra.signal.addEventListener("abort", () => {
          record.aborted = true;
          reject(new Error("aborted"));
        }, { once: true });
      }));
    server.server.onclose = () => record.closes++;
    return server;
  };
  return { factory, made, slowStarted: slowStarted.promise, releaseSlow: () => releaseSlow?.() };
}

/**
 * Connects an SDK client over legacy SSE and records it in `clients`, so the test's `finally`
 * closes it even when an assertion failed first: an SDK EventSource left open keeps
 * reconnecting every 3 s long after its test (and its server) ended.
 */
async function connectSse(url: string, clients: Client[]): Promise<Client> {
  const client = new Client({ name: "t", version: "1" });
  clients.push(client);
  await client.connect(new SSEClientTransport(new URL(`${url}/sse`)));
  return client;
}

/** Closes every client (idempotent in the SDK), then the server. */
async function closeAll(clients: Client[], served: { close(): Promise<void> }): Promise<void> {
  await Promise.all(clients.map((client) => client.close().catch(() => {})));
  await served.close();
}

function postMessage(url: string, id: string, body: unknown): Promise<Response> {
  return fetch(`${url}/messages?sessionId=${id}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

test("SDK bridge: the SDK client lists and calls the SDK server's tools; the SDK sees Tether's session id", async () => {
  const { factory, made } = recordingFactory();
  const handler = createSdkHandler(factory);
  const served = await serveHandler(handler);
  const clients: Client[] = [];
  try {
    const client = await connectSse(served.url, clients);
    const tools = await client.listTools();
    assert.deepEqual(tools.tools.map((t) => t.name).sort(), ["echo", "slow", "whoami"]);
    const echoed = await client.callTool({ name: "echo", arguments: { text: "hi" } });
    assert.deepEqual(echoed.content, [{ type: "text", text: "hi" }]);
    const whoami = await client.callTool({ name: "whoami", arguments: {} });
    assert.deepEqual(whoami.content, [{ type: "text", text: handler.sessions.ids()[0] }]);
    assert.equal(made.length, 1);
    assert.equal(typeof handler.sessions.get(made[0].sessionId)?.protocolVersion, "string");
    await client.close();
  } finally {
    await closeAll(clients, served);
  }
});

test("SDK bridge: one SDK server per session: two clients get two servers", async () => {
  const { factory, made } = recordingFactory();
  const handler = createSdkHandler(factory);
  const served = await serveHandler(handler);
  const clients: Client[] = [];
  try {
    const a = await connectSse(served.url, clients);
    const b = await connectSse(served.url, clients);
    assert.equal(made.length, 2);
    assert.notEqual(made[0].sessionId, made[1].sessionId);
    assert.equal(handler.sessions.size, 2);
    await a.close();
    await b.close();
    await waitFor(() => handler.sessions.size === 0, 5000, "sessions to close");
  } finally {
    await closeAll(clients, served);
  }
});

test("SDK bridge: disconnect regression: after the client goes, POST to the old id → 404, 0 sessions, SDK onclose once", async () => {
  const { factory, made } = recordingFactory();
  const handler = createSdkHandler(factory);
  const served = await serveHandler(handler);
  const clients: Client[] = [];
  try {
    const client = await connectSse(served.url, clients);
    await client.callTool({ name: "echo", arguments: { text: "x" } });
    const id = handler.sessions.ids()[0];
    await client.close();
    await waitFor(() => handler.sessions.size === 0, 5000, "session to close");
    const res = await postMessage(served.url, id, { jsonrpc: "2.0", id: 9, method: "tools/list" });
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, -32001);
    await waitFor(() => made[0].closes > 0, 5000, "SDK onclose");
    assert.equal(made[0].closes, 1);
  } finally {
    await closeAll(clients, served);
  }
});

test("SDK bridge: a disconnect aborts the SDK tool handler in flight, and onclose still fires once", async () => {
  const { factory, made, slowStarted } = recordingFactory();
  const handler = createSdkHandler(factory);
  const served = await serveHandler(handler);
  const clients: Client[] = [];
  try {
    const client = await connectSse(served.url, clients);
    const call = client.callTool({ name: "slow", arguments: {} }).catch((e) => e);
    await slowStarted;
    assert.equal(handler.sessions.get(made[0].sessionId)?.inFlightCount, 0, "bridged requests are the SDK's, not the core's");
    await client.close();
    await call;
    await waitFor(() => handler.sessions.size === 0 && made[0].aborted, 5000, "session close and abort");
    assert.equal(made[0].closes, 1);
  } finally {
    await closeAll(clients, served);
  }
});

test("SDK bridge: handler.close() (shutdown) closes every SDK server once", async () => {
  const { factory, made } = recordingFactory();
  const handler = createSdkHandler(factory);
  const served = await serveHandler(handler);
  const clients: Client[] = [];
  try {
    await connectSse(served.url, clients);
    await connectSse(served.url, clients);
    await handler.close();
    assert.equal(handler.sessions.size, 0);
    assert.deepEqual(made.map((m) => m.closes), [1, 1]);
  } finally {
    await closeAll(clients, served);
  }
});

test("SDK bridge: the SDK server's close() closes the Tether session: its id answers 404", async () => {
  const servers: SdkMcpServer[] = [];
  const handler = createSdkHandler(() => {
    const server = new SdkMcpServer({ name: "s", version: "1" });
    servers.push(server);
    return server;
  });
  const served = await serveHandler(handler);
  const clients: Client[] = [];
  try {
    await connectSse(served.url, clients);
    const id = handler.sessions.ids()[0];
    await servers[0].close();
    assert.equal(handler.sessions.size, 0);
    const res = await postMessage(served.url, id, { jsonrpc: "2.0", id: 1, method: "ping" });
    assert.equal(res.status, 404);
  } finally {
    await closeAll(clients, served);
  }
});

test("SDK bridge: a factory that throws closes the session instead of leaking it", async () => {
  const handler = createSdkHandler(() => {
    throw new Error("no server today");
  });
  const served = await serveHandler(handler);
  let res: Response | undefined;
  try {
    res = await fetch(`${served.url}/sse`, { headers: { accept: "text/event-stream" } });
    assert.equal(res.status, 200);
    // The client keeps reading (cancelling would close the session by itself): the server ends the stream.
    await waitFor(() => handler.sessions.size === 0, 5000, "session to close");
    assert.match(await res.text(), /^event: endpoint\n/);
  } finally {
    if (res && !res.bodyUsed) await res.body?.cancel().catch(() => {});
    await served.close();
  }
});

test("SDK bridge over HTTP+SSE: a request past handlerTimeoutMs reaches the SDK client as the timeout error and aborts the SDK tool", async () => {
  const { factory, made } = recordingFactory();
  const handler = createSdkHandler(factory, { handlerTimeoutMs: 50 });
  const served = await serveHandler(handler);
  const clients: Client[] = [];
  try {
    const client = await connectSse(served.url, clients);
    await assert.rejects(client.callTool({ name: "slow", arguments: {} }, undefined, { timeout: 5000 }), (error: { code?: number; message?: string }) => {
      assert.equal(error.code, -32603);
      assert.match(String(error.message), /timed out after 50 ms/);
      return true;
    });
    await waitFor(() => made[0].aborted, 5000, "the SDK tool's signal to abort");
    const echoed = await client.callTool({ name: "echo", arguments: { text: "still here" } });
    assert.deepEqual(echoed.content, [{ type: "text", text: "still here" }]);
  } finally {
    await closeAll(clients, served);
  }
});
