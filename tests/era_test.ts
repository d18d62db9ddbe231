import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { classifyEra, type EraOutcome, type ServedEras } from "../src/era.ts";

const V = "2026-07-28";
const ALL: ServedEras = { modernVersions: [V], legacyVersions: ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] };
const MODERN_ONLY: ServedEras = { modernVersions: [V], legacyVersions: [] };
const LEGACY_ONLY: ServedEras = { modernVersions: [], legacyVersions: ALL.legacyVersions };

function meta(extra: Record<string, unknown> = {}) {
  return {
    "io.modelcontextprotocol/protocolVersion": V,
    "io.modelcontextprotocol/clientCapabilities": {},
    ...extra,
  };
}
function classify(body: unknown, headers: Record<string, string> = {}, served = ALL, httpMethod = "POST"): EraOutcome {
  return classifyEra({ httpMethod, headers: new Headers(headers), body }, served);
}
function rejection(outcome: EraOutcome) {
  assert.equal(outcome.kind, "reject", `expected a rejection, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<EraOutcome, { kind: "reject" }>;
}

describe("era classification (body first, header cross-check)", () => {
  test("non-POST methods are legacy", () => {
    for (const m of ["GET", "DELETE", "PUT"]) assert.deepEqual(classify(undefined, {}, ALL, m), { kind: "legacy", reason: "http-method" });
  });

  test("a posted response and an all-legacy batch are legacy", () => {
    assert.deepEqual(classify({ jsonrpc: "2.0", id: 1, result: {} }), { kind: "legacy", reason: "response" });
    assert.deepEqual(classify([{ jsonrpc: "2.0", id: 1, method: "ping" }]), { kind: "legacy", reason: "batch" });
  });

  test("a batch containing an enveloped request is 400/-32600", () => {
    const r = rejection(classify([{ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: meta() } }]));
    assert.deepEqual([r.status, r.code, r.id], [400, -32600, null]);
  });

  test("an enveloped request is modern and carries its validated envelope", () => {
    const body = { jsonrpc: "2.0", id: 7, method: "tools/list", params: { _meta: meta({ "io.modelcontextprotocol/logLevel": "info", "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" } }) } };
    const outcome = classify(body, { "mcp-protocol-version": V });
    assert.equal(outcome.kind, "modern");
    if (outcome.kind !== "modern") return;
    assert.equal(outcome.messageKind, "request");
    assert.deepEqual(outcome.envelope, { protocolVersion: V, clientCapabilities: {}, logLevel: "info", clientInfo: { name: "c", version: "1" } });
  });

  test("the header never upgrades or downgrades: no header still classifies an enveloped body modern", () => {
    assert.equal(classify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: meta() } }).kind, "modern");
  });

  test("header disagreeing with the envelope version is 400/-32020", () => {
    const r = rejection(classify({ jsonrpc: "2.0", id: 3, method: "tools/list", params: { _meta: meta() } }, { "mcp-protocol-version": "2025-11-25" }));
    assert.deepEqual([r.status, r.code, r.id], [400, -32020, 3]);
    assert.match(r.message, /MCP-Protocol-Version/);
  });

  test("a version not served is 400/-32022 with supported and requested", () => {
    const body = { jsonrpc: "2.0", id: 4, method: "tools/list", params: { _meta: meta({ "io.modelcontextprotocol/protocolVersion": "2099-01-01" }) } };
    const r = rejection(classify(body, { "mcp-protocol-version": "2099-01-01" }));
    assert.deepEqual([r.status, r.code, r.id], [400, -32022, 4]);
    assert.deepEqual(r.data, { supported: [V], requested: "2099-01-01" });
  });

  test("an envelope missing clientCapabilities is 400/-32602 naming the key", () => {
    const body = { jsonrpc: "2.0", id: 5, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/protocolVersion": V } } };
    const r = rejection(classify(body, { "mcp-protocol-version": V }));
    assert.deepEqual([r.status, r.code, r.id], [400, -32602, 5]);
    assert.match(r.message, /clientCapabilities/);
  });

  test("a non-string envelope version, bad clientInfo or bad logLevel is 400/-32602", () => {
    for (const bad of [
      { "io.modelcontextprotocol/protocolVersion": 2026 },
      meta({ "io.modelcontextprotocol/clientInfo": { name: "x" } }),
      meta({ "io.modelcontextprotocol/logLevel": "loud" }),
      meta({ "io.modelcontextprotocol/clientCapabilities": [] }),
    ]) {
      const r = rejection(classify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: bad } }));
      assert.deepEqual([r.status, r.code], [400, -32602], JSON.stringify(bad));
    }
  });

  test("initialize without the envelope key is legacy, even with a 2026 header", () => {
    const body = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } };
    assert.deepEqual(classify(body), { kind: "legacy", reason: "initialize" });
    assert.deepEqual(classify(body, { "mcp-protocol-version": V }), { kind: "legacy", reason: "initialize" });
  });

  test("initialize carrying the envelope key is modern (the transport then answers 404/-32601)", () => {
    const outcome = classify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { _meta: meta() } }, { "mcp-protocol-version": V });
    assert.equal(outcome.kind, "modern");
  });

  test("a 2026 header without the envelope is 400/-32602", () => {
    const r = rejection(classify({ jsonrpc: "2.0", id: 9, method: "tools/list" }, { "mcp-protocol-version": V }));
    assert.deepEqual([r.status, r.code, r.id], [400, -32602, 9]);
  });

  test("a notification with a 2026 header and no envelope is modern", () => {
    const outcome = classify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } }, { "mcp-protocol-version": V });
    assert.equal(outcome.kind, "modern");
  });

  test("no envelope and no 2026 header is legacy", () => {
    assert.deepEqual(classify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), { kind: "legacy", reason: "no-claim" });
    assert.deepEqual(classify({ jsonrpc: "2.0", id: 1, method: "tools/list" }, { "mcp-protocol-version": "2025-11-25" }), { kind: "legacy", reason: "no-claim" });
  });

  describe("restricted generations", () => {
    test("modern only: initialize is 400/-32022 with supported and the requested version", () => {
      const body = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" } } };
      const r = rejection(classify(body, {}, MODERN_ONLY));
      assert.deepEqual([r.status, r.code, r.id], [400, -32022, 1]);
      assert.deepEqual(r.data, { supported: [V], requested: "2025-06-18" });
    });

    test("modern only: an unenveloped request is 400/-32022 naming its header version", () => {
      const r = rejection(classify({ jsonrpc: "2.0", id: 2, method: "tools/list" }, { "mcp-protocol-version": "2025-11-25" }, MODERN_ONLY));
      assert.deepEqual(r.data, { supported: [V], requested: "2025-11-25" });
    });

    test("modern only: GET and DELETE are 405 with Allow: POST", () => {
      for (const m of ["GET", "DELETE"]) {
        const r = rejection(classify(undefined, {}, MODERN_ONLY, m));
        assert.equal(r.status, 405);
        assert.deepEqual(r.headers, { allow: "POST" });
      }
    });

    test("legacy only: an enveloped request is 400/-32022 listing the legacy versions", () => {
      const r = rejection(classify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: meta() } }, { "mcp-protocol-version": V }, LEGACY_ONLY));
      assert.equal(r.code, -32022);
      assert.deepEqual(r.data, { supported: LEGACY_ONLY.legacyVersions, requested: V });
    });
  });
});
