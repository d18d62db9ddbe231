// Node 20+ through @hono/node-server, against the built package (dist/, what npm ships).
// Run by scripts/test-node.sh (`node --test`), which builds dist/ first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpServer as SdkMcpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { createHandler, McpServer } from "../../dist/mod.js";
import { tether } from "../../dist/adapters/hono.js";
import { createSdkHandler } from "../../dist/adapters/sdk.js";

/** Serves `fetch` with @hono/node-server on 127.0.0.1:0. */
function serveNode(fetch) {
  return new Promise((resolve) => {
    const server = serve({ fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}

async function waitFor(predicate, what, timeoutMs = 5000) {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function echoServer() {
  const server = new McpServer({ name: "node", version: "1" });
  server.tool("echo", { description: "Echoes", inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } }, (args) => ({
    content: [{ type: "text", text: String(args.text) }],
  }));
  return server;
}

function postPing(url, path, id) {
  return fetch(`${url}${path}?sessionId=${id}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });
}

test("Node: a client disconnect reaches the session's single close (client-gone), then 404", async () => {
  const handler = createHandler(echoServer());
  const served = await serveNode(handler.fetch);
  const client = new Client({ name: "t", version: "1" });
  try {
    await client.connect(new SSEClientTransport(new URL(`${served.url}/sse`)));
    const result = await client.callTool({ name: "echo", arguments: { text: "on node" } });
    assert.deepEqual(result.content, [{ type: "text", text: "on node" }]);
    const session = handler.sessions.get(handler.sessions.ids()[0]);
    let closes = 0;
    session.own(() => closes++);
    await client.close();
    await waitFor(() => handler.sessions.size === 0, "session to close");
    assert.equal(session.closeReason, "client-gone");
    assert.equal(closes, 1);
    const res = await postPing(served.url, "/messages", session.id);
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, -32001);
  } finally {
    await client.close();
    await handler.close();
    await served.close();
  }
});

test("Node: a raw GET /sse whose socket is destroyed closes the session", async () => {
  const handler = createHandler(echoServer());
  const served = await serveNode(handler.fetch);
  const controller = new AbortController();
  try {
    const res = await fetch(`${served.url}/sse`, { headers: { accept: "text/event-stream" }, signal: controller.signal });
    const reader = res.body.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /event: endpoint/);
    assert.equal(handler.sessions.size, 1);
    const session = handler.sessions.get(handler.sessions.ids()[0]);
    controller.abort();
    await waitFor(() => handler.sessions.size === 0, "session to close");
    assert.equal(session.closeReason, "client-gone");
  } finally {
    controller.abort();
    await handler.close();
    await served.close();
  }
});

test("Node: Hono middleware + SDK bridge on @hono/node-server; disconnect → 404 and 0 sessions", async () => {
  let sdkCloses = 0;
  const sdk = createSdkHandler(() => {
    const server = new SdkMcpServer({ name: "sdk-on-node", version: "1" });
    server.registerTool("ping", { description: "pong" }, () => ({ content: [{ type: "text", text: "pong" }] }));
    server.server.onclose = () => sdkCloses++;
    return server;
  }, { basePath: "/mcp-api" });
  const app = new Hono();
  app.use("/mcp-api/*", tether(sdk, { basePath: "/mcp-api", principal: () => ({ user: "node" }) }));
  const served = await serveNode(app.fetch);
  const client = new Client({ name: "t", version: "1" });
  try {
    await client.connect(new SSEClientTransport(new URL(`${served.url}/mcp-api/sse`)));
    const result = await client.callTool({ name: "ping", arguments: {} });
    assert.deepEqual(result.content, [{ type: "text", text: "pong" }]);
    const id = sdk.sessions.ids()[0];
    assert.deepEqual(sdk.sessions.get(id).principal, { user: "node" });
    await client.close();
    await waitFor(() => sdk.sessions.size === 0, "session to close");
    assert.equal(sdkCloses, 1);
    const res = await postPing(served.url, "/mcp-api/messages", id);
    assert.equal(res.status, 404);
  } finally {
    await client.close();
    await sdk.close();
    await served.close();
  }
});

test("Node: SDK bridge over Streamable HTTP on @hono/node-server; DELETE → SDK onclose once, 404, 0 sessions", async () => {
  let sdkCloses = 0;
  const sdk = createSdkHandler(() => {
    const server = new SdkMcpServer({ name: "sdk-on-node", version: "1" });
    server.registerTool("ping", { description: "pong" }, () => ({ content: [{ type: "text", text: "pong" }] }));
    server.server.onclose = () => sdkCloses++;
    return server;
  });
  const served = await serveNode(sdk.fetch);
  const transport = new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`));
  const client = new Client({ name: "t", version: "1" });
  try {
    await client.connect(transport);
    const result = await client.callTool({ name: "ping", arguments: {} });
    assert.deepEqual(result.content, [{ type: "text", text: "pong" }]);
    const id = transport.sessionId;
    await transport.terminateSession();
    await client.close();
    assert.equal(sdk.sessions.size, 0);
    assert.equal(sdkCloses, 1);
    const res = await fetch(`${served.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    assert.equal(res.status, 404);
  } finally {
    await client.close();
    await sdk.close();
    await served.close();
  }
});
