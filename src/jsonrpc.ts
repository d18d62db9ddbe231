/**
 * JSON-RPC 2.0 message types, their zod schemas and the error codes MCP uses.
 *
 * @module
 */
import { z } from "zod";

/**
 * A JSON-RPC request id: a string or a number (MCP forbids `null`).
 *
 * @example
 * ```ts
 * import type { RequestId } from "./jsonrpc.ts";
 * const ids: RequestId[] = [1, "req-1"];
 * ```
 */
export type RequestId = string | number;

/**
 * A JSON-RPC request: expects a response with the same id.
 *
 * @example
 * ```ts
 * import type { JsonRpcRequest } from "./jsonrpc.ts";
 * const request: JsonRpcRequest = { jsonrpc: "2.0", id: 1, method: "tools/list" };
 * ```
 */
export interface JsonRpcRequest {
  /** Always `"2.0"`. */
  jsonrpc: "2.0";
  /** Matches the request to its response. */
  id: RequestId;
  /** The method to run, e.g. `tools/call`. */
  method: string;
  /** The method's parameters. */
  params?: Record<string, unknown>;
}

/**
 * A JSON-RPC notification: no id, no response.
 *
 * @example
 * ```ts
 * import type { JsonRpcNotification } from "./jsonrpc.ts";
 * const notification: JsonRpcNotification = { jsonrpc: "2.0", method: "notifications/initialized" };
 * ```
 */
export interface JsonRpcNotification {
  /** Always `"2.0"`. */
  jsonrpc: "2.0";
  /** The notification, e.g. `notifications/progress`. */
  method: string;
  /** The notification's parameters. */
  params?: Record<string, unknown>;
}

/**
 * A successful JSON-RPC response.
 *
 * @example
 * ```ts
 * import type { JsonRpcResult } from "./jsonrpc.ts";
 * const result: JsonRpcResult = { jsonrpc: "2.0", id: 1, result: { tools: [] } };
 * ```
 */
export interface JsonRpcResult {
  /** Always `"2.0"`. */
  jsonrpc: "2.0";
  /** The id of the request answered. */
  id: RequestId;
  /** The method's result. */
  result: Record<string, unknown>;
}

/**
 * The error object carried by a JSON-RPC error response.
 *
 * @example
 * ```ts
 * import type { JsonRpcErrorObject } from "./jsonrpc.ts";
 * const error: JsonRpcErrorObject = { code: -32602, message: "Invalid params", data: { field: "uri" } };
 * ```
 */
export interface JsonRpcErrorObject {
  /** The error code (see {@link ErrorCode}). */
  code: number;
  /** A short description. */
  message: string;
  /** Anything more the server tells about the error. */
  data?: unknown;
}

/**
 * A JSON-RPC error response; `id` is absent when the request could not be read.
 *
 * @example
 * ```ts
 * import type { JsonRpcError } from "./jsonrpc.ts";
 * const error: JsonRpcError = { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } };
 * ```
 */
export interface JsonRpcError {
  /** Always `"2.0"`. */
  jsonrpc: "2.0";
  /** The id of the request answered; `null` or absent when it could not be read. */
  id?: RequestId | null;
  /** What went wrong. */
  error: JsonRpcErrorObject;
}

/**
 * Any JSON-RPC response.
 *
 * @example
 * ```ts
 * import type { JsonRpcResponse } from "./jsonrpc.ts";
 * function succeeded(response: JsonRpcResponse): boolean {
 *   return "result" in response;
 * }
 * ```
 */
export type JsonRpcResponse = JsonRpcResult | JsonRpcError;

/**
 * Any JSON-RPC message.
 *
 * @example
 * ```ts
 * import { type JsonRpcMessage, parseMessage } from "./jsonrpc.ts";
 * const message: JsonRpcMessage | undefined = parseMessage(JSON.parse('{"jsonrpc":"2.0","method":"ping","id":1}'));
 * ```
 */
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/**
 * JSON-RPC and MCP error codes.
 *
 * @example
 * ```ts
 * import { ErrorCode, McpError } from "./jsonrpc.ts";
 * throw new McpError(ErrorCode.InvalidParams, "Unknown tool: nope");
 * ```
 */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Streamable HTTP: the session id is unknown or terminated (SDK convention). */
  SessionNotFound: -32001,
  /** 2026-07-28: an HTTP header disagrees with the body. */
  HeaderMismatch: -32020,
  /** 2026-07-28: the handler needs a client capability the request did not declare. */
  MissingRequiredClientCapability: -32021,
  /** 2026-07-28: the protocol version is not served. */
  UnsupportedProtocolVersion: -32022,
} as const;

