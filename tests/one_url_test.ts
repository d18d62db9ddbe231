/** Every client generation on one URL (`/mcp`), and the option restricting the generations served. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client as ClientV1 } from "./_sdk.ts";
import { SSEClientTransport } from "./_sdk.ts";
import { ToolListChangedNotificationSchema } from "./_sdk.ts";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createHandler } from "../mod.ts";
import { serveHandler, waitFor } from "./_serve.ts";
import { modernServer, post, request, V } from "./_modern.ts";

describe("one URL for every client", () => {
  test("a 2026 client and a 2024-11-05 client both given /mcp, at once, against the same server", async () => {
    const server = modernServer();
    const handler = createHandler(server, { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    const modern = new Client({ name: "v2", version: "1" }, { versionNegotiation: { mode: { pin: V } } });
    const old = new ClientV1({ name: "v1-sse", version: "1" });
    try {
      await Promise.all([
        modern.connect(new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`))),
        old.connect(new SSEClientTransport(new URL(`${served.url}/mcp`))),
      ]);
      assert.equal(handler.sessions.size, 1, "only the 2024-11-05 client has a session");
      assert.equal(handler.sessions.get(handler.sessions.ids()[0])?.transport, "sse");
      const [a, b] = await Promise.all([
        modern.callTool({ name: "echo", arguments: { text: "2026" } }),
        old.callTool({ name: "echo", arguments: { text: "2024" } }),
      ]);
      assert.deepEqual(a.content, [{ type: "text", text: "2026" }]);
      assert.deepEqual(b.content, [{ type: "text", text: "2024" }]);

      let modernChanges = 0;
      let oldChanges = 0;
      modern.setNotificationHandler("notifications/tools/list_changed", () => {
        modernChanges++;
      });
      old.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        oldChanges++;
      });
      const subscription = await modern.listen({ toolsListChanged: true });
      server.tool("both", {}, () => ({ content: [] }));
      await waitFor(() => modernChanges === 1 && oldChanges === 1, 5000, "both generations to hear the change");
      await subscription.close();
      await old.close();
      await waitFor(() => handler.sessions.size === 0 && handler.openListens === 0, 5000, "everything to close");
    } finally {
      await modern.close();
      await old.close();
      await served.close();
    }
  });

  test("all three generations at once on /mcp: 2026 (SDK v2 pinned), 2025 (SDK v2 default), 2024-11-05 (SDK v1 SSE)", async () => {
    const server = modernServer();
    const handler = createHandler(server, { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    const url = new URL(`${served.url}/mcp`);
    const modern = new Client({ name: "v2-2026", version: "1" }, { versionNegotiation: { mode: { pin: V } } });
    const streamable = new Client({ name: "v2-2025", version: "1" });
    const streamableTransport = new StreamableHTTPClientTransport(url);
    const old = new ClientV1({ name: "v1-sse", version: "1" });
    try {
      await Promise.all([
        modern.connect(new StreamableHTTPClientTransport(url)),
        streamable.connect(streamableTransport),
        old.connect(new SSEClientTransport(url)),
      ]);
      const sessionId = streamableTransport.sessionId;
      assert.ok(sessionId, "the 2025 client has a session");
      assert.equal(handler.sessions.size, 2, "the 2025 and 2024-11-05 clients have sessions; the 2026 client none");
      assert.deepEqual(handler.sessions.ids().map((id) => handler.sessions.get(id)!.transport).sort(), ["sse", "streamable"]);

      const texts = await Promise.all([modern, streamable, old].map(async (client, i) => {
        const result = await (client as Client).callTool({ name: "echo", arguments: { text: `c${i}` } });
        return (result.content as Array<{ text: string }>)[0].text;
      }));
      assert.deepEqual(texts, ["c0", "c1", "c2"]);

      const heard = [0, 0, 0];
      modern.setNotificationHandler("notifications/tools/list_changed", () => void heard[0]++);
      streamable.setNotificationHandler("notifications/tools/list_changed", () => void heard[1]++);
      old.setNotificationHandler(ToolListChangedNotificationSchema, () => void heard[2]++);
      const subscription = await modern.listen({ toolsListChanged: true });
      // The 2025 client hears it on its GET stream; wait until that stream is open.
      await waitFor(() => handler.sessions.get(sessionId)!.defaultSink !== undefined, 5000, "the 2025 GET stream");
      server.tool("added", {}, () => ({ content: [] }));
      await waitFor(() => heard.every((n) => n === 1), 5000, `all three to hear the change (${heard})`);
      await subscription.close();

      await streamableTransport.terminateSession();
      const after = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      assert.equal(after.status, 404);
      assert.equal((await after.json()).error.code, -32001);
      await old.close();
      await waitFor(() => handler.sessions.size === 0 && handler.openListens === 0, 5000, "everything to close");
    } finally {
      await modern.close();
      await streamable.close();
      await old.close();
      await served.close();
    }
  });

  test("GET /mcp for an event stream with a session id, or not accepting event streams, opens no legacy session", async () => {
    const handler = createHandler(modernServer(), { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    try {
      const withId = await fetch(`${served.url}/mcp`, { headers: { accept: "text/event-stream", "mcp-session-id": "abc" } });
      await withId.body?.cancel();
      const noAccept = await fetch(`${served.url}/mcp`, { headers: { accept: "application/json" } });
      await noAccept.body?.cancel();
      assert.notEqual(withId.status, 200);
      assert.notEqual(noAccept.status, 200);
      assert.equal(handler.sessions.size, 0);
    } finally {
      await served.close();
    }
  });

  test("modern only: 2024-11-05 GETs are refused, initialize gets 400/-32022, 2026 works", async () => {
    const handler = createHandler(modernServer(), { keepAliveMs: 0, generations: ["modern"] });
    const served = await serveHandler(handler);
    try {
      const get = await fetch(`${served.url}/mcp`, { headers: { accept: "text/event-stream" } });
      assert.equal(get.status, 405);
      assert.equal((await get.json()).error.code, -32600);
      for (const method of ["DELETE", "PUT"]) {
        const other = await fetch(`${served.url}/mcp`, { method });
        assert.equal(other.status, 405, method);
        assert.equal(other.headers.get("allow"), "POST");
        assert.equal((await other.json()).error.code, -32600);
      }
      const sse = await fetch(`${served.url}/sse`, { headers: { accept: "text/event-stream" } });
      assert.equal(sse.status, 404);
      await sse.body?.cancel();
      const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } };
      const res = await post(served.url, init, { "mcp-protocol-version": null, "mcp-method": null });
      assert.equal(res.status, 400);
      const body = await res.json();
      assert.equal(body.error.code, -32022);
      assert.deepEqual(body.error.data, { supported: [V], requested: "2025-11-25" });
      assert.equal((await post(served.url, request(2, "tools/list"))).status, 200);
      assert.equal(handler.sessions.size, 0);
    } finally {
      await served.close();
    }
  });

  test("without modern: an enveloped request gets 400/-32022 naming the session versions", async () => {
    const handler = createHandler(modernServer(), { keepAliveMs: 0, generations: ["sse", "streamable"] });
    const served = await serveHandler(handler);
    try {
      const res = await post(served.url, request(1, "tools/list"));
      assert.equal(res.status, 400);
      const body = await res.json();
      assert.equal(body.error.code, -32022);
      assert.equal(body.error.data.requested, V);
      assert.ok(body.error.data.supported.includes("2025-11-25"));
    } finally {
      await served.close();
    }
  });

  test("an SDK v2 client in auto mode against a server without 2026 falls back to a 2025 session", async () => {
    const handler = createHandler(modernServer(), { keepAliveMs: 0, generations: ["streamable", "sse"] });
    const served = await serveHandler(handler);
    const client = new Client({ name: "v2-auto", version: "1" }, { versionNegotiation: { mode: "auto" } });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`)));
      assert.equal(handler.sessions.size, 1, "the -32022 naming only 2025 versions sent it to initialize");
      const result = await client.callTool({ name: "echo", arguments: { text: "fallback" } });
      assert.deepEqual(result.content, [{ type: "text", text: "fallback" }]);
    } finally {
      await client.close();
      await served.close();
    }
  });
});
