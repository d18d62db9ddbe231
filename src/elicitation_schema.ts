/**
 * The restricted JSON Schema subset an elicitation's `requestedSchema` may use: a flat object
 * whose properties are strings (optionally with a format), numbers, integers, booleans,
 * single-select enums or multi-select enum arrays. zod schemas are converted and then checked,
 * so a schema clients cannot render is refused when the question is built, not at the client.
 *
 * @module
 */
import { z } from "zod";

/**
 * A JSON Schema object.
 *
 * @example
 * ```ts
 * import type { JsonSchemaObject } from "./elicitation_schema.ts";
 * const form: JsonSchemaObject = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
 * ```
 */
export type JsonSchemaObject = Record<string, unknown>;

const COMMON = ["type", "title", "description", "default"];
const ALLOWED: Record<string, string[]> = {
  string: [...COMMON, "minLength", "maxLength", "format", "enum", "enumNames", "oneOf"],
  number: [...COMMON, "minimum", "maximum"],
  integer: [...COMMON, "minimum", "maximum"],
  boolean: COMMON,
  array: [...COMMON, "minItems", "maxItems", "items"],
};
const FORMATS = ["email", "uri", "date", "date-time"];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function isTitledOptions(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0 &&
    value.every((o) => isObject(o) && typeof o.const === "string" && typeof o.title === "string" && Object.keys(o).length === 2);
}

function checkProperty(name: string, schema: unknown): string | undefined {
  if (!isObject(schema)) return `property "${name}" must be a schema object`;
  const type = schema.type;
  if (typeof type !== "string" || !(type in ALLOWED)) {
    return `property "${name}" must have type string, number, integer, boolean or array (got ${JSON.stringify(type)})`;
  }
  const extra = Object.keys(schema).filter((k) => !ALLOWED[type].includes(k));
  if (extra.length > 0) return `property "${name}" uses keywords outside the elicitation subset: ${extra.join(", ")}`;
  if (type === "string") {
    if (schema.format !== undefined && !FORMATS.includes(schema.format as string)) {
      return `property "${name}" has format ${JSON.stringify(schema.format)}; allowed: ${FORMATS.join(", ")}`;
    }
    if (schema.enum !== undefined && !isStringArray(schema.enum)) return `property "${name}": enum must be strings`;
    if (schema.oneOf !== undefined && !isTitledOptions(schema.oneOf)) return `property "${name}": oneOf must be {const, title} strings`;
  }
  if (type === "array") {
    const items = schema.items;
    const untitled = isObject(items) && items.type === "string" && isStringArray(items.enum) && Object.keys(items).length === 2;
    const titled = isObject(items) && isTitledOptions(items.anyOf) && Object.keys(items).length === 1;
    if (!untitled && !titled) return `property "${name}": arrays must be multi-select enums (items {type: "string", enum} or {anyOf: [{const, title}]})`;
  }
  return undefined;
}

/**
 * Returns why `schema` is outside the elicitation subset, or `undefined` when it is inside.
 *
 * @example
 * ```ts
 * import { elicitationSchemaProblem } from "./elicitation_schema.ts";
 * elicitationSchemaProblem({ type: "object", properties: { ok: { type: "boolean" } } }); // undefined
 * elicitationSchemaProblem({ type: "object", properties: { a: { type: "object" } } }); // 'property "a" must have type …'
 * ```
 */
export function elicitationSchemaProblem(schema: unknown): string | undefined {
  if (!isObject(schema) || schema.type !== "object") return "requestedSchema must be an object schema";
  const extra = Object.keys(schema).filter((k) => !["type", "properties", "required", "$schema", "title", "description"].includes(k));
  if (extra.length > 0) return `requestedSchema uses keywords outside the elicitation subset: ${extra.join(", ")}`;
  if (!isObject(schema.properties)) return "requestedSchema must have properties";
  if (schema.required !== undefined && !isStringArray(schema.required)) return "requestedSchema.required must be a list of names";
  for (const [name, property] of Object.entries(schema.properties)) {
    const problem = checkProperty(name, property);
    if (problem) return problem;
  }
  return undefined;
}

/** Removes what zod adds that the subset does not allow but that changes nothing for clients. */
function tidy(schema: JsonSchemaObject): JsonSchemaObject {
  const out: JsonSchemaObject = { ...schema };
  delete out.$schema;
  delete out.additionalProperties;
  if (isObject(out.properties)) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([name, p]) => {
      if (!isObject(p)) return [name, p];
      const property = { ...p };
      // zod pairs a format with its own regex; the format alone is what clients understand.
      if (property.format !== undefined) delete property.pattern;
      // zod spells the bounds of .int() as the safe-integer range; they say nothing to a user.
      if (property.type === "integer" && property.minimum === Number.MIN_SAFE_INTEGER) delete property.minimum;
      if (property.type === "integer" && property.maximum === Number.MAX_SAFE_INTEGER) delete property.maximum;
      return [name, property];
    }));
  }
  return out;
}

/**
 * Converts a zod object schema (or checks a JSON Schema) into an elicitation `requestedSchema`.
 * Throws a `TypeError` naming the offending property when it is outside the subset.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { toElicitationSchema } from "./elicitation_schema.ts";
 * toElicitationSchema(z.object({ name: z.string(), ok: z.boolean() }));
 * // { type: "object", properties: { name: { type: "string" }, ok: { type: "boolean" } }, required: ["name", "ok"] }
 * ```
 */
export function toElicitationSchema(schema: z.ZodType | JsonSchemaObject): JsonSchemaObject {
  const json = "_zod" in schema
    ? tidy(z.toJSONSchema(schema as z.ZodType, { target: "draft-2020-12", io: "input" }) as JsonSchemaObject)
    : schema as JsonSchemaObject;
  const problem = elicitationSchemaProblem(json);
  if (problem) throw new TypeError(`Elicitation schema not allowed: ${problem}`);
  return json;
}
