import { test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { Client } from "./_sdk.ts";
import { SSEClientTransport } from "./_sdk.ts";
import { StreamableHTTPClientTransport } from "./_sdk.ts";
import { McpServer as SdkMcpServer } from "./_sdk.ts";
import { McpServer } from "../mod.ts";
import { tether } from "../adapters/hono.ts";
import { createSdkHandler } from "../adapters/sdk.ts";
import { testServer } from "./_fixtures.ts";
import { serveFetch, waitFor } from "./_serve.ts";
import { post as modernPost, request as modernRequest } from "./_modern.ts";

type AppEnv = { Variables: { user: { id: string; name: string } } };

/** A Hono app with a bearer-token auth middleware in front of Tether under /api. */
function appWith(server: McpServer) {
  const app = new Hono<AppEnv>();
  app.get("/health", (c) => c.text("ok"));
  app.use("/api/*", async (c, next) => {
    const auth = c.req.header("authorization");
    if (auth === "Bearer good") c.set("user", { id: "u-1", name: "ada" });
    await next();
  });
  const mcp = tether<AppEnv>(server, {
    basePath: "/api",
    principal: (c) => c.get("user") ?? c.json({ error: "unauthorized" }, 401),
  });
  app.use("/api/*", mcp);
  app.get("/api/other", (c) => c.text("other route"));
  return { app, mcp };
}

function sseClientTransport(url: string, token = "good") {
  const headers = { authorization: `Bearer ${token}` };
  return new SSEClientTransport(new URL(`${url}/api/sse`), {
    eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
    requestInit: { headers },
  });
}

test("Hono: SDK client over legacy SSE under /api; the Hono user becomes the session principal", async () => {
  const { app, mcp } = appWith(testServer());
  const served = await serveFetch(app.fetch);
  const client = new Client({ name: "t", version: "1" });
  try {
    await client.connect(sseClientTransport(served.url));
    const result = await client.callTool({ name: "echo", arguments: { text: "via hono" } });
    assert.deepEqual(result.content, [{ type: "text", text: "via hono" }]);
    assert.equal(mcp.handler.sessions.size, 1);
    const session = mcp.handler.sessions.get(mcp.handler.sessions.ids()[0]);
    assert.deepEqual(session?.principal, { id: "u-1", name: "ada" });
    await client.close();
    await waitFor(() => mcp.handler.sessions.size === 0, 5000, "session to close");
  } finally {
    await client.close().catch(() => {});
    await mcp.handler.close();
    await served.close();
  }
});

test("Hono: tool handlers see the principal the Hono middleware set", async () => {
  const server = new McpServer({ name: "p", version: "1" });
  server.tool("whoami", { description: "The principal's name" }, (_args, ctx) => ({
    content: [{ type: "text", text: (ctx.principal as { name: string }).name }],
  }));
  const { app, mcp } = appWith(server);
  const served = await serveFetch(app.fetch);
  const client = new Client({ name: "t", version: "1" });
  try {
    await client.connect(sseClientTransport(served.url));
    const result = await client.callTool({ name: "whoami", arguments: {} });
    assert.deepEqual(result.content, [{ type: "text", text: "ada" }]);
    await client.close();
  } finally {
    await client.close().catch(() => {});
    await mcp.handler.close();
    await served.close();
  }
});

test("Hono: a Response from `principal` (401) answers the request and creates no session", async () => {
  const { app, mcp } = appWith(testServer());
  const served = await serveFetch(app.fetch);
  try {
    const res = await fetch(`${served.url}/api/sse`, { headers: { accept: "text/event-stream", authorization: "Bearer bad" } });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: "unauthorized" });
    assert.equal(mcp.handler.sessions.size, 0);
  } finally {
    await mcp.handler.close();
    await served.close();
  }
});

test("Hono: other routes pass through the middleware; Tether's paths only exist under basePath", async () => {
  const { app, mcp } = appWith(testServer());
  const served = await serveFetch(app.fetch);
  try {
    const health = await fetch(`${served.url}/health`);
    assert.equal(await health.text(), "ok");
    const other = await fetch(`${served.url}/api/other`, { headers: { authorization: "Bearer good" } });
    assert.equal(await other.text(), "other route");
    const rootSse = await fetch(`${served.url}/sse`, { headers: { accept: "text/event-stream" } });
    assert.equal(rootSse.status, 404);
    await rootSse.body?.cancel();
    assert.equal(mcp.handler.sessions.size, 0);
  } finally {
    await mcp.handler.close();
    await served.close();
  }
});