const requestIdSchema = z.union([z.string(), z.number().int()]);
const paramsSchema = z.record(z.string(), z.unknown());

/**
 * zod schema of a JSON-RPC request.
 *
 * @example
 * ```ts
 * import { JsonRpcRequestSchema } from "./jsonrpc.ts";
 * JsonRpcRequestSchema.safeParse({ jsonrpc: "2.0", id: 1, method: "ping" }).success; // true
 * ```
 */
export const JsonRpcRequestSchema: z.ZodType<JsonRpcRequest> = z.object({
  jsonrpc: z.literal("2.0"),
  id: requestIdSchema,
  method: z.string(),
  params: paramsSchema.optional(),
}).strict();

/**
 * zod schema of a JSON-RPC notification.
 *
 * @example
 * ```ts
 * import { JsonRpcNotificationSchema } from "./jsonrpc.ts";
 * JsonRpcNotificationSchema.safeParse({ jsonrpc: "2.0", method: "notifications/initialized" }).success; // true
 * ```
 */
export const JsonRpcNotificationSchema: z.ZodType<JsonRpcNotification> = z.object({
  jsonrpc: z.literal("2.0"),
  method: z.string(),
  params: paramsSchema.optional(),
}).strict();

/**
 * zod schema of a JSON-RPC result response.
 *
 * @example
 * ```ts
 * import { JsonRpcResultSchema } from "./jsonrpc.ts";
 * JsonRpcResultSchema.safeParse({ jsonrpc: "2.0", id: 1, result: {} }).success; // true
 * ```
 */
export const JsonRpcResultSchema: z.ZodType<JsonRpcResult> = z.object({
  jsonrpc: z.literal("2.0"),
  id: requestIdSchema,
  result: paramsSchema,
}).strict();

/**
 * zod schema of a JSON-RPC error response.
 *
 * @example
 * ```ts
 * import { JsonRpcErrorSchema } from "./jsonrpc.ts";
 * JsonRpcErrorSchema.safeParse({ jsonrpc: "2.0", id: 1, error: { code: -32601, message: "Method not found" } }).success; // true
 * ```
 */
export const JsonRpcErrorSchema: z.ZodType<JsonRpcError> = z.object({
  jsonrpc: z.literal("2.0"),
  id: z.union([requestIdSchema, z.null()]).optional(),
  error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }),
}).strict();

/**
 * Checks that a parsed JSON value is one JSON-RPC message and returns it typed,
 * or `undefined` when it is not.
 *
 * @example
 * ```ts
 * import { parseMessage } from "./jsonrpc.ts";
 * parseMessage({ jsonrpc: "2.0", id: 1, method: "ping" }); // the request
 * parseMessage({ hello: "world" }); // undefined
 * ```
 */
export function parseMessage(value: unknown): JsonRpcMessage | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  // Hot path: a well-formed request, notification or result is recognised without zod. It
  // accepts only what the schemas accept; anything else goes to zod, which decides.
  if (isWellFormed(v)) return v as unknown as JsonRpcMessage;
  // Cheap dispatch on shape first; zod only checks the one candidate schema.
  const schema = "method" in v
    ? ("id" in v ? JsonRpcRequestSchema : JsonRpcNotificationSchema)
    : ("error" in v ? JsonRpcErrorSchema : JsonRpcResultSchema);
  const parsed = schema.safeParse(v);
  return parsed.success ? parsed.data as JsonRpcMessage : undefined;
}

/** Own keys each message shape may have (the schemas are strict). */
const REQUEST_KEYS = new Set(["jsonrpc", "id", "method", "params"]);
const NOTIFICATION_KEYS = new Set(["jsonrpc", "method", "params"]);
const RESULT_KEYS = new Set(["jsonrpc", "id", "result"]);

/**
 * True for a JSON object as `JSON.parse` makes it: plain, and without an own `__proto__` key.
 * Hot paths use it to skip zod where zod would certainly accept the value unchanged.
 *
 * @example
 * ```ts
 * import { isPlainRecord } from "./jsonrpc.ts";
 * isPlainRecord({ a: 1 }); // true
 * isPlainRecord([1]); // false
 * isPlainRecord(JSON.parse('{"__proto__":{}}')); // false
 * ```
 */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !Object.hasOwn(value, "__proto__");
}

/**
 * True when `v` is a request, notification or result the zod schemas certainly accept, with
 * the same content they would return. False means "let zod decide", not "invalid".
 */
