import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { classifyEra, type ServedEras, sessionMessageOf } from "../src/era.ts";
import { parseMessage } from "../src/jsonrpc.ts";
import { isModernVersion, isSessionVersion, MODERN_VERSIONS, SESSION_VERSIONS } from "../src/versions.ts";

const ALL: ServedEras = { modernVersions: MODERN_VERSIONS, legacyVersions: SESSION_VERSIONS };
const LEGACY_ONLY: ServedEras = { modernVersions: [], legacyVersions: SESSION_VERSIONS };
const CLAIM = "io.modelcontextprotocol/protocolVersion";

const edgy = fc.oneof(
  fc.constantFrom("2.0", "1.0", "", 1, 1.5, null, true, {}, [], "initialize", "tools/call", "2025-06-18", "2026-07-28"),
  fc.string({ maxLength: 4 }),
  fc.integer(),
);
const metaArb = fc.dictionary(fc.constantFrom(CLAIM, "io.modelcontextprotocol/clientCapabilities", "progressToken", "x"), edgy, { maxKeys: 3 });
const paramsArb = fc.oneof(
  edgy,
  fc.dictionary(fc.constantFrom("name", "arguments", "_meta", "protocolVersion"), fc.oneof(edgy, metaArb), { maxKeys: 3 }),
);
/** Bodies as JSON.parse makes them: near-messages, with and without envelope claims, and batches. */
const message = fc
  .record({
    jsonrpc: fc.constantFrom("2.0", "2.0", "2.0", "1.0"),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null), fc.constant(1.5)),
    method: fc.oneof(fc.constantFrom("tools/call", "initialize", "ping", "notifications/initialized"), fc.integer()),
    params: paramsArb,
    result: fc.constant({}),
    extra: edgy,
  }, { requiredKeys: [] })
  .map((o) => JSON.parse(JSON.stringify(o)));
const body = fc.oneof(message, message, message, fc.array(message, { maxLength: 2 }), edgy);
const header = fc.option(
  fc.constantFrom(...SESSION_VERSIONS, ...MODERN_VERSIONS, "2024-01-01", "2099-01-01", "garbage", "", " 2025-06-18"),
  { nil: undefined },
);

function headersOf(version: string | undefined): Headers {
  return new Headers(version === undefined ? {} : { "mcp-protocol-version": version });
}

describe("the one-message 2025 session fast path (sessionMessageOf)", () => {
  test("no session version is a modern one (the fast path relies on it)", () => {
    for (const version of SESSION_VERSIONS) assert.equal(isModernVersion(version), false, version);
  });

  test("takes a POST exactly when classifying says legacy/no-claim and the session version check passes, with the same message", () => {
    fc.assert(
      fc.property(body, header, (value, version) => {
        const headers = headersOf(version);
        const fast = sessionMessageOf(value, headers);
        const slowVersionOk = version === undefined || isSessionVersion(version);
        for (const served of [ALL, LEGACY_ONLY]) {
          const outcome = classifyEra({ httpMethod: "POST", headers, body: value }, served);
          const slowTakes = outcome.kind === "legacy" && outcome.reason === "no-claim" && slowVersionOk;
          assert.equal(fast !== undefined, slowTakes, JSON.stringify({ value, version, outcome }));
        }
        if (fast !== undefined) assert.deepEqual(fast, parseMessage(value));
      }),
      { numRuns: 2000 },
    );
  });

  test("examples: a tools/call with or without a session version header is taken; initialize, claims, batches, other headers are not", () => {
    const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: {} } };
    assert.deepEqual(sessionMessageOf(call, headersOf("2025-06-18")), call);
    assert.deepEqual(sessionMessageOf(call, headersOf(undefined)), call);
    assert.equal(sessionMessageOf(call, headersOf("2026-07-28")), undefined);
    assert.equal(sessionMessageOf(call, headersOf("2024-01-01")), undefined);
    assert.equal(sessionMessageOf(call, headersOf("garbage")), undefined);
    assert.equal(sessionMessageOf([call], headersOf(undefined)), undefined);
    assert.equal(sessionMessageOf({ ...call, method: "initialize" }, headersOf(undefined)), undefined);
    assert.equal(sessionMessageOf({ ...call, params: { _meta: { [CLAIM]: "2025-06-18" } } }, headersOf(undefined)), undefined);
    assert.equal(sessionMessageOf({ jsonrpc: "2.0", id: 1, result: {} }, headersOf(undefined)), undefined);
  });
});