test("Hono: disconnect regression — POST to the old session id → 404 and 0 sessions", async () => {
  const { app, mcp } = appWith(testServer());
  const served = await serveFetch(app.fetch);
  const client = new Client({ name: "t", version: "1" });
  try {
    await client.connect(sseClientTransport(served.url));
    const id = mcp.handler.sessions.ids()[0];
    await client.close();
    await waitFor(() => mcp.handler.sessions.size === 0, 5000, "session to close");
    const res = await fetch(`${served.url}/api/messages?sessionId=${id}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer good" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, -32001);
  } finally {
    await client.close().catch(() => {});
    await mcp.handler.close();
    await served.close();
  }
});

test("Hono + SDK bridge: an AuthInfo-shaped principal reaches SDK tools as extra.authInfo", async () => {
  const sdk = createSdkHandler(() => {
    const server = new SdkMcpServer({ name: "sdk", version: "1" });
    server.registerTool("client", { description: "The token's client id" }, (extra) => ({
      content: [{ type: "text", text: String(extra.authInfo?.clientId) }],
    }));
    return server;
  }, { basePath: "/api" });
  const app = new Hono();
  app.use("/api/*", tether(sdk, { basePath: "/api", principal: () => ({ id: "cli-7", token: "t", clientId: "cli-7", scopes: ["mcp"] }) }));
  const served = await serveFetch(app.fetch);
  const client = new Client({ name: "t", version: "1" });
  try {
    await client.connect(new SSEClientTransport(new URL(`${served.url}/api/sse`)));
    const result = await client.callTool({ name: "client", arguments: {} });
    assert.deepEqual(result.content, [{ type: "text", text: "cli-7" }]);
    await client.close();
    await waitFor(() => sdk.sessions.size === 0, 5000, "session to close");
  } finally {
    await client.close().catch(() => {});
    await sdk.close();
    await served.close();
  }
});

test("Hono: SDK client over Streamable HTTP at /api/mcp; principal reaches the session; DELETE → 404 and 0 sessions", async () => {
  const { app, mcp } = appWith(testServer());
  const served = await serveFetch(app.fetch);
  const transport = new StreamableHTTPClientTransport(new URL(`${served.url}/api/mcp`), {
    requestInit: { headers: { authorization: "Bearer good" } },
  });
  const client = new Client({ name: "t", version: "1" });
  try {
    await client.connect(transport);
    const result = await client.callTool({ name: "echo", arguments: { text: "streamable via hono" } });
    assert.deepEqual(result.content, [{ type: "text", text: "streamable via hono" }]);
    const id = transport.sessionId!;
    assert.deepEqual(mcp.handler.sessions.get(id)?.principal, { id: "u-1", name: "ada" });
    await transport.terminateSession();
    await client.close();
    assert.equal(mcp.handler.sessions.size, 0);
    const res = await fetch(`${served.url}/api/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: "Bearer good", "mcp-session-id": id },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    assert.equal(res.status, 404);
  } finally {
    await client.close().catch(() => {});
    await mcp.handler.close();
    await served.close();
  }
});

