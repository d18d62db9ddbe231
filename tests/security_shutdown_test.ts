import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHandler } from "../mod.ts";
import { testServer } from "./_fixtures.ts";
import { initializeLegacy, openLegacy } from "./_legacy.ts";
import { mcpInitialize, mcpPost } from "./_mcp_inproc.ts";

describe("graceful shutdown", () => {
  test("close() refuses new sessions at once, lets an in-flight call finish, then closes every session", async () => {
    const handler = createHandler(testServer());
    const client = await openLegacy(handler);
    await initializeLegacy(client);
    const idle = await openLegacy(handler);
    const session = handler.sessions.get(client.sessionId)!;
    assert.equal((await client.post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: { ms: 300 } } })).status, 202);
    assert.equal(session.inFlightCount, 1);
    const closing = handler.close();
    assert.equal(handler.close(), closing, "close() is idempotent");
    const refused = await handler.fetch(new Request("http://localhost/sse", { headers: { accept: "text/event-stream" } }));
    assert.equal(refused.status, 503);
    assert.equal((await refused.json()).jsonrpc, "2.0");
    assert.equal(await mcpInitialize(handler), undefined, "no Streamable HTTP session either");
    const refusedInit = await mcpPost(handler, {
      jsonrpc: "2.0",
      id: 9,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    assert.equal(refusedInit.status, 503);
    assert.equal(handler.sessions.size, 2, "sessions live on while draining");
    const result = await client.next();
    assert.deepEqual(result?.result.content, [{ type: "text", text: "done" }], "the in-flight call finished and was delivered");
    await closing;
    assert.equal(handler.sessions.size, 0);
    assert.equal(session.closeReason, "shutdown");
    assert.equal(await client.next(), undefined, "the stream ended");
    await idle.cancel();
  });

  test("past the grace period in-flight handlers are aborted through the session's close", async () => {
    const handler = createHandler(testServer());
    const client = await openLegacy(handler);
    await initializeLegacy(client);
    const session = handler.sessions.get(client.sessionId)!;
    await client.post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: { ms: 60_000 } } });
    assert.equal(session.inFlightCount, 1);
    await handler.close({ graceMs: 20 });
    assert.equal(session.closed, true);
    assert.equal(session.closeReason, "shutdown");
    assert.equal(session.inFlightCount, 0);
    assert.equal(handler.sessions.size, 0);
    await client.cancel();
  });
});