function isWellFormed(v: Record<string, unknown>): boolean {
  if (v.jsonrpc !== "2.0" || !isPlainRecord(v)) return false;
  let allowed: Set<string>;
  if ("method" in v) {
    if (typeof v.method !== "string") return false;
    if (v.params !== undefined && !isPlainRecord(v.params)) return false;
    allowed = "id" in v ? REQUEST_KEYS : NOTIFICATION_KEYS;
  } else if ("result" in v && !("error" in v)) {
    if (!isPlainRecord(v.result)) return false;
    allowed = RESULT_KEYS;
  } else {
    return false;
  }
  if (allowed !== NOTIFICATION_KEYS) {
    const id = v.id;
    if (typeof id !== "string" && !Number.isSafeInteger(id)) return false;
  }
  for (const key in v) if (!allowed.has(key)) return false;
  return true;
}

/**
 * True when the message is a request (has a method and an id).
 *
 * @example
 * ```ts
 * import { isRequest } from "./jsonrpc.ts";
 * isRequest({ jsonrpc: "2.0", id: 1, method: "ping" }); // true
 * ```
 */
export function isRequest(m: JsonRpcMessage): m is JsonRpcRequest {
  return "method" in m && "id" in m;
}

/**
 * True when the message is a notification (a method, no id).
 *
 * @example
 * ```ts
 * import { isNotification } from "./jsonrpc.ts";
 * isNotification({ jsonrpc: "2.0", method: "notifications/initialized" }); // true
 * ```
 */
export function isNotification(m: JsonRpcMessage): m is JsonRpcNotification {
  return "method" in m && !("id" in m);
}

/**
 * True when the message is a response (a result or an error).
 *
 * @example
 * ```ts
 * import { isResponse } from "./jsonrpc.ts";
 * isResponse({ jsonrpc: "2.0", id: 1, result: {} }); // true
 * ```
 */
export function isResponse(m: JsonRpcMessage): m is JsonRpcResponse {
  return !("method" in m);
}

/**
 * Builds a JSON-RPC error response.
 *
 * @example
 * ```ts
 * import { errorResponse, ErrorCode } from "./jsonrpc.ts";
 * errorResponse(1, ErrorCode.MethodNotFound, "Method not found: foo");
 * ```
 */
export function errorResponse(
  id: RequestId | null | undefined,
  code: number,
  message: string,
  data?: unknown,
): JsonRpcError {
  const error: JsonRpcErrorObject = data === undefined ? { code, message } : { code, message, data };
  return id === undefined ? { jsonrpc: "2.0", error } : { jsonrpc: "2.0", id, error };
}

/**
 * A message as JSON text, for writing once. A response that cannot be serialised (a handler
 * returned a BigInt or a cycle) becomes an internal error, so the request is still answered;
 * another message that cannot be serialised gives `undefined` (it cannot be sent).
 *
 * @example
 * ```ts
 * import { encodeMessage } from "./jsonrpc.ts";
 * encodeMessage({ jsonrpc: "2.0", id: 1, result: {} }); // '{"jsonrpc":"2.0","id":1,"result":{}}'
 * encodeMessage({ jsonrpc: "2.0", id: 1, result: { n: 1n } as never }); // a -32603 error response
 * ```
 */
export function encodeMessage(message: JsonRpcMessage): string | undefined {
  try {
    return JSON.stringify(message);
  } catch (error) {
    if (!isResponse(message)) return undefined;
    return JSON.stringify(errorResponse(message.id, ErrorCode.InternalError, `Response could not be serialized: ${String(error)}`));
  }
}

/**
 * An error a handler throws to answer with a specific JSON-RPC error instead of `-32603`.
 *
 * @example
 * ```ts
 * import { McpError, ErrorCode } from "./jsonrpc.ts";
 * throw new McpError(ErrorCode.InvalidParams, "Unknown resource", { uri: "file:///x" });
 * ```
 */
export class McpError extends Error {
  /** The JSON-RPC error code. */
  readonly code: number;
  /** Optional structured data for the error object. */
  readonly data?: unknown;
  /** The HTTP status the transport should use where the error ends a request before any stream. */
  readonly httpStatus?: number;
  /** An error with a JSON-RPC `code`, optional `data`, and the HTTP status to answer with. */
  constructor(code: number, message: string, data?: unknown, httpStatus?: number) {
    super(message);
    this.name = "McpError";
    this.code = code;
    this.data = data;
    this.httpStatus = httpStatus;
  }
}
