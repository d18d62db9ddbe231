/**
 * The 2026-07-28 per-request `_meta` envelope: reading and validating its reserved keys, turning
 * it into the {@link RequestChannel} the core sees, and the capability check handlers use.
 *
 * @module
 */
import { ErrorCode, type JsonRpcMessage, McpError } from "./jsonrpc.ts";
import { type Implementation, LOGGING_LEVELS, type LoggingLevel, type RequestChannel, type RequestContext } from "./context.ts";

/**
 * `_meta` key carrying the request's protocol version (required).
 *
 * @example
 * ```ts
 * import { PROTOCOL_VERSION_KEY } from "./envelope.ts";
 * const meta = { [PROTOCOL_VERSION_KEY]: "2026-07-28" }; // the version a 2026 request speaks
 * ```
 */
export const PROTOCOL_VERSION_KEY = "io.modelcontextprotocol/protocolVersion";
/**
 * `_meta` key carrying the client's capabilities for this request (required).
 *
 * @example
 * ```ts
 * import { CLIENT_CAPABILITIES_KEY } from "./envelope.ts";
 * const meta = { [CLIENT_CAPABILITIES_KEY]: {} }; // what the client can do for this request
 * ```
 */
export const CLIENT_CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities";
/**
 * `_meta` key carrying the client's `clientInfo` (optional).
 *
 * @example
 * ```ts
 * import { CLIENT_INFO_KEY } from "./envelope.ts";
 * const meta = { [CLIENT_INFO_KEY]: { name: "cli", version: "1" } }; // who the client is
 * ```
 */
export const CLIENT_INFO_KEY = "io.modelcontextprotocol/clientInfo";
/**
 * `_meta` key carrying the request's log level (optional; absent means no logs).
 *
 * @example
 * ```ts
 * import { LOG_LEVEL_KEY } from "./envelope.ts";
 * const meta = { [LOG_LEVEL_KEY]: "info" }; // which logs the client wants
 * ```
 */
export const LOG_LEVEL_KEY = "io.modelcontextprotocol/logLevel";
/**
 * Result `_meta` key naming the server.
 *
 * @example
 * ```ts
 * import { SERVER_INFO_KEY } from "./envelope.ts";
 * const result = { tools: [], _meta: { [SERVER_INFO_KEY]: { name: "demo", version: "1.0.0" } } };
 * ```
 */
export const SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo";
/**
 * Notification/result `_meta` key naming the listen stream a message belongs to.
 *
 * @example
 * ```ts
 * import { SUBSCRIPTION_ID_KEY } from "./envelope.ts";
 * const notification = { jsonrpc: "2.0", method: "notifications/tools/list_changed", params: { _meta: { [SUBSCRIPTION_ID_KEY]: 7 } } };
 * ```
 */
export const SUBSCRIPTION_ID_KEY = "io.modelcontextprotocol/subscriptionId";

/**
 * What a valid envelope declares.
 *
 * @example
 * ```ts
 * import { readEnvelope } from "./envelope.ts";
 * const read = readEnvelope({
 *   "io.modelcontextprotocol/protocolVersion": "2026-07-28",
 *   "io.modelcontextprotocol/clientCapabilities": {},
 * });
 * if (read.ok) read.envelope.protocolVersion; // "2026-07-28"
 * ```
 */
export interface Envelope {
  /** The protocol version this request speaks. */
  protocolVersion: string;
  /** The capabilities the client declares for this request only. */
  clientCapabilities: Record<string, unknown>;
  /** The client's self-description, when sent. */
  clientInfo?: Implementation;
  /** The minimum level of log notifications wanted; absent means none at all. */
  logLevel?: LoggingLevel;
}

/**
 * The outcome of {@link readEnvelope}.
 *
 * @example
 * ```ts
 * import { type EnvelopeResult, readEnvelope } from "./envelope.ts";
 * const result: EnvelopeResult = readEnvelope({});
 * if (!result.ok) console.log(result.message); // names the missing key
 * ```
 */
