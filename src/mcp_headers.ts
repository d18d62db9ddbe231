/**
 * The 2026-07-28 request metadata headers: `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`
 * and the `Mcp-Param-*` headers mirrored from tool arguments (`x-mcp-header`), each checked
 * against the body after decoding the `=?base64?…?=` form. Every failure is one message for a
 * `400` with `-32020`.
 *
 * @module
 */
import type { JsonRpcRequest } from "./jsonrpc.ts";

const SENTINEL_PREFIX = "=?base64?";
const SENTINEL_SUFFIX = "?=";
const PLAIN_VALUE = /^[\x20-\x7E\t]*$/;

/**
 * The outcome of {@link decodeHeaderValue}.
 *
 * @example
 * ```ts
 * import { type DecodedHeader, decodeHeaderValue } from "./mcp_headers.ts";
 * const decoded: DecodedHeader = decodeHeaderValue("=?base64?SGVsbG8=?=");
 * if (decoded.ok) decoded.value; // "Hello"
 * ```
 */
export type DecodedHeader = { ok: true; value: string } | { ok: false; reason: string };

/**
 * Decodes a header value that may use the Base64 sentinel form; rejects characters a header
 * may not carry and sentinel payloads that are not Base64 of UTF-8.
 *
 * @example
 * ```ts
 * import { decodeHeaderValue } from "./mcp_headers.ts";
 * decodeHeaderValue("=?base64?SGVsbG8sIOS4lueVjA==?="); // { ok: true, value: "Hello, 世界" }
 * decodeHeaderValue("us-west1"); // { ok: true, value: "us-west1" }
 * ```
 */
export function decodeHeaderValue(raw: string): DecodedHeader {
  if (!PLAIN_VALUE.test(raw)) return { ok: false, reason: "contains characters not allowed in a header value" };
  if (!(raw.startsWith(SENTINEL_PREFIX) && raw.endsWith(SENTINEL_SUFFIX) && raw.length >= SENTINEL_PREFIX.length + SENTINEL_SUFFIX.length)) {
    return { ok: true, value: raw };
  }
  const payload = raw.slice(SENTINEL_PREFIX.length, raw.length - SENTINEL_SUFFIX.length);
  // Strict Base64: padded to whole quanta, standard alphabet only.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(payload)) {
    return { ok: false, reason: "is not valid Base64" };
  }
  try {
    const binary = atob(payload);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return { ok: true, value: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: "is not Base64 of UTF-8 text" };
  }
}

/** The body field `Mcp-Name` mirrors for each method that needs it. */
const NAME_FIELD: Record<string, "name" | "uri" | "taskId"> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  // The tasks extension (served only when registered; see tasks.ts).
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

/**
 * Checks `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` of a 2026 request against its
 * body. Returns the mismatch message, or `undefined` when the headers agree.
 *
 * @example
 * ```ts
 * import { checkStandardHeaders } from "./mcp_headers.ts";
 * checkStandardHeaders(
 *   new Headers({ "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" }),
 *   { jsonrpc: "2.0", id: 1, method: "tools/list" },
 *   "2026-07-28",
 * ); // undefined
 * ```
 */
export function checkStandardHeaders(headers: Headers, message: JsonRpcRequest, protocolVersion: string): string | undefined {
  const version = headers.get("mcp-protocol-version");
  if (version === null) return "Header mismatch: required header MCP-Protocol-Version is missing";
  if (version !== protocolVersion) {
    return `Header mismatch: MCP-Protocol-Version header '${version}' does not match body value '${protocolVersion}'`;
  }
  const method = headers.get("mcp-method");
  if (method === null) return "Header mismatch: required header Mcp-Method is missing";
  if (method !== message.method) return `Header mismatch: Mcp-Method header '${method}' does not match body value '${message.method}'`;
  const field = NAME_FIELD[message.method];
  if (field === undefined) return undefined;
  const rawName = headers.get("mcp-name");
  if (rawName === null) return "Header mismatch: required header Mcp-Name is missing";
  const decoded = decodeHeaderValue(rawName);
  if (!decoded.ok) return `Header mismatch: Mcp-Name header ${decoded.reason}`;
  const bodyValue = message.params?.[field];
  if (decoded.value !== bodyValue) {
    return `Header mismatch: Mcp-Name header '${decoded.value}' does not match body value '${String(bodyValue)}'`;
  }
  return undefined;
}

