import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { createHandler } from "../mod.ts";
import { testServer } from "./_fixtures.ts";
import { serveHandler, waitFor } from "./_serve.ts";

test("SDK client over legacy SSE: initialize, call a tool, disconnect → 404 and 0 sessions", async () => {
  const handler = createHandler(testServer());
  const served = await serveHandler(handler);
  try {
    const client = new Client({ name: "t", version: "1" });
    const transport = new SSEClientTransport(new URL(`${served.url}/sse`));
    await client.connect(transport);
    const tools = await client.listTools();
    assert.deepEqual(tools.tools.map((t) => t.name).sort(), ["add", "echo", "fail", "slow"]);
    const result = await client.callTool({ name: "echo", arguments: { text: "hi" } });
    assert.deepEqual(result.content, [{ type: "text", text: "hi" }]);
    assert.equal(handler.sessions.size, 1);
    const id = handler.sessions.ids()[0];
    await client.close();
    await waitFor(() => handler.sessions.size === 0, 5000, "session to close");
    const res = await fetch(`${served.url}/messages?sessionId=${id}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    assert.equal(res.status, 404);
    const body = await res.json();
    assert.equal(body.error.code, -32001);
  } finally {
    await served.close();
  }
});