export type EnvelopeResult = { ok: true; envelope: Envelope } | { ok: false; message: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The request's `params._meta` object, or `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { metaOf } from "./envelope.ts";
 * metaOf({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: { a: 1 } } }); // { a: 1 }
 * ```
 */
export function metaOf(message: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(message)) return undefined;
  const params = message.params;
  if (!isPlainObject(params)) return undefined;
  return isPlainObject(params._meta) ? params._meta : undefined;
}

/**
 * True when the message claims the per-request envelope (its `_meta` names a protocol version).
 *
 * @example
 * ```ts
 * import { hasEnvelopeClaim } from "./envelope.ts";
 * hasEnvelopeClaim({ params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } } }); // true
 * ```
 */
export function hasEnvelopeClaim(message: unknown): boolean {
  const meta = metaOf(message);
  return meta !== undefined && PROTOCOL_VERSION_KEY in meta;
}

/**
 * Validates the reserved envelope keys of a `_meta` object. The message on failure names the
 * offending key, for the `-32602` answer.
 *
 * @example
 * ```ts
 * import { readEnvelope } from "./envelope.ts";
 * readEnvelope({
 *   "io.modelcontextprotocol/protocolVersion": "2026-07-28",
 *   "io.modelcontextprotocol/clientCapabilities": {},
 * }); // { ok: true, envelope: { protocolVersion: "2026-07-28", clientCapabilities: {} } }
 * readEnvelope({}); // { ok: false, message: "..." }
 * ```
 */
export function readEnvelope(meta: Record<string, unknown> | undefined): EnvelopeResult {
  if (meta === undefined) {
    return { ok: false, message: `Invalid params: missing params._meta envelope (${PROTOCOL_VERSION_KEY}, ${CLIENT_CAPABILITIES_KEY})` };
  }
  const missing: string[] = [];
  const version = meta[PROTOCOL_VERSION_KEY];
  const capabilities = meta[CLIENT_CAPABILITIES_KEY];
  if (version === undefined) missing.push(PROTOCOL_VERSION_KEY);
  if (capabilities === undefined) missing.push(CLIENT_CAPABILITIES_KEY);
  if (missing.length > 0) return { ok: false, message: `Invalid params: missing required _meta key(s): ${missing.join(", ")}` };
  if (typeof version !== "string" || version === "") {
    return { ok: false, message: `Invalid params: _meta["${PROTOCOL_VERSION_KEY}"] must be a non-empty string` };
  }
  if (!isPlainObject(capabilities)) {
    return { ok: false, message: `Invalid params: _meta["${CLIENT_CAPABILITIES_KEY}"] must be an object` };
  }
  const envelope: Envelope = { protocolVersion: version, clientCapabilities: capabilities };
  const info = meta[CLIENT_INFO_KEY];
  if (info !== undefined) {
    if (!isPlainObject(info) || typeof info.name !== "string" || typeof info.version !== "string") {
      return { ok: false, message: `Invalid params: _meta["${CLIENT_INFO_KEY}"] must be an object with string name and version` };
    }
    envelope.clientInfo = info as Implementation;
  }
  const level = meta[LOG_LEVEL_KEY];
  if (level !== undefined) {
    if (typeof level !== "string" || !(LOGGING_LEVELS as readonly string[]).includes(level)) {
      return { ok: false, message: `Invalid params: _meta["${LOG_LEVEL_KEY}"] must be one of ${LOGGING_LEVELS.join(", ")}` };
    }
    envelope.logLevel = level as LoggingLevel;
  }
  return { ok: true, envelope };
}

/**
 * The {@link RequestChannel} of a 2026 request: everything comes from its envelope; log
 * notifications are sent only when the envelope names a `logLevel`; there is no server→client
 * request channel (2026 uses input-required results instead).
 *
 * @example
 * ```ts
 * import { envelopeChannel } from "./envelope.ts";
 * const channel = envelopeChannel(
 *   { protocolVersion: "2026-07-28", clientCapabilities: {} },
 *   (message) => console.log(message),
 * );
 * channel.logging; // false: no logLevel, no logs
 * ```
 */
export function envelopeChannel(envelope: Envelope, send: (message: JsonRpcMessage) => void, principal?: unknown): RequestChannel {
  const channel: RequestChannel = {
    protocolVersion: envelope.protocolVersion,
    clientCapabilities: envelope.clientCapabilities,
    logLevel: envelope.logLevel,
    logging: envelope.logLevel !== undefined,
    send,
  };
  if (envelope.clientInfo !== undefined) channel.clientInfo = envelope.clientInfo;
  if (principal !== undefined) channel.principal = principal;
  return channel;
}

/**
 * The error a handler throws when the request lacks a client capability it needs:
 * `-32021` with `data.requiredCapabilities`, answered with HTTP 400.
 *
 * @example
 * ```ts
 * import { missingCapabilityError } from "./envelope.ts";
 * const error = missingCapabilityError({ elicitation: {} });
 * error.code; // -32021; a handler throws it
 * ```
 */
export function missingCapabilityError(required: Record<string, unknown>): McpError {
  return new McpError(
    ErrorCode.MissingRequiredClientCapability,
    `Missing required client capability: ${Object.keys(required).join(", ")}`,
    { requiredCapabilities: required },
    400,
  );
}

/**
 * Throws {@link missingCapabilityError} unless the request declared every capability in
 * `required` (top-level keys; a declared `{}` counts). Works for every generation: 2025
 * sessions declare capabilities once, 2026 requests in each envelope.
 *
 * @example
 * ```ts ignore
 * server.tool("ask", {}, async (_args, ctx) => {
 *   requireClientCapabilities(ctx, { elicitation: {} });
 *   // ...
 * });
 * ```
 */
export function requireClientCapabilities(ctx: Pick<RequestContext, "clientCapabilities">, required: Record<string, unknown>): void {
  const missing: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(required)) {
    if (ctx.clientCapabilities[name] === undefined || ctx.clientCapabilities[name] === null) missing[name] = value;
  }
  if (Object.keys(missing).length > 0) throw missingCapabilityError(missing);
}