test("Hono: without credentials the Streamable HTTP initialize gets the app's 401 and no session exists", async () => {
  const { app, mcp } = appWith(testServer());
  const served = await serveFetch(app.fetch);
  try {
    const res = await fetch(`${served.url}/api/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } } }),
    });
    assert.equal(res.status, 401);
    assert.equal(mcp.handler.sessions.size, 0);
  } finally {
    await mcp.handler.close();
    await served.close();
  }
});

test("Hono: `principal` returning undefined answers 401 (JSON-RPC body); a string becomes { id }", async () => {
  const server = new McpServer({ name: "p", version: "1" });
  server.tool("whoami", { description: "The principal" }, (_args, ctx) => ({
    content: [{ type: "text", text: JSON.stringify(ctx.principal) }],
  }));
  const app = new Hono();
  const mcp = tether(server, { principal: (c) => c.req.header("x-user") });
  app.use(mcp);
  const served = await serveFetch(app.fetch);
  const client = new Client({ name: "t", version: "1" });
  try {
    const anonymous = await fetch(`${served.url}/sse`, { headers: { accept: "text/event-stream" } });
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).error.code, -32600);
    assert.equal(mcp.handler.sessions.size, 0);
    const headers = { "x-user": "grace" };
    await client.connect(new SSEClientTransport(new URL(`${served.url}/sse`), {
      eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
      requestInit: { headers },
    }));
    const result = await client.callTool({ name: "whoami", arguments: {} });
    assert.deepEqual(result.content, [{ type: "text", text: JSON.stringify({ id: "grace" }) }]);
    await client.close();
  } finally {
    await client.close().catch(() => {});
    await mcp.handler.close();
    await served.close();
  }
});

test("Hono: a 2026-07-28 (sessionless) request through the middleware carries the principal to ctx.principal", async () => {
  const server = new McpServer({ name: "p", version: "1" });
  server.tool("whoami", { description: "The principal's id" }, (_args, ctx) => ({
    content: [{ type: "text", text: String((ctx.principal as { id?: string } | undefined)?.id) }],
  }));
  const app = new Hono();
  const mcp = tether(server, { principal: (c) => c.req.header("x-user") });
  app.use(mcp);
  const served = await serveFetch(app.fetch);
  try {
    const call = modernRequest(1, "tools/call", { name: "whoami", arguments: {} });
    const res = await modernPost(served.url, call, { "x-user": "lin", accept: "application/json" });
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).result.content, [{ type: "text", text: "lin" }]);
    const anonymous = await modernPost(served.url, call, { accept: "application/json" });
    assert.equal(anonymous.status, 401);
    assert.equal(mcp.handler.sessions.size, 0);
  } finally {
    await mcp.handler.close();
    await served.close();
  }
});

/** An app whose users are named by the `x-user` header. */
function headerUserApp(options: Parameters<typeof tether>[1] = {}) {
  const app = new Hono();
  const mcp = tether(testServer(), { ...options, principal: (c) => c.req.header("x-user") });
  app.use(mcp);
  return { app, mcp };
}

test("Hono: a session is bound to its principal — another user's POST to its id gets 404 on both transports", async () => {
  const { app, mcp } = headerUserApp();
  const served = await serveFetch(app.fetch);
  try {
    // Streamable HTTP: ada's session, bob's request.
    const init = await fetch(`${served.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "x-user": "ada" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } } }),
    });
    assert.equal(init.status, 200);
    await init.body?.cancel();
    const id = init.headers.get("mcp-session-id")!;
    const ping = (user: string) =>
      fetch(`${served.url}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "x-user": user, "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
    const bobs = await ping("bob");
    assert.equal(bobs.status, 404);
    assert.equal((await bobs.json()).error.code, -32001);
    const adas = await ping("ada");
    assert.equal(adas.status, 200);
    await adas.body?.cancel();

    // Legacy SSE: ada's stream, bob's POST.
    const stream = await fetch(`${served.url}/sse`, { headers: { accept: "text/event-stream", "x-user": "ada" } });
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const endpoint = /data: (\S+)/.exec(first)![1];
    const post = (user: string) =>
      fetch(`${served.url}${endpoint}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-user": user },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
    assert.equal((await post("bob")).status, 404);
    const own = await post("ada");
    assert.equal(own.status, 202);
    await reader.cancel();
  } finally {
    await mcp.handler.close();
    await served.close();
  }
});

test("Hono: with auth.resourceMetadata, the protected resource metadata is served through the middleware", async () => {
  const { app, mcp } = headerUserApp({
    basePath: "/api",
    auth: {
      authenticate: (request) => request.headers.get("x-user") ? { id: request.headers.get("x-user")! } : new Response(null, { status: 401 }),
      resourceMetadata: { authorization_servers: ["https://auth.example"] },
    },
  });
  app.get("/.well-known/other", (c) => c.text("not tether"));
  const served = await serveFetch(app.fetch);
  try {
    const res = await fetch(`${served.url}/.well-known/oauth-protected-resource/api/mcp`);
    assert.equal(res.status, 200);
    const metadata = await res.json();
    assert.deepEqual(metadata.authorization_servers, ["https://auth.example"]);
    assert.equal(metadata.resource, `${served.url}/api/mcp`);
    assert.equal(await (await fetch(`${served.url}/.well-known/other`)).text(), "not tether");
  } finally {
    await mcp.handler.close();
    await served.close();
  }
});
