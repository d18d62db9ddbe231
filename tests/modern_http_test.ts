import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHandler, type TetherHandler } from "../mod.ts";
import { serveHandler, type Served } from "./_serve.ts";
import { envelope, modernServer, post, request, sseMessages, V } from "./_modern.ts";

let handler: TetherHandler;
let served: Served;
let url: string;

before(async () => {
  handler = createHandler(modernServer(), { keepAliveMs: 0 });
  served = await serveHandler(handler);
  url = served.url;
});
after(async () => {
  await served.close();
});

async function expectError(res: Response, status: number, code: number, id: unknown = null) {
  assert.equal(res.status, status);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  const body = await res.json();
  assert.equal(body.jsonrpc, "2.0");
  assert.equal(body.id, id);
  assert.equal(body.error.code, code, JSON.stringify(body));
  assert.equal(typeof body.error.message, "string");
  return body;
}

describe("2026-07-28 POST: pre-checks and era classification", () => {
  test("a non-JSON Content-Type is 415", async () => {
    const res = await post(url, request(1, "tools/list"), { "content-type": "text/plain" });
    await expectError(res, 415, -32600);
  });

  test("a body above the limit is 413", async () => {
    const small = createHandler(modernServer(), { maxBodyBytes: 100 });
    const s = await serveHandler(small);
    try {
      const res = await post(s.url, request(1, "tools/call", { name: "echo", arguments: { text: "x".repeat(500) } }));
      await expectError(res, 413, -32600);
    } finally {
      await s.close();
    }
  });

  test("invalid JSON is 400/-32700", async () => {
    const res = await post(url, "{not json", {});
    await expectError(res, 400, -32700);
  });

  test("an envelope without clientCapabilities is 400/-32602 naming the key", async () => {
    const body = { jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/protocolVersion": V } } };
    const err = await expectError(await post(url, body), 400, -32602, 2);
    assert.match(err.error.message, /clientCapabilities/);
  });

  test("MCP-Protocol-Version disagreeing with the envelope is 400/-32020", async () => {
    const err = await expectError(await post(url, request(3, "tools/list"), { "mcp-protocol-version": "2025-11-25" }), 400, -32020, 3);
    assert.match(err.error.message, /MCP-Protocol-Version/);
  });

  test("a version not served is 400/-32022 with supported and requested", async () => {
    const body = request(4, "tools/list", {}, { "io.modelcontextprotocol/protocolVersion": "2030-01-01" });
    const err = await expectError(await post(url, body, { "mcp-protocol-version": "2030-01-01" }), 400, -32022, 4);
    assert.deepEqual(err.error.data, { supported: [V], requested: "2030-01-01" });
  });

  test("initialize carrying the envelope key is 404/-32601", async () => {
    await expectError(await post(url, request(5, "initialize")), 404, -32601, 5);
  });

  test("a 2026 header without the envelope is 400/-32602", async () => {
    await expectError(await post(url, { jsonrpc: "2.0", id: 6, method: "tools/list" }), 400, -32602, 6);
  });

  test("unknown methods and 2025-only methods are 404/-32601", async () => {
    for (const method of ["nope/nothing", "ping", "logging/setLevel"]) {
      await expectError(await post(url, request(7, method)), 404, -32601, 7);
    }
  });
});

describe("2026-07-28 POST: request metadata headers", () => {
  test("a missing MCP-Protocol-Version is 400/-32020", async () => {
    const err = await expectError(await post(url, request(1, "tools/list"), { "mcp-protocol-version": null }), 400, -32020, 1);
    assert.match(err.error.message, /MCP-Protocol-Version is missing/);
  });

  test("a missing or different Mcp-Method is 400/-32020", async () => {
    await expectError(await post(url, request(1, "tools/list"), { "mcp-method": null }), 400, -32020, 1);
    const err = await expectError(await post(url, request(2, "tools/list"), { "mcp-method": "tools/call" }), 400, -32020, 2);
    assert.match(err.error.message, /Mcp-Method/);
  });

  test("tools/call without Mcp-Name, or with a different one, is 400/-32020", async () => {
    const body = request(1, "tools/call", { name: "echo", arguments: { text: "a" } });
    await expectError(await post(url, body, { "mcp-name": null }), 400, -32020, 1);
    const err = await expectError(await post(url, body, { "mcp-name": "add" }), 400, -32020, 1);
    assert.match(err.error.message, /Mcp-Name header 'add' does not match body value 'echo'/);
  });

  test("a Base64-sentinel Mcp-Name is decoded before comparing", async () => {
    const body = request(1, "tools/call", { name: "echo", arguments: { text: "a" } });
    const ok = await post(url, body, { "mcp-name": `=?base64?${btoa("echo")}?=` });
    assert.equal(ok.status, 200);
    assert.deepEqual((await ok.json()).result.content, [{ type: "text", text: "a" }]);
    await expectError(await post(url, body, { "mcp-name": `=?base64?${btoa("add")}?=` }), 400, -32020, 1);
    await expectError(await post(url, body, { "mcp-name": "=?base64?!!!?=" }), 400, -32020, 1);
  });

  test("Mcp-Param-* headers are checked against the arguments", async () => {
    const args = { region: "us-west1", count: 42, opts: { dry: true } };
    const body = request(1, "tools/call", { name: "region", arguments: args });
    const good = { "mcp-param-region": "us-west1", "mcp-param-count": "42.0", "mcp-param-dry": "true" };
    const ok = await post(url, body, good);
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.deepEqual(JSON.parse((await ok.json()).result.content[0].text), args);
    const b64 = await post(url, body, { ...good, "mcp-param-region": `=?base64?${btoa("us-west1")}?=` });
    assert.equal(b64.status, 200);
    for (const [change, pattern] of [
      [{ "mcp-param-region": null }, /Mcp-Param-Region is missing/],
      [{ "mcp-param-region": "eu-west1" }, /Mcp-Param-Region header 'eu-west1' does not match/],
      [{ "mcp-param-count": "41" }, /Mcp-Param-Count/],
      [{ "mcp-param-dry": "True" }, /Mcp-Param-Dry/],
      [{ "mcp-param-region": "=?base64?***?=" }, /not valid Base64/],
    ] as const) {
      const err = await expectError(await post(url, body, { ...good, ...change }), 400, -32020, 1);
      assert.match(err.error.message, pattern);
    }
  });

  test("an Mcp-Param header without its argument is 400/-32020; absent both is fine", async () => {
    const body = request(1, "tools/call", { name: "region", arguments: {} });
    assert.equal((await post(url, body)).status, 200);
    await expectError(await post(url, body, { "mcp-param-region": "x" }), 400, -32020, 1);
  });
});

describe("2026-07-28 POST: results and notifications", () => {
  test("a notification is 202 with an empty body", async () => {
    const res = await post(url, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, _meta: envelope() } });
    assert.equal(res.status, 202);
    assert.equal(await res.text(), "");
  });

  test("a notification whose Mcp-Method disagrees is 400/-32020", async () => {
    const res = await post(url, { jsonrpc: "2.0", method: "notifications/cancelled", params: { _meta: envelope() } }, { "mcp-method": "x" });
    await expectError(res, 400, -32020);
  });

  test("every result carries resultType and serverInfo, and no session id is minted", async () => {
    const res = await post(url, request(1, "tools/call", { name: "echo", arguments: { text: "hi" } }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("mcp-session-id"), null);
    const body = await res.json();
    assert.deepEqual(body, {
      jsonrpc: "2.0",
      id: 1,
      result: {
        content: [{ type: "text", text: "hi" }],
        resultType: "complete",
        _meta: { "io.modelcontextprotocol/serverInfo": { name: "tether-modern", version: "0.0.1" } },
      },
    });
    assert.equal(handler.sessions.size, 0);
    // A stray Mcp-Session-Id or Last-Event-ID on a 2026 request is ignored, as the spec says.
    const stray = await post(url, request(2, "tools/list"), { "mcp-session-id": "not-a-session", "last-event-id": "1" });
    assert.equal(stray.status, 200);
    assert.equal(stray.headers.get("mcp-session-id"), null);
    assert.equal((await stray.json()).result.resultType, "complete");
  });

  test("server/discover: versions, capabilities, instructions, caching hints", async () => {
    const body = await (await post(url, request("d", "server/discover"))).json();
    assert.deepEqual(body.result, {
      supportedVersions: [V],
      capabilities: { logging: {}, tools: { listChanged: true } },
      instructions: "Test server",
      resultType: "complete",
      ttlMs: 300000,
      cacheScope: "public",
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "tether-modern", version: "0.0.1" } },
    });
  });

  test("tools/list carries the tightest hint of server and tools", async () => {
    const body = await (await post(url, request(1, "tools/list"))).json();
    assert.equal(body.result.ttlMs, 500);
    assert.equal(body.result.cacheScope, "private");
    assert.ok(body.result.tools.some((t: { name: string }) => t.name === "region"));
    assert.equal("cache" in body.result.tools.find((t: { name: string }) => t.name === "region"), false);
  });

  test("a tool needing an undeclared client capability is 400/-32021 with requiredCapabilities", async () => {
    const body = request(1, "tools/call", { name: "needs_elicitation", arguments: {} });
    const err = await expectError(await post(url, body), 400, -32021, 1);
    assert.deepEqual(err.error.data, { requiredCapabilities: { elicitation: {} } });
    const withCap = request(2, "tools/call", { name: "needs_elicitation", arguments: {} }, {
      "io.modelcontextprotocol/clientCapabilities": { elicitation: {} },
    });
    const ok = await post(url, withCap);
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).result.content[0].text, "has elicitation");
  });

  test("a result that cannot be serialised is -32603, and nothing of the request remains", async () => {
    const server = modernServer();
    server.tool("bigint", {}, () => ({ content: [], structuredContent: { n: 1n } }) as never);
    const h = createHandler(server, { keepAliveMs: 0 });
    const s = await serveHandler(h);
    try {
      const res = await post(s.url, request(1, "tools/call", { name: "bigint", arguments: {} }));
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.deepEqual([body.id, body.error.code], [1, -32603]);
      assert.equal(h.modernInFlight, 0);
    } finally {
      await s.close();
    }
  });

  test("an unknown tool is a handler error: 200 with -32602", async () => {
    const res = await post(url, request(1, "tools/call", { name: "ghost", arguments: {} }), { "mcp-name": "ghost" });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).error.code, -32602);
  });
});

