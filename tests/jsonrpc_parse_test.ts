import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  JsonRpcErrorSchema,
  type JsonRpcMessage,
  JsonRpcNotificationSchema,
  JsonRpcRequestSchema,
  JsonRpcResultSchema,
  parseMessage,
} from "../src/jsonrpc.ts";

/** What parseMessage answered before its hot path: the zod schemas alone. */
function bySchemas(value: unknown): JsonRpcMessage | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const schema = "method" in v
    ? ("id" in v ? JsonRpcRequestSchema : JsonRpcNotificationSchema)
    : ("error" in v ? JsonRpcErrorSchema : JsonRpcResultSchema);
  const parsed = schema.safeParse(v);
  return parsed.success ? parsed.data as JsonRpcMessage : undefined;
}

/** Values close to the edges of every field's rule. */
const edgy = fc.oneof(
  fc.constantFrom("2.0", "2", "1.0", "", 2, 2.0, 1, 1.5, -1, 0, 2 ** 53, -(2 ** 53), 2 ** 53 - 1, null, true, false),
  fc.constantFrom({}, [], { a: 1 }, [1], { __proto__: null }, { nested: { deep: [1, 2] } }),
  fc.string({ maxLength: 4 }),
  fc.integer(),
  fc.double({ noNaN: true }),
);
const keys = fc.constantFrom("jsonrpc", "id", "method", "params", "result", "error", "extra", "__proto__", "constructor");

/** Objects as JSON.parse makes them (so `__proto__` is an own key, as in real bodies). */
const messageLike = fc
  .dictionary(keys, fc.oneof(edgy, fc.dictionary(fc.constantFrom("code", "message", "data", "x", "_meta"), edgy, { maxKeys: 3 })), { maxKeys: 5 })
  .map((o) => JSON.parse(JSON.stringify(o)));

const wellFormed = fc.record({
  jsonrpc: fc.constant("2.0"),
  id: fc.oneof(fc.string(), fc.integer()),
  method: fc.string(),
  params: fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }),
}, { requiredKeys: ["jsonrpc", "method"] }).map((o) => JSON.parse(JSON.stringify(o)));

describe("parseMessage", () => {
  test("accepts and rejects exactly what the zod schemas accept and reject, with the same content", () => {
    fc.assert(
      fc.property(fc.oneof(messageLike, wellFormed), (value) => {
        assert.deepEqual(parseMessage(value), bySchemas(value));
      }),
      { numRuns: 1000 },
    );
  });

  test("rejects unknown keys, bad versions, fractional or unsafe ids and non-object params", () => {
    const ok = { jsonrpc: "2.0", id: 1, method: "ping" };
    assert.deepEqual(parseMessage(ok), ok);
    assert.equal(parseMessage({ ...ok, extra: 1 }), undefined);
    assert.equal(parseMessage({ ...ok, jsonrpc: "1.0" }), undefined);
    assert.equal(parseMessage({ ...ok, id: 1.5 }), undefined);
    assert.equal(parseMessage({ ...ok, id: 2 ** 53 }), undefined);
    assert.equal(parseMessage({ ...ok, id: null }), undefined);
    assert.equal(parseMessage({ ...ok, params: [] }), undefined);
    assert.equal(parseMessage({ ...ok, params: "x" }), undefined);
    assert.equal(parseMessage({ jsonrpc: "2.0", id: 1, result: [] }), undefined);
    assert.deepEqual(parseMessage({ jsonrpc: "2.0", id: 1, result: {} }), { jsonrpc: "2.0", id: 1, result: {} });
  });

  test("an own __proto__ key in params is handled as the schema handles it", () => {
    const value = JSON.parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"__proto__":{"polluted":true},"name":"x"}}');
    const parsed = parseMessage(value) as { params: Record<string, unknown> } | undefined;
    assert.deepEqual(parsed, bySchemas(value));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
