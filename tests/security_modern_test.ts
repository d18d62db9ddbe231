/**
 * The security features on 2026-07-28 (sessionless) requests: the principal reaches handlers,
 * the handler timeout applies, graceful shutdown lets a request finish, and Host/Origin/auth
 * refuse before the request is read.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { bearerAuth, createHandler, McpServer, type Principal } from "../mod.ts";
import { modernHeaders, request } from "./_modern.ts";
import { waitFor } from "./_serve.ts";

function server(): { server: McpServer; probe: { aborted: number } } {
  const probe = { aborted: 0 };
  const server = new McpServer({ name: "modern-security", version: "1" });
  server.tool("whoami", {}, (_args, ctx) => ({ content: [{ type: "text", text: String((ctx.principal as Principal | undefined)?.id) }] }));
  server.tool("stuck", {}, (_args, ctx) =>
    new Promise(() => {
      ctx.signal.addEventListener("abort", () => probe.aborted++, { once: true });
    }));
  server.tool("brief", {}, () => new Promise((resolve) => setTimeout(() => resolve({ content: [{ type: "text", text: "finished" }] }), 200)));
  return { server, probe };
}

function call(name: string, headers: Record<string, string> = {}): Request {
  const body = request(1, "tools/call", { name, arguments: {} });
  return new Request("http://localhost/mcp", {
    method: "POST",
    headers: { ...modernHeaders(body), accept: "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

describe("security on 2026 requests", () => {
  test("the authenticated principal reaches the handler of a sessionless request; no token → 401", async () => {
    const handler = createHandler(server().server, {
      auth: { authenticate: bearerAuth({ verify: (t) => (t === "alice-token" ? { id: "alice" } : undefined) }) },
    });
    try {
      const refused = await handler.fetch(call("whoami"));
      assert.equal(refused.status, 401);
      assert.equal(handler.modernInFlight, 0);
      const response = await handler.fetch(call("whoami", { authorization: "Bearer alice-token" }));
      assert.equal(response.status, 200);
      assert.deepEqual((await response.json()).result.content, [{ type: "text", text: "alice" }]);
    } finally {
      await handler.close();
    }
  });

  test("a foreign Origin is refused before the request runs", async () => {
    const { server: s, probe } = server();
    const handler = createHandler(s);
    try {
      const response = await handler.fetch(call("stuck", { origin: "https://evil.example" }));
      assert.equal(response.status, 403);
      assert.equal(handler.modernInFlight, 0);
      assert.equal(probe.aborted, 0);
    } finally {
      await handler.close();
    }
  });

  test("a handler past handlerTimeoutMs is aborted and answered with -32603", async () => {
    const { server: s, probe } = server();
    const handler = createHandler(s, { handlerTimeoutMs: 30 });
    try {
      const response = await handler.fetch(call("stuck"));
      const body = await response.json();
      assert.equal(body.id, 1);
      assert.equal(body.error.code, -32603);
      assert.match(body.error.message, /timed out after 30 ms/);
      assert.equal(probe.aborted, 1);
      assert.equal(handler.modernInFlight, 0);
    } finally {
      await handler.close();
    }
  });

  test("close() lets a 2026 request in flight finish within the grace period", async () => {
    const handler = createHandler(server().server);
    const pending = handler.fetch(call("brief"));
    await waitFor(() => handler.modernInFlight === 1, 5000, "the request to start");
    await handler.close();
    const response = await pending;
    assert.equal(response.status, 200);
    assert.deepEqual((await response.json()).result.content, [{ type: "text", text: "finished" }]);
  });
});
