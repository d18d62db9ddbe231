import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { envelopeChannel, missingCapabilityError, readEnvelope, requireClientCapabilities } from "../src/envelope.ts";
import { createContext } from "../src/context.ts";
import { checkParamHeaders, checkStandardHeaders, decodeHeaderValue, paramHeadersOf } from "../src/mcp_headers.ts";
import { combineHints, resolveHint } from "../src/caching.ts";
import { McpServer } from "../mod.ts";
import { isModernVersion } from "../src/versions.ts";

const V = "2026-07-28";

describe("envelope", () => {
  test("readEnvelope names every missing required key", () => {
    const r = readEnvelope({});
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.match(r.message, /protocolVersion/);
      assert.match(r.message, /clientCapabilities/);
    }
    assert.equal(readEnvelope(undefined).ok, false);
  });

  test("clientInfo is optional; logLevel is read when valid", () => {
    const r = readEnvelope({ "io.modelcontextprotocol/protocolVersion": V, "io.modelcontextprotocol/clientCapabilities": { sampling: {} }, "io.modelcontextprotocol/logLevel": "warning" });
    assert.deepEqual(r, { ok: true, envelope: { protocolVersion: V, clientCapabilities: { sampling: {} }, logLevel: "warning" } });
  });

  test("the handler context comes from the envelope: logs only with a logLevel, filtered by it", () => {
    const sent: unknown[] = [];
    const request = { id: 1, method: "tools/call", params: {} };
    const quiet = createContext(envelopeChannel({ protocolVersion: V, clientCapabilities: {} }, (m) => sent.push(m)), request, new AbortController().signal);
    quiet.context.log("emergency", "x");
    assert.equal(sent.length, 0);
    const loud = createContext(envelopeChannel({ protocolVersion: V, clientCapabilities: { x: {} }, logLevel: "error", clientInfo: { name: "c", version: "1" } }, (m) => sent.push(m)), request, new AbortController().signal);
    loud.context.log("warning", "dropped");
    loud.context.log("error", "kept");
    assert.deepEqual(sent, [{ jsonrpc: "2.0", method: "notifications/message", params: { level: "error", data: "kept" } }]);
    assert.equal(loud.context.protocolVersion, V);
    assert.deepEqual(loud.context.clientInfo, { name: "c", version: "1" });
    assert.equal(loud.context.sessionId, undefined);
    return assert.rejects(loud.context.request("elicitation/create", {}), /cannot be sent requests/);
  });

  test("requireClientCapabilities throws -32021 naming only the missing ones, with HTTP 400", () => {
    assert.doesNotThrow(() => requireClientCapabilities({ clientCapabilities: { sampling: {} } }, { sampling: {} }));
    try {
      requireClientCapabilities({ clientCapabilities: { sampling: {} } }, { sampling: {}, elicitation: { form: {} } });
      assert.fail("should throw");
    } catch (error) {
      const e = error as ReturnType<typeof missingCapabilityError>;
      assert.equal(e.code, -32021);
      assert.equal(e.httpStatus, 400);
      assert.deepEqual(e.data, { requiredCapabilities: { elicitation: { form: {} } } });
    }
  });
});

