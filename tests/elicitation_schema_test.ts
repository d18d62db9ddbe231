import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { elicitation, elicitationSchemaProblem, toElicitationSchema } from "../mod.ts";

describe("elicitation schemas", () => {
  test("zod forms convert to the spec's restricted subset", () => {
    const schema = toElicitationSchema(z.object({
      email: z.email().describe("Where to write"),
      age: z.number().int().min(0).max(150),
      ratio: z.number().optional(),
      agree: z.boolean().default(false),
      size: z.enum(["s", "m", "l"]),
      tags: z.array(z.enum(["a", "b"])).min(1),
    }));
    assert.equal(elicitationSchemaProblem(schema), undefined);
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(properties.email, { type: "string", format: "email", description: "Where to write" });
    assert.deepEqual(properties.age, { type: "integer", minimum: 0, maximum: 150 });
    assert.deepEqual(properties.size, { type: "string", enum: ["s", "m", "l"] });
    assert.deepEqual(properties.tags, { type: "array", items: { type: "string", enum: ["a", "b"] }, minItems: 1 });
    // A field with a default is optional for the user.
    assert.deepEqual(schema.required, ["email", "age", "size", "tags"]);
    assert.deepEqual(properties.agree, { type: "boolean", default: false });
  });

  test("titled single- and multi-select enums in JSON Schema are accepted", () => {
    assert.equal(elicitationSchemaProblem({
      type: "object",
      properties: {
        one: { type: "string", oneOf: [{ const: "a", title: "A" }] },
        many: { type: "array", items: { anyOf: [{ const: "a", title: "A" }] } },
        legacy: { type: "string", enum: ["x"], enumNames: ["X"] },
      },
    }), undefined);
  });

  test("nested objects, free arrays, unions, patterns and unknown formats are refused with the property named", () => {
    const cases: Array<[z.ZodObject | Record<string, unknown>, RegExp]> = [
      [z.object({ address: z.object({ street: z.string() }) }), /property "address"/],
      [z.object({ list: z.array(z.string()) }), /property "list": arrays must be multi-select enums/],
      [z.object({ either: z.union([z.string(), z.number()]) }), /property "either"/],
      [z.object({ code: z.string().regex(/^[A-Z]+$/) }), /property "code" uses keywords outside the elicitation subset: pattern/],
      [{ type: "object", properties: { ip: { type: "string", format: "ipv4" } } }, /format "ipv4"/],
      [{ type: "array" }, /must be an object schema/],
    ];
    for (const [schema, reason] of cases) {
      assert.throws(() => toElicitationSchema(schema as never), (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, reason);
        return true;
      });
    }
  });

  test("accepted content is validated and typed by the zod schema; decline carries no content", () => {
    const question = elicitation("Age?", z.object({ age: z.number() }));
    assert.deepEqual(question.parse({ action: "accept", content: { age: 3 } }), { action: "accept", content: { age: 3 } });
    assert.deepEqual(question.parse({ action: "decline", content: { age: 3 } }), { action: "decline" });
    assert.throws(() => question.parse({ action: "accept", content: { age: "3" } }), /does not match the requested schema/);
    assert.throws(() => question.parse({ action: "maybe" }), /not an elicitation result/);
  });
});
