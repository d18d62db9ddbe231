import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { z } from "zod";
import { McpError } from "../src/jsonrpc.ts";
import { McpServer } from "../src/server.ts";
import { negotiateVersion } from "../src/versions.ts";

/** What McpServer.initialize checked before its zod-free fast path: this schema alone. */
const Schema = z.object({
  protocolVersion: z.string(),
  capabilities: z.record(z.string(), z.unknown()),
  clientInfo: z.object({ name: z.string(), version: z.string() }).loose(),
}).loose();

/** The outcome as the schema alone gives it, or the error message it words. */
function bySchema(params: Record<string, unknown> | undefined) {
  const parsed = Schema.safeParse(params ?? {});
  if (!parsed.success) return { error: `Invalid initialize params: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}` };
  return { protocolVersion: negotiateVersion(parsed.data.protocolVersion), clientInfo: parsed.data.clientInfo, clientCapabilities: parsed.data.capabilities };
}

function byServer(server: McpServer, params: Record<string, unknown> | undefined) {
  try {
    const { protocolVersion, clientInfo, clientCapabilities } = server.initialize(params);
    return { protocolVersion, clientInfo, clientCapabilities };
  } catch (error) {
    assert.ok(error instanceof McpError);
    return { error: error.message };
  }
}

const edgy = fc.oneof(
  fc.constantFrom("2025-06-18", "2025-11-25", "2024-11-05", "", 1, 0, null, true, [], [1], {}, { a: 1 }, { __proto__: null }),
  fc.string({ maxLength: 4 }),
  fc.integer(),
);
/** Objects as JSON.parse makes them (so `__proto__` is an own key, as in real bodies). */
const json = <T>(arb: fc.Arbitrary<T>) => arb.map((o) => JSON.parse(JSON.stringify(o)));
const infoLike = fc.oneof(
  edgy,
  fc.dictionary(fc.constantFrom("name", "version", "title", "__proto__", "constructor", "x"), edgy, { maxKeys: 4 }),
  fc.record({ name: fc.string(), version: fc.string() }),
);
const capabilitiesLike = fc.oneof(edgy, fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor", "sampling", "roots")), fc.jsonValue(), { maxKeys: 4 }));
const paramsLike = json(fc.oneof(
  fc.dictionary(fc.constantFrom("protocolVersion", "capabilities", "clientInfo", "__proto__", "_meta"), fc.oneof(edgy, infoLike, capabilitiesLike), { maxKeys: 5 }),
  fc.record({ protocolVersion: fc.oneof(edgy, fc.string()), capabilities: capabilitiesLike, clientInfo: infoLike }, { requiredKeys: [] }),
  fc.record({ protocolVersion: fc.string(), capabilities: fc.dictionary(fc.string(), fc.jsonValue()), clientInfo: fc.record({ name: fc.string(), version: fc.string() }), _meta: fc.jsonValue() }, { requiredKeys: ["protocolVersion", "capabilities", "clientInfo"] }),
));

describe("McpServer.initialize params", () => {
  const server = new McpServer({ name: "demo", version: "1.0.0" });

  test("accepts and rejects exactly what the zod schema accepts and rejects, with the same content and error", () => {
    fc.assert(
      fc.property(fc.oneof(paramsLike, fc.constant(undefined)), (params) => {
        assert.deepEqual(byServer(server, params), bySchema(params));
      }),
      { numRuns: 1000 },
    );
  });

  test("a well-formed client's params are kept; malformed ones are -32602", () => {
    const params = JSON.parse('{"protocolVersion":"2025-06-18","capabilities":{"roots":{}},"clientInfo":{"name":"c","version":"1","title":"C"}}');
    const outcome = server.initialize(params);
    assert.equal(outcome.protocolVersion, "2025-06-18");
    assert.deepEqual(outcome.clientInfo, { name: "c", version: "1", title: "C" });
    assert.deepEqual(outcome.clientCapabilities, { roots: {} });
    for (const bad of [{ ...params, capabilities: [] }, { ...params, clientInfo: { name: "c" } }, { ...params, protocolVersion: 1 }]) {
      assert.throws(() => server.initialize(bad), (e) => e instanceof McpError && e.code === -32602);
    }
  });
});