/**
 * One `x-mcp-header` annotation: the header name part and the property path it mirrors.
 *
 * @example
 * ```ts
 * import { type ParamHeader, paramHeadersOf } from "./mcp_headers.ts";
 * const headers: ParamHeader[] = paramHeadersOf({
 *   type: "object",
 *   properties: { region: { type: "string", "x-mcp-header": "Region" } },
 * }); // one annotation: Mcp-Param-Region mirrors `region`
 * ```
 */
export interface ParamHeader {
  /** `Region` for `Mcp-Param-Region`. */
  name: string;
  /** The chain of `properties` keys leading to the annotated property. */
  path: string[];
}

/**
 * Finds the `x-mcp-header` annotations of a tool's input schema that are statically reachable
 * (through `properties` only), as the spec defines them. Remembered per schema object (the
 * answer is shared: read it, don't change it).
 *
 * @example
 * ```ts
 * import { paramHeadersOf } from "./mcp_headers.ts";
 * paramHeadersOf({ type: "object", properties: { region: { type: "string", "x-mcp-header": "Region" } } });
 * // [{ name: "Region", path: ["region"] }]
 * ```
 */
export function paramHeadersOf(schema: unknown): readonly ParamHeader[] {
  // A tool's published schema is made once: its annotations are found once too.
  const cacheable = typeof schema === "object" && schema !== null;
  if (cacheable) {
    const known = annotationsBySchema.get(schema);
    if (known !== undefined) return known;
  }
  const found = findParamHeaders(schema);
  if (cacheable) annotationsBySchema.set(schema, found);
  return found;
}

const annotationsBySchema = new WeakMap<object, readonly ParamHeader[]>();

function findParamHeaders(schema: unknown): ParamHeader[] {
  const found: ParamHeader[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (typeof node !== "object" || node === null) return;
    const properties = (node as Record<string, unknown>).properties;
    if (typeof properties !== "object" || properties === null) return;
    for (const [key, child] of Object.entries(properties as Record<string, unknown>)) {
      if (typeof child !== "object" || child === null) continue;
      const annotation = (child as Record<string, unknown>)["x-mcp-header"];
      if (typeof annotation === "string" && annotation !== "") found.push({ name: annotation, path: [...path, key] });
      walk(child, [...path, key]);
    }
  };
  walk(schema, []);
  return found;
}

function valueAt(args: Record<string, unknown>, path: string[]): unknown {
  let node: unknown = args;
  for (const key of path) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function matches(headerValue: string, bodyValue: unknown): boolean {
  switch (typeof bodyValue) {
    case "string":
      return headerValue === bodyValue;
    case "boolean":
      return headerValue === String(bodyValue);
    case "number":
      // Integers compare numerically: "42.0" and 42 agree.
      return headerValue.trim() !== "" && Number(headerValue) === bodyValue;
    default:
      return false;
  }
}

/**
 * Checks the `Mcp-Param-*` headers of a `tools/call` against its arguments: every annotated
 * value present in the body needs its header, equal after decoding; a header without a body
 * value is a mismatch too. Returns the mismatch message, or `undefined`.
 *
 * @example
 * ```ts
 * import { checkParamHeaders } from "./mcp_headers.ts";
 * checkParamHeaders(
 *   new Headers({ "mcp-param-region": "us-west1" }),
 *   [{ name: "Region", path: ["region"] }],
 *   { region: "us-west1" },
 * ); // undefined
 * ```
 */
export function checkParamHeaders(headers: Headers, annotations: readonly ParamHeader[], args: Record<string, unknown>): string | undefined {
  for (const { name, path } of annotations) {
    const headerName = `Mcp-Param-${name}`;
    const raw = headers.get(headerName);
    const bodyValue = valueAt(args, path);
    const present = bodyValue !== undefined && bodyValue !== null;
    if (raw === null) {
      if (present) return `Header mismatch: required header ${headerName} is missing`;
      continue;
    }
    const decoded = decodeHeaderValue(raw);
    if (!decoded.ok) return `Header mismatch: ${headerName} header ${decoded.reason}`;
    if (!present) return `Header mismatch: ${headerName} header is set but arguments.${path.join(".")} is absent`;
    if (!matches(decoded.value, bodyValue)) {
      return `Header mismatch: ${headerName} header '${decoded.value}' does not match body value '${String(bodyValue)}'`;
    }
  }
  return undefined;
}