describe("2026-07-28 POST: response modes and logging", () => {
  test("auto: a request that sends progress becomes an SSE stream (progress, then the result)", async () => {
    const res = await post(url, request(1, "tools/call", { name: "progress", arguments: {} }, { progressToken: "p" }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    assert.equal(res.headers.get("x-accel-buffering"), "no");
    const sse = sseMessages(res);
    assert.deepEqual((await sse.next()).params, { progressToken: "p", progress: 1, total: 2, message: "half" });
    assert.deepEqual((await sse.next()).params, { progressToken: "p", progress: 2, total: 2, message: "done" });
    const final = await sse.next();
    assert.equal(final.id, 1);
    assert.equal(final.result.resultType, "complete");
    assert.equal(await sse.next(), undefined, "the stream ends after the response");
  });

  test("auto: a request that sends nothing is plain JSON", async () => {
    const res = await post(url, request(1, "tools/call", { name: "progress", arguments: {} }));
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    assert.equal((await res.json()).result.content[0].text, "finished");
  });

  test("a client accepting only JSON gets JSON even when progress was asked for", async () => {
    const res = await post(url, request(1, "tools/call", { name: "progress", arguments: {} }, { progressToken: "p" }), { accept: "application/json" });
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    assert.equal((await res.json()).result.content[0].text, "finished");
  });

  test("json mode drops notifications; sse mode always streams", async () => {
    for (const [mode, type] of [["json", /application\/json/], ["sse", /text\/event-stream/]] as const) {
      const h = createHandler(modernServer(), { responseMode: mode, keepAliveMs: 0 });
      const s = await serveHandler(h);
      try {
        const res = await post(s.url, request(1, "tools/call", { name: "progress", arguments: {} }, { progressToken: "p" }));
        assert.match(res.headers.get("content-type") ?? "", type);
        const text = await res.text();
        assert.equal(text.includes("notifications/progress"), mode === "sse");
        assert.ok(text.includes('"finished"'));
      } finally {
        await s.close();
      }
    }
  });

  test("logLevel filters log notifications; no logLevel means no logs", async () => {
    const res = await post(url, request(1, "tools/call", { name: "log", arguments: {} }, { "io.modelcontextprotocol/logLevel": "info" }));
    const sse = sseMessages(res);
    const levels = [];
    for (let m = await sse.next(); m !== undefined; m = await sse.next()) if (m.method === "notifications/message") levels.push(m.params.level);
    assert.deepEqual(levels, ["info", "error"]);
    const quiet = await post(url, request(2, "tools/call", { name: "log", arguments: {} }));
    assert.match(quiet.headers.get("content-type") ?? "", /application\/json/, "nothing was sent, so no stream");
    assert.equal((await quiet.json()).result.content[0].text, "logged");
  });

  test("sse keep-alive comments are sent on a quiet stream", async () => {
    const h = createHandler(modernServer(), { responseMode: "sse", keepAliveMs: 20 });
    const s = await serveHandler(h);
    try {
      const controller = new AbortController();
      const res = await post(s.url, request(1, "tools/call", { name: "wait", arguments: {} }), {}, controller.signal);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes(": keep-alive")) {
        const { value, done } = await reader.read();
        assert.equal(done, false, "the stream ended before a keep-alive comment");
        text += value;
      }
      controller.abort();
      await reader.cancel().catch(() => {});
    } finally {
      await s.close();
    }
  });
});
