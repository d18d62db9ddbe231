import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { Client } from "./_sdk.ts";
import { StreamableHTTPClientTransport } from "./_sdk.ts";
import { SSEClientTransport } from "./_sdk.ts";
import { Client as ClientV2, StreamableHTTPClientTransport as StreamableHTTPClientTransportV2 } from "@modelcontextprotocol/client";
import { createHandler, type HandlerOptions, type McpServer } from "../mod.ts";
import { streamableStats } from "../mod.ts";
import { testServer } from "./_fixtures.ts";
import { serveHandler, waitFor } from "./_serve.ts";
import { post, sessionHeaders } from "./_streamable.ts";

/** The test server plus tools that report progress and wait for the test. */
function progressServer(gate?: Promise<void>): McpServer {
  const server = testServer();
  server.tool("count", {
    description: "Reports progress n times, then answers",
    inputSchema: z.object({ n: z.number() }),
  }, async ({ n }, ctx) => {
    for (let i = 1; i <= n; i++) {
      ctx.progress(i, n);
      await new Promise((r) => setTimeout(r, 1));
    }
    return { content: [{ type: "text", text: `counted ${n}` }] };
  });
  server.tool("drop", { description: "Reports progress, then waits for the test's gate" }, async (_args, ctx) => {
    ctx.progress(1, 2);
    await gate;
    ctx.progress(2, 2);
    return { content: [{ type: "text", text: "survived" }] };
  });
  server.tool("poll", { description: "Closes its connection (polling), then answers" }, async (_args, ctx) => {
    ctx.progress(1, 2);
    const closed = ctx.closeConnection();
    await new Promise((r) => setTimeout(r, 20));
    ctx.progress(2, 2);
    return { content: [{ type: "text", text: `polled ${closed}` }] };
  });
  return server;
}

const FAST_RECONNECT = { initialReconnectionDelay: 10, maxReconnectionDelay: 50, reconnectionDelayGrowFactor: 1, maxRetries: 5 };