describe("request metadata headers", () => {
  test("Base64 sentinel values decode; bad ones are reported", () => {
    assert.deepEqual(decodeHeaderValue("=?base64?SGVsbG8sIOS4lueVjA==?="), { ok: true, value: "Hello, 世界" });
    assert.deepEqual(decodeHeaderValue("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="), { ok: true, value: "=?base64?literal?=" });
    assert.deepEqual(decodeHeaderValue("plain value"), { ok: true, value: "plain value" });
    assert.equal(decodeHeaderValue("=?base64?@@@?=").ok, false);
    assert.equal(decodeHeaderValue("=?base64?SGVsbG8?=").ok, false, "missing padding");
    assert.equal(decodeHeaderValue("=?base64?SGVs!!!bG8=?=").ok, false, "non-alphabet characters");
    assert.deepEqual(decodeHeaderValue("=?base64?SGVsbG8="), { ok: true, value: "=?base64?SGVsbG8=" }, "no suffix: literal");
    assert.deepEqual(decodeHeaderValue("SGVsbG8="), { ok: true, value: "SGVsbG8=" }, "no prefix: literal");
    assert.equal(decodeHeaderValue(`=?base64?${btoa("\xff\xfe")}?=`).ok, false, "not UTF-8");
    assert.equal(decodeHeaderValue("tab\there").ok, true);
    assert.equal(decodeHeaderValue("caf\u00e9").ok, false, "non-ASCII must be Base64-encoded");
  });

  test("resources/read and prompts/get need Mcp-Name equal to uri/name", () => {
    const h = (name?: string) => new Headers({ "mcp-protocol-version": V, "mcp-method": "resources/read", ...(name ? { "mcp-name": name } : {}) });
    const read = { jsonrpc: "2.0" as const, id: 1, method: "resources/read", params: { uri: "file:///a b" } };
    assert.equal(checkStandardHeaders(h("file:///a b"), read, V), undefined);
    assert.match(checkStandardHeaders(h(), read, V) ?? "", /Mcp-Name is missing/);
    assert.match(checkStandardHeaders(h("file:///b"), read, V) ?? "", /does not match/);
    const get = { jsonrpc: "2.0" as const, id: 1, method: "prompts/get", params: { name: "p" } };
    assert.equal(checkStandardHeaders(new Headers({ "mcp-protocol-version": V, "mcp-method": "prompts/get", "mcp-name": "p" }), get, V), undefined);
  });

  test("x-mcp-header annotations are found only along properties chains", () => {
    const schema = {
      type: "object",
      properties: {
        a: { type: "string", "x-mcp-header": "A" },
        nested: { type: "object", properties: { b: { type: "integer", "x-mcp-header": "B" } } },
        list: { type: "array", items: { type: "object", properties: { c: { type: "string", "x-mcp-header": "C" } } } },
      },
    };
    assert.deepEqual(paramHeadersOf(schema), [{ name: "A", path: ["a"] }, { name: "B", path: ["nested", "b"] }]);
  });

  test("a null argument expects no header", () => {
    assert.equal(checkParamHeaders(new Headers(), [{ name: "A", path: ["a"] }], { a: null }), undefined);
  });
});

describe("caching hints", () => {
  test("the shortest TTL wins, one private item makes it private; negatives clamp to 0", () => {
    assert.deepEqual(combineHints([{ ttlMs: 100 }, undefined, { ttlMs: 50, cacheScope: "public" }, { cacheScope: "private" }]), { ttlMs: 50, cacheScope: "private" });
    assert.deepEqual(resolveHint({ ttlMs: -1 }, { ttlMs: 9, cacheScope: "public" }), { ttlMs: 0, cacheScope: "public" });
  });

  test("defaults: discover 5 minutes, lists 0; private when the request has a principal; providers override", () => {
    const server = new McpServer({ name: "s", version: "1" });
    const anon = createContext({ protocolVersion: V, clientCapabilities: {}, send() {} }, { id: 1, method: "x" }, new AbortController().signal).context;
    const authed = createContext({ protocolVersion: V, clientCapabilities: {}, send() {}, principal: "alice" }, { id: 1, method: "x" }, new AbortController().signal).context;
    assert.deepEqual(server.cacheHint("server/discover", {}, anon), { ttlMs: 300000, cacheScope: "public" });
    assert.deepEqual(server.cacheHint("tools/list", {}, anon), { ttlMs: 0, cacheScope: "public" });
    assert.deepEqual(server.cacheHint("tools/list", {}, authed), { ttlMs: 0, cacheScope: "private" });
    server.cacheHintProvider("resources/read", (params) => params.uri === "file:///static" ? { ttlMs: 60_000, cacheScope: "public" } : undefined);
    assert.deepEqual(server.cacheHint("resources/read", { uri: "file:///static" }, authed), { ttlMs: 60_000, cacheScope: "public" });
    assert.deepEqual(server.cacheHint("resources/read", { uri: "file:///other" }, authed), { ttlMs: 0, cacheScope: "private" });
  });
});

test("isModernVersion: dates from 2026-07-28 on and unknown strings are modern claims", () => {
  assert.equal(isModernVersion("2026-07-28"), true);
  assert.equal(isModernVersion("2027-01-01"), true);
  assert.equal(isModernVersion("2025-11-25"), false);
  assert.equal(isModernVersion("draft"), true);
  assert.equal(isModernVersion("2024-11-05"), false);
});
