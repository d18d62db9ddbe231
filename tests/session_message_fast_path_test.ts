import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { classifyEra, type ServedEras, sessionMessageOf } from "../src/era.ts";
import { parseMessage } from "../src/jsonrpc.ts";
import { createHandler, type HandlerOptions } from "../mod.ts";
import { testServer } from "./_fixtures.ts";
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function headersOf(version: string | undefined): Headers {
  return new Headers(version === undefined ? {} : { "mcp-protocol-version": version });
}

describe("the one-message 2025 session fast path (sessionMessageOf)", () => {
  test("no session version is a modern one (the fast path relies on it)", () => {
    for (const version of SESSION_VERSIONS) assert.equal(isModernVersion(version), false, version);
  });

  test("takes a POST exactly when classifying says legacy/no-claim or legacy/initialize with no claim, and the session version check passes, with the same message", () => {
    fc.assert(
      fc.property(body, header, (value, version) => {
        const headers = headersOf(version);
        const fast = sessionMessageOf(value, headers);
        // What the 2025 transport's version check reads: the header as the Headers object gives
        // it (leading and trailing whitespace stripped), not the raw string.
        const sent = headers.get("mcp-protocol-version");
        const slowVersionOk = sent === null || isSessionVersion(sent);
        for (const served of [ALL, LEGACY_ONLY]) {
          const outcome = classifyEra({ httpMethod: "POST", headers, body: value }, served);
          // (A 2025 version claimed in an initialize's _meta is legacy/initialize too; the fast path leaves claims to classifying.)
          const claimed = isRecord(value) && isRecord(value.params) && isRecord(value.params._meta) && CLAIM in value.params._meta;
          const slowTakes = outcome.kind === "legacy" && (outcome.reason === "no-claim" || (outcome.reason === "initialize" && !claimed)) && slowVersionOk;
          assert.equal(fast !== undefined, slowTakes, JSON.stringify({ value, version, outcome }));
        }
        if (fast !== undefined) assert.deepEqual(fast, parseMessage(value));
      }),
      { numRuns: 2000 },
    );
  });

  test("examples: a tools/call or an initialize with or without a session version header is taken; claims, batches, other headers are not", () => {
    const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: {} } };
    assert.deepEqual(sessionMessageOf(call, headersOf("2025-06-18")), call);
    assert.deepEqual(sessionMessageOf(call, headersOf(undefined)), call);
    assert.equal(sessionMessageOf(call, headersOf("2026-07-28")), undefined);
    assert.equal(sessionMessageOf(call, headersOf("2024-01-01")), undefined);
    assert.equal(sessionMessageOf(call, headersOf("garbage")), undefined);
    assert.equal(sessionMessageOf([call], headersOf(undefined)), undefined);
    const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" } } };
    assert.deepEqual(sessionMessageOf(initialize, headersOf(undefined)), initialize);
    assert.deepEqual(sessionMessageOf(initialize, headersOf("2025-03-26")), initialize);
    assert.equal(sessionMessageOf(initialize, headersOf("2026-07-28")), undefined);
    assert.equal(sessionMessageOf({ ...initialize, params: { ...initialize.params, _meta: { [CLAIM]: "2025-06-18" } } }, headersOf(undefined)), undefined);
    assert.equal(sessionMessageOf({ ...call, params: { _meta: { [CLAIM]: "2025-06-18" } } }, headersOf(undefined)), undefined);
    assert.equal(sessionMessageOf({ jsonrpc: "2.0", id: 1, result: {} }, headersOf(undefined)), undefined);
  });
});

/** One POST to /mcp: status, parsed JSON body (or null), whether a session id came back, and the sessions left open. */
async function postTo(options: HandlerOptions, body: unknown, headers: Record<string, string>) {
  const handler = createHandler(testServer(), options);
  try {
    const response = await handler.fetch(new Request("http://127.0.0.1/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    }));
    const text = await response.text();
    return { status: response.status, body: text === "" ? null : JSON.parse(text), sessionId: response.headers.has("mcp-session-id"), sessions: handler.sessions.size };
  } finally {
    await handler.close();
  }
}

describe("the fast path's remaining checks come in the slow path's order", () => {
  const call = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo", arguments: { text: "x" } } };
  const both = "application/json, text/event-stream";
  // The twin differs only by a version header the fast path leaves to the slow path; the slow
  // path checks Accept and the batch limit before that header, so both must answer alike.
  const fast = { "mcp-session-id": "no-such-session", "mcp-protocol-version": "2025-06-18" };
  const slow = { "mcp-session-id": "no-such-session", "mcp-protocol-version": "2024-01-01" };

  test("the twins take different paths", () => {
    assert.notEqual(sessionMessageOf(call, new Headers(fast)), undefined);
    assert.equal(sessionMessageOf(call, new Headers(slow)), undefined);
  });

  test("Accept without text/event-stream: 406 on both paths, before the batch limit and the session", async () => {
    const a = await postTo({ maxBatchSize: 0 }, call, { ...fast, accept: "application/json" });
    const b = await postTo({ maxBatchSize: 0 }, call, { ...slow, accept: "application/json" });
    assert.equal(a.status, 406);
    assert.deepEqual(a, b);
  });

  test("a batch limit below one refuses a single message on both paths (400), before the session lookup", async () => {
    const a = await postTo({ maxBatchSize: 0 }, call, { ...fast, accept: both });
    const b = await postTo({ maxBatchSize: 0 }, call, { ...slow, accept: both });
    assert.equal(a.status, 400);
    assert.deepEqual(a, b);
  });

  test("an unknown session is 404 on the fast path", async () => {
    const a = await postTo({}, call, { ...fast, accept: both });
    assert.equal(a.status, 404);
    assert.equal(a.body.error.code, -32001);
  });
});

describe("an initialize takes the fast path and answers as the slow path does", () => {
  const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" } } };
  // The twin claims its 2025 version in _meta: classifying takes it (legacy/initialize), then the 2025 transport.
  const twin = { ...initialize, params: { ...initialize.params, _meta: { [CLAIM]: "2025-06-18" } } };
  const both = "application/json, text/event-stream";

  test("the twins take different paths", () => {
    assert.notEqual(sessionMessageOf(initialize, new Headers()), undefined);
    assert.equal(sessionMessageOf(twin, new Headers()), undefined);
  });

  for (const [name, options, headers, status] of [
    ["a session is made and named", {}, { accept: both }, 200],
    ["with a session version header", {}, { accept: both, "mcp-protocol-version": "2025-03-26" }, 200],
    ["stateless: answered, no session", { stateless: true }, { accept: both }, 200],
    ["Accept without text/event-stream: 406", {}, { accept: "application/json" }, 406],
    ["a batch limit below one: 400", { maxBatchSize: 0 }, { accept: both }, 400],
  ] as const) {
    test(`${name}, on both paths`, async () => {
      const fast = await postTo(options, initialize, headers);
      const slow = await postTo(options, twin, headers);
      assert.equal(fast.status, status);
      assert.deepEqual(fast, slow);
    });
  }
});
