/** Property: no 2026-shaped input, however malformed, crashes the endpoint or leaves anything behind. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createHandler } from "../mod.ts";
import { modernServer, V } from "./_modern.ts";

const KEYS = [
  "io.modelcontextprotocol/protocolVersion",
  "io.modelcontextprotocol/clientCapabilities",
  "io.modelcontextprotocol/clientInfo",
  "io.modelcontextprotocol/logLevel",
  "progressToken",
];
const METHODS = ["tools/list", "tools/call", "server/discover", "subscriptions/listen", "initialize", "ping", "resources/read", "x/y"];

const value = fc.oneof(fc.constant(V), fc.constant("2025-11-25"), fc.string(), fc.integer(), fc.constant({}), fc.constant(null), fc.array(fc.string()), fc.constant("info"));
const meta = fc.dictionary(fc.constantFrom(...KEYS), value);
const params = fc.record({
  _meta: fc.oneof(meta, value),
  name: fc.oneof(fc.constantFrom("echo", "region", "progress"), fc.string()),
  arguments: fc.oneof(fc.constant({ text: "x", region: "r", count: 1 }), fc.dictionary(fc.string(), value), value),
  uri: fc.string(),
  notifications: fc.oneof(fc.constant({ toolsListChanged: true }), value),
}, { requiredKeys: [] });
const message = fc.record({
  jsonrpc: fc.oneof(fc.constant("2.0"), fc.string()),
  id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
  method: fc.oneof(fc.constantFrom(...METHODS), fc.string()),
  params: fc.oneof(params, value),
}, { requiredKeys: ["method"] });
const headerValue = fc.oneof(fc.constant(V), fc.constantFrom(...METHODS), fc.constant("echo"), fc.constant("=?base64?ZWNobw==?="), fc.constant("=?base64?***?="), fc.stringMatching(/^[ -~]{0,12}$/));
const headers = fc.record({
  "mcp-protocol-version": headerValue,
  "mcp-method": headerValue,
  "mcp-name": headerValue,
  "mcp-param-region": headerValue,
  accept: fc.constantFrom("application/json", "text/event-stream", "application/json, text/event-stream"),
}, { requiredKeys: [] });

test("malformed 2026 requests get a JSON-RPC answer with a 2xx/4xx status, never a 500, and leave nothing", async () => {
  const handler = createHandler(modernServer(), { keepAliveMs: 0 });
  try {
    await fc.assert(fc.asyncProperty(message, headers, async (body, extra) => {
      const controller = new AbortController();
      const response = await handler.fetch(new Request("http://127.0.0.1/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", ...extra },
        body: JSON.stringify(body),
        signal: controller.signal,
      }));
      assert.ok(response.status < 500, `status ${response.status}`);
      if (response.status !== 202 && response.headers.get("content-type") === "application/json") {
        const answer = await response.json();
        assert.equal(answer.jsonrpc, "2.0");
      }
      controller.abort(); // whatever is still open (a listen, a waiting call) must go with the client
      await response.body?.cancel().catch(() => {});
      assert.equal(handler.openListens, 0);
      assert.equal(handler.modernInFlight, 0);
    }), { numRuns: 300 });
  } finally {
    await handler.close();
  }
  assert.equal(handler.sessions.size, 0);
});