async function withClient(
  server: McpServer,
  options: HandlerOptions,
  run: (client: Client, transport: StreamableHTTPClientTransport, url: string, handler: ReturnType<typeof createHandler>) => Promise<void>,
  fetchFn?: (url: string | URL, init?: RequestInit) => Promise<Response>,
): Promise<void> {
  const handler = createHandler(server, options);
  const served = await serveHandler(handler);
  const client = new Client({ name: "sdk-test", version: "1" });
  const transport = new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`), {
    reconnectionOptions: FAST_RECONNECT,
    ...(fetchFn ? { fetch: fetchFn } : {}),
  });
  try {
    await client.connect(transport);
    await run(client, transport, `${served.url}/mcp`, handler);
  } finally {
    await client.close().catch(() => {});
    await served.close();
  }
}

describe("SDK v1 client over Streamable HTTP", () => {
  for (const responseMode of ["auto", "json", "sse"] as const) {
    test(`initialize, list and call tools, terminate with DELETE then 404 (${responseMode} mode)`, async () => {
      await withClient(progressServer(), { responseMode }, async (client, transport, url, handler) => {
        assert.equal(client.getServerVersion()?.name, "tether-test");
        assert.equal(handler.sessions.size, 1);
        const tools = await client.listTools();
        assert.deepEqual(tools.tools.map((t) => t.name).sort(), ["add", "count", "drop", "echo", "fail", "poll", "slow"]);
        const echo = await client.callTool({ name: "echo", arguments: { text: "hi" } });
        assert.deepEqual(echo.content, [{ type: "text", text: "hi" }]);
        const add = await client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
        assert.deepEqual(add.structuredContent, { sum: 5 });
        const id = transport.sessionId!;
        assert.ok(id);
        await transport.terminateSession();
        assert.equal(handler.sessions.size, 0);
        const after = await post(url, { jsonrpc: "2.0", id: 9, method: "ping" }, sessionHeaders(id));
        assert.equal(after.status, 404);
        assert.deepEqual(await after.json(), { jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } });
      });
    });
  }

  test("auto mode: progress notifications arrive before the result", async () => {
    await withClient(progressServer(), {}, async (client) => {
      const seen: number[] = [];
      const result = await client.callTool({ name: "count", arguments: { n: 3 } }, undefined, {
        onprogress: (p) => seen.push(p.progress),
      });
      assert.deepEqual(seen, [1, 2, 3]);
      assert.deepEqual(result.content, [{ type: "text", text: "counted 3" }]);
    });
  });

  test("resume: a POST stream dropped mid-call is resumed with Last-Event-ID and the result arrives", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let dropped = false;
    // Cuts the tools/call response stream right after the first progress event, like a network drop.
    const droppingFetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      const res = await fetch(url, init);
      const isDropCall = init?.method === "POST" && typeof init.body === "string" && init.body.includes('"drop"');
      if (!isDropCall || dropped || !res.headers.get("content-type")?.startsWith("text/event-stream")) return res;
      dropped = true;
      const reader = res.body!.getReader();
      let seen = "";
      let cut = false;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (cut) {
            await reader.cancel();
            controller.error(new Error("simulated network drop"));
            return;
          }
          const { done, value } = await reader.read();
          if (done) return controller.close();
          controller.enqueue(value);
          seen += new TextDecoder().decode(value);
          if (seen.includes("notifications/progress")) cut = true;
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    await withClient(progressServer(gate), {}, async (client, transport, _url, handler) => {
      const session = handler.sessions.get(transport.sessionId!)!;
      const seen: number[] = [];
      const call = client.callTool({ name: "drop" }, undefined, { onprogress: (p) => seen.push(p.progress) });
      await waitFor(() => dropped && seen.length === 1, 5000, "the first progress and the drop");
      // The request runs on although its stream is gone.
      assert.equal(session.inFlightCount, 1);
      open();
      const result = await call;
      assert.deepEqual(result.content, [{ type: "text", text: "survived" }]);
      assert.deepEqual(seen, [1, 2]);
      await waitFor(() => streamableStats(session)!.postStreams === 0, 5000, "the POST stream to end");
    }, droppingFetch);
  });

  test("polling: ctx.closeConnection() ends the connection, the client reconnects and gets the result", async () => {
    await withClient(progressServer(), { sseRetryMs: 10 }, async (client) => {
      const seen: number[] = [];
      const result = await client.callTool({ name: "poll" }, undefined, { onprogress: (p) => seen.push(p.progress) });
      assert.deepEqual(result.content, [{ type: "text", text: "polled true" }]);
      assert.deepEqual(seen, [1, 2]);
    });
  });

  test("both transports on one handler: an SDK client over /mcp and one over /sse at once", async () => {
    const handler = createHandler(testServer());
    const served = await serveHandler(handler);
    const modern = new Client({ name: "modern", version: "1" });
    const legacy = new Client({ name: "legacy", version: "1" });
    try {
      await modern.connect(new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`)));
      await legacy.connect(new SSEClientTransport(new URL(`${served.url}/sse`)));
      assert.equal(handler.sessions.size, 2);
      const a = await modern.callTool({ name: "echo", arguments: { text: "mcp" } });
      const b = await legacy.callTool({ name: "echo", arguments: { text: "sse" } });
      assert.deepEqual(a.content, [{ type: "text", text: "mcp" }]);
      assert.deepEqual(b.content, [{ type: "text", text: "sse" }]);
      await legacy.close();
      await waitFor(() => handler.sessions.size === 1, 5000, "the legacy session to close");
    } finally {
      await modern.close().catch(() => {});
      await legacy.close().catch(() => {});
      await served.close();
    }
  });

  test("SDK v2 client: initialize on 2025-11-25, call a tool, terminate → 0 sessions", async () => {
    const handler = createHandler(testServer());
    const served = await serveHandler(handler);
    const client = new ClientV2({ name: "v2", version: "1" });
    const transport = new StreamableHTTPClientTransportV2(new URL(`${served.url}/mcp`));
    try {
      await client.connect(transport);
      assert.equal(handler.sessions.size, 1);
      const result = await client.callTool({ name: "echo", arguments: { text: "v2" } });
      assert.deepEqual(result.content, [{ type: "text", text: "v2" }]);
      await transport.terminateSession();
      assert.equal(handler.sessions.size, 0);
    } finally {
      await client.close().catch(() => {});
      await served.close();
    }
  });
});
