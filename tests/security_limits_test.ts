import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { createHandler } from "../mod.ts";
import { checkBatchSize } from "../src/security/limits.ts";
import { testServer } from "./_fixtures.ts";
import { initializeLegacy, openLegacy } from "./_legacy.ts";
import { serveHandler, waitFor } from "./_serve.ts";
import { mcpInitialize, mcpPost } from "./_mcp_inproc.ts";

describe("bounds", () => {
  test("live sessions are capped: beyond maxSessions GET /sse gets 503 with Retry-After, and a freed slot is reusable", async () => {
    const handler = createHandler(testServer(), { maxSessions: 2 });
    try {
      const a = await openLegacy(handler);
      const b = await openLegacy(handler);
      const refused = await handler.fetch(new Request("http://localhost/sse", { headers: { accept: "text/event-stream" } }));
      assert.equal(refused.status, 503);
      assert.match(refused.headers.get("retry-after") ?? "", /^\d+$/);
      assert.equal((await refused.json()).jsonrpc, "2.0");
      assert.equal(handler.sessions.size, 2);
      await a.cancel();
      await waitFor(() => handler.sessions.size === 1);
      const c = await openLegacy(handler);
      assert.equal(handler.sessions.size, 2);
      await Promise.all([b.cancel(), c.cancel()]);
    } finally {
      await handler.close();
    }
  });

  test("a handler that runs past handlerTimeoutMs is aborted and answered with an error", async () => {
    const server = testServer();
    let sawAbort = false;
    server.tool("stuck", { description: "ignores nothing, never finishes on its own" }, (_args, ctx) =>
      new Promise(() => {
        ctx.signal.addEventListener("abort", () => (sawAbort = true), { once: true });
      }));
    const handler = createHandler(server, { handlerTimeoutMs: 30 });
    try {
      const client = await openLegacy(handler);
      await initializeLegacy(client);
      await client.post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "stuck" } });
      const response = await client.next();
      assert.equal(response?.id, 1);
      assert.equal(response?.error.code, -32603);
      assert.match(response?.error.message, /timed out after 30 ms/);
      assert.equal(sawAbort, true, "the handler's signal was aborted");
      assert.equal(handler.sessions.get(client.sessionId)!.inFlightCount, 0);
      await client.cancel();
    } finally {
      await handler.close();
    }
  });

  test("batches larger than maxBatchSize are refused with 400 and a JSON-RPC error", async () => {
    assert.equal(checkBatchSize(new Array(100).fill({}), 100), undefined);
    const refused = checkBatchSize(new Array(101).fill({}), 100)!;
    assert.equal(refused.status, 400);
    assert.equal((await refused.json()).error.code, -32600);
  });

  test("Streamable HTTP: a session holds at most maxStreamsPerSession POSTs carrying requests; the next gets 429 until one ends", async () => {
    const handler = createHandler(testServer(), { maxStreamsPerSession: 2 });
    try {
      const id = (await mcpInitialize(handler))!;
      const headers = { "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" };
      const slow = (n: number) => mcpPost(handler, { jsonrpc: "2.0", id: n, method: "tools/call", params: { name: "slow", arguments: { ms: 60_000 } } }, headers);
      const first = slow(1);
      const second = slow(2);
      await waitFor(() => handler.sessions.get(id)!.inFlightCount === 2);
      const third = await slow(3);
      assert.equal(third.status, 429);
      assert.equal((await third.json()).error.code, -32600);
      // Notifications need no stream and still pass.
      assert.equal((await mcpPost(handler, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } }, headers)).status, 202);
      await waitFor(() => handler.sessions.get(id)!.inFlightCount === 1);
      const ping = await mcpPost(handler, { jsonrpc: "2.0", id: 4, method: "ping" }, headers);
      assert.equal(ping.status, 200, "a freed slot is usable again");
      await ping.body?.cancel();
      await handler.close({ graceMs: 0 });
      for (const response of await Promise.all([first, second])) await response.body?.cancel().catch(() => {});
    } finally {
      await handler.close();
    }
  });

  test("Streamable HTTP: a 2025-03-26 batch over maxBatchSize is refused with 400 before any message is handled", async () => {
    const handler = createHandler(testServer(), { maxBatchSize: 2 });
    try {
      const init = await mcpPost(handler, {
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      });
      const id = init.headers.get("mcp-session-id")!;
      await init.body?.cancel();
      const headers = { "mcp-session-id": id, "mcp-protocol-version": "2025-03-26" };
      const ping = (n: number) => ({ jsonrpc: "2.0", id: n, method: "ping" });
      const ok = await mcpPost(handler, [ping(1), ping(2)], headers);
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).length, 2);
      const refused = await mcpPost(handler, [ping(3), ping(4), ping(5)], headers);
      assert.equal(refused.status, 400);
      assert.equal((await refused.json()).error.message, "Bad Request: a batch may carry at most 2 messages");
    } finally {
      await handler.close();
    }
  });

  test("a slow reader (never reads) is cut off at the buffer limit and its session closes", async () => {
    const limit = 64 * 1024;
    const handler = createHandler(testServer(), { maxBufferedBytes: limit });
    try {
      const client = await openLegacy(handler);
      await initializeLegacy(client);
      const session = handler.sessions.get(client.sessionId)!;
      const text = "x".repeat(8 * 1024);
      let posts = 0;
      // From here on the client reads nothing; every echo is queued on its stream.
      while (!session.closed && posts < 1000) {
        const posted = await client.post({ jsonrpc: "2.0", id: ++posts, method: "tools/call", params: { name: "echo", arguments: { text } } });
        if (posted.status !== 202) break;
        await new Promise((r) => setTimeout(r, 0));
      }
      await waitFor(() => session.closed);
      assert.equal(session.closeReason, "write-failed");
      // Cut off once about `limit` bytes were queued: what the server holds for one reader is bounded.
      assert.ok(posts <= limit / text.length + 4, `cut off after ${posts} posts of ${text.length} bytes`);
      assert.equal(handler.sessions.size, 0);
      const after = await client.post({ jsonrpc: "2.0", id: 9999, method: "ping" });
      assert.equal(after.status, 404);
    } finally {
      await handler.close();
    }
  });

  test("over a socket: a client that never reads its SSE stream is cut off and the session closes", { timeout: 60_000 }, async () => {
    const handler = createHandler(testServer(), { maxBufferedBytes: 256 * 1024 });
    const served = await serveHandler(handler);
    const port = Number(new URL(served.url).port);
    const socket = connect({ host: "127.0.0.1", port });
    try {
      let head = "";
      const endpoint = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: Uint8Array) => {
          head += new TextDecoder().decode(chunk);
          const match = /data: (\/messages\?sessionId=[0-9a-f]{32})/.exec(head);
          if (match) {
            socket.off("data", onData);
            socket.pause(); // stop reading: the kernel buffers fill, then the server's queue does
            resolve(match[1]);
          }
        };
        socket.on("data", onData);
        socket.on("error", reject);
        socket.write(`GET /sse HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
      });
      const post = (message: unknown) =>
        fetch(`${served.url}${endpoint}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(message) });
      await (await post({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2024-11-05", capabilities: {}, clientInfo: { name: "t", version: "1" } } })).text();
      const text = "y".repeat(64 * 1024);
      let posts = 0;
      // Socket buffers absorb some megabytes first; 64 MiB is far more than any of them.
      while (handler.sessions.size > 0 && posts < 1024) {
        const response = await post({ jsonrpc: "2.0", id: ++posts, method: "tools/call", params: { name: "echo", arguments: { text } } });
        await response.text();
        if (response.status === 404) break;
      }
      await waitFor(() => handler.sessions.size === 0, 10_000, "the slow reader's session to close");
      console.log(`slow reader over a socket: cut off after ${posts} echoes of 64 KiB (buffer limit 256 KiB)`);
    } finally {
      socket.destroy();
      await served.close();
    }
  });
});
