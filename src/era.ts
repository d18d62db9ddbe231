/**
 * Era classification on the MCP endpoint: is this request a 2026 (sessionless, enveloped)
 * request or 2024/2025 traffic? The body decides; the `MCP-Protocol-Version` header only
 * cross-checks it. The classifier is pure: it reads a parsed body and two headers, never a
 * session, and returns a route or the exact rejection to send.
 *
 * @module
 */
import { ErrorCode, type JsonRpcNotification, type JsonRpcRequest, parseMessage, type RequestId } from "./jsonrpc.ts";
import { type Envelope, hasEnvelopeClaim, metaOf, PROTOCOL_VERSION_KEY, readEnvelope } from "./envelope.ts";
import { isModernVersion, isSessionVersion } from "./versions.ts";

/**
 * What the endpoint serves.
 *
 * @example
 * ```ts
 * import type { ServedEras } from "./era.ts";
 * // Modern (2026) clients only: 2024/2025 traffic gets the spec's refusals.
 * const modernOnly: ServedEras = { modernVersions: ["2026-07-28"], legacyVersions: [] };
 * ```
 */
export interface ServedEras {
  /** Versions served through the envelope (2026 clients); empty when modern serving is off. */
  modernVersions: readonly string[];
  /** Versions served through `initialize` (2025 sessions); empty when legacy serving is off. */
  legacyVersions: readonly string[];
}

/**
 * The request as the classifier sees it: read once by the endpoint.
 *
 * @example
 * ```ts
 * import { classifyEra, type EraInput } from "./era.ts";
 * const input: EraInput = { httpMethod: "POST", headers: new Headers(), body: { jsonrpc: "2.0", id: 1, method: "ping" } };
 * classifyEra(input, { modernVersions: ["2026-07-28"], legacyVersions: ["2025-11-25"] }).kind; // "legacy"
 * ```
 */
export interface EraInput {
  /** `POST`, `GET`, `DELETE`, … */
  httpMethod: string;
  /** The request headers (only `MCP-Protocol-Version` is read). */
  headers: Headers;
  /** The parsed JSON body (absent for body-less methods). */
  body?: unknown;
}

/**
 * Legacy traffic: hand it to the 2024/2025 transports unchanged.
 *
 * @example
 * ```ts
 * import { classifyEra } from "./era.ts";
 * const outcome = classifyEra({ httpMethod: "GET", headers: new Headers() }, { modernVersions: [], legacyVersions: ["2025-11-25"] });
 * if (outcome.kind === "legacy") console.log(outcome.reason); // "http-method"
 * ```
 */
export interface LegacyRoute {
  /** Discriminant: 2024/2025 traffic. */
  kind: "legacy";
  /** Why it is legacy. */
  reason: "http-method" | "initialize" | "no-claim" | "batch" | "response" | "invalid";
}

/**
 * A 2026 request or notification, with its validated envelope.
 *
 * @example
 * ```ts
 * import { classifyEra } from "./era.ts";
 * const body = {
 *   jsonrpc: "2.0",
 *   id: 1,
 *   method: "tools/list",
 *   params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} } },
 * };
 * const outcome = classifyEra({ httpMethod: "POST", headers: new Headers(), body }, { modernVersions: ["2026-07-28"], legacyVersions: [] });
 * if (outcome.kind === "modern") console.log(outcome.messageKind); // "request"
 * ```
 */
export type ModernRoute =
  | { kind: "modern"; messageKind: "request"; message: JsonRpcRequest; envelope: Envelope }
  | { kind: "modern"; messageKind: "notification"; message: JsonRpcNotification; envelope?: Envelope };

/**
 * A request answered before any transport sees it.
 *
 * @example
 * ```ts
 * import { classifyEra } from "./era.ts";
 * const outcome = classifyEra({ httpMethod: "GET", headers: new Headers() }, { modernVersions: ["2026-07-28"], legacyVersions: [] });
 * if (outcome.kind === "reject") console.log(outcome.status, outcome.code); // refused before any transport runs
 * ```
 */
export interface EraRejection {
  /** Discriminant: answered with an error before any transport. */
  kind: "reject";
  /** HTTP status. */
  status: number;
  /** JSON-RPC error code. */
  code: number;
  /** JSON-RPC error message. */
  message: string;
  /** JSON-RPC error data. */
  data?: unknown;
  /** The request id when the body had one, else `null`. */
  id: RequestId | null;
  /** Extra response headers (e.g. `Allow` on 405). */
  headers?: Record<string, string>;
}

/**
 * The classifier's outcome.
 *
 * @example
 * ```ts
 * import { classifyEra, type EraOutcome } from "./era.ts";
 * const outcome: EraOutcome = classifyEra({ httpMethod: "DELETE", headers: new Headers() }, { modernVersions: [], legacyVersions: ["2025-11-25"] });
 * outcome.kind; // "legacy" | "modern" | "reject"
 * ```
 */
export type EraOutcome = LegacyRoute | ModernRoute | EraRejection;

function idOf(body: unknown): RequestId | null {
  if (typeof body !== "object" || body === null) return null;
  const id = (body as Record<string, unknown>).id;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

function reject(status: number, code: number, message: string, id: RequestId | null, data?: unknown): EraRejection {
  return data === undefined ? { kind: "reject", status, code, message, id } : { kind: "reject", status, code, message, id, data };
}

function unsupported(requested: string, supported: readonly string[], id: RequestId | null): EraRejection {
  return reject(400, ErrorCode.UnsupportedProtocolVersion, `Unsupported protocol version: ${requested}`, id, {
    supported: [...supported],
    requested,
  });
}

/** The versions to name in `-32022`: the modern ones, or the legacy ones when only those are served. */
function supportedOf(served: ServedEras): readonly string[] {
  return served.modernVersions.length > 0 ? served.modernVersions : served.legacyVersions;
}

/** Legacy traffic at an endpoint that serves no legacy: the spec's answers for a modern-only server. */
function legacyRefused(input: EraInput, served: ServedEras, reason: LegacyRoute["reason"]): EraRejection {
  if (input.httpMethod !== "POST") {
    return { ...reject(405, ErrorCode.InvalidRequest, "Method Not Allowed: this endpoint serves only POST", null), headers: { allow: "POST" } };
  }
  const body = input.body as Record<string, unknown> | undefined;
  const params = body?.params as Record<string, unknown> | undefined;
  const fromBody = reason === "initialize" && typeof params?.protocolVersion === "string" ? params.protocolVersion : undefined;
  const requested = fromBody ?? input.headers.get("mcp-protocol-version") ?? "none";
  return unsupported(requested, served.modernVersions, idOf(input.body));
}

/**
 * Classifies one request on the MCP endpoint (fact sheet §7): non-POST, posted responses and
 * batches are legacy; a body whose `params._meta` names a protocol version is modern (bad
 * envelope → 400/-32602, header disagreeing → 400/-32020, version not served → 400/-32022);
 * `initialize` without that key is legacy, with it is modern (and then unknown there: 404);
 * no key but a 2026 header → 400/-32602; otherwise legacy. Eras the endpoint does not serve
 * get the spec's answers instead of a route.
 *
 * @example
 * ```ts
 * import { classifyEra } from "./era.ts";
 * const outcome = classifyEra({
 *   httpMethod: "POST",
 *   headers: new Headers({ "mcp-protocol-version": "2026-07-28" }),
 *   body: { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: {
 *     "io.modelcontextprotocol/protocolVersion": "2026-07-28",
 *     "io.modelcontextprotocol/clientCapabilities": {},
 *   } } },
 * }, { modernVersions: ["2026-07-28"], legacyVersions: ["2025-11-25"] });
 * outcome.kind; // "modern"
 * ```
 */
export function classifyEra(input: EraInput, served: ServedEras): EraOutcome {
  if (input.httpMethod !== "POST") return legacy(input, served, "http-method");
  const body = input.body;
  if (Array.isArray(body)) {
    // Batches do not exist in 2026; one carrying a claim is an error, never silently legacy.
    if (body.some(hasEnvelopeClaim)) {
      return reject(400, ErrorCode.InvalidRequest, "Invalid Request: batches are not allowed with the _meta envelope", null);
    }
    return legacy(input, served, "batch");
  }
  const meta = metaOf(body);
  if (meta !== undefined && PROTOCOL_VERSION_KEY in meta) return classifyClaim(input, served, meta);

  // Every POST of a 2025 session goes this way: nothing is read that the answer does not need.
  const message = parseMessage(body);
  if (message === undefined) return legacy(input, served, "invalid");
  if (!("method" in message)) return legacy(input, served, "response");
  if (message.method === "initialize") return legacy(input, served, "initialize");
  const header = input.headers.get("mcp-protocol-version");
  if (header !== null && isModernVersion(header)) {
    if (!("id" in message)) {
      // Notifications carry no envelope of their own; the 2026 header decides for them.
      if (!served.modernVersions.includes(header)) return unsupported(header, supportedOf(served), null);
      return { kind: "modern", messageKind: "notification", message };
    }
    return reject(
      400,
      ErrorCode.InvalidParams,
      `Invalid params: MCP-Protocol-Version ${header} requires the params._meta envelope (${PROTOCOL_VERSION_KEY} is missing)`,
      idOf(body),
    );
  }
  return legacy(input, served, "no-claim");
}

/**
 * What nearly every POST of a 2025 session (and its `initialize`) is, recognised in one pass: one
 * JSON-RPC request or notification, with no protocol version claimed in `params._meta`, and an
 * `MCP-Protocol-Version` header that is absent or names a session version. For such a POST
 * {@link classifyEra} answers legacy (`"no-claim"`, or `"initialize"`) where legacy is served, and
 * the 2025 transport's version check passes; so the caller may skip both and hand the message on
 * as it is. `undefined` means "not that case": classify the request as usual (it decides, and
 * refuses what it must).
 *
 * @example
 * ```ts
 * import { sessionMessageOf } from "./era.ts";
 * const headers = new Headers({ "mcp-protocol-version": "2025-06-18" });
 * sessionMessageOf({ jsonrpc: "2.0", id: 1, method: "tools/list" }, headers); // the request
 * sessionMessageOf({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }, headers); // the request
 * sessionMessageOf([{ jsonrpc: "2.0", id: 1, method: "tools/list" }], headers); // undefined (a batch)
 * ```
 */
export function sessionMessageOf(body: unknown, headers: Headers): JsonRpcRequest | JsonRpcNotification | undefined {
  if (Array.isArray(body)) return undefined;
  const meta = metaOf(body);
  if (meta !== undefined && PROTOCOL_VERSION_KEY in meta) return undefined;
  const message = parseMessage(body);
  if (message === undefined || !("method" in message)) return undefined;
  const header = headers.get("mcp-protocol-version");
  // A session version is never a modern one (pinned by a test): the era check is passed too.
  if (header !== null && !isSessionVersion(header)) return undefined;
  return message;
}

/** A body whose `params._meta` names a protocol version: 2026, unless it is a 2025 `initialize`. */
function classifyClaim(input: EraInput, served: ServedEras, meta: Record<string, unknown>): EraOutcome {
  const body = input.body;
  const version = meta[PROTOCOL_VERSION_KEY];
  if (typeof version !== "string" || version === "") {
    return reject(400, ErrorCode.InvalidParams, `Invalid params: _meta["${PROTOCOL_VERSION_KEY}"] must be a non-empty string`, idOf(body));
  }
  const message = parseMessage(body);
  if (message === undefined || !("method" in message)) {
    return reject(400, ErrorCode.InvalidRequest, "Invalid Request: not a JSON-RPC 2.0 request or notification", idOf(body));
  }
  // A claim naming a 2025 revision on `initialize` is still the 2025 handshake.
  if (message.method === "initialize" && !isModernVersion(version)) return legacy(input, served, "initialize");
  const header = input.headers.get("mcp-protocol-version");
  if (header !== null && header !== version) {
    return reject(
      400,
      ErrorCode.HeaderMismatch,
      `Header mismatch: MCP-Protocol-Version header '${header}' does not match _meta protocol version '${version}'`,
      idOf(body),
    );
  }
  if (!served.modernVersions.includes(version)) return unsupported(version, supportedOf(served), idOf(body));
  const envelope = readEnvelope(meta);
  if (!envelope.ok) return reject(400, ErrorCode.InvalidParams, envelope.message, idOf(body));
  return "id" in message
    ? { kind: "modern", messageKind: "request", message, envelope: envelope.envelope }
    : { kind: "modern", messageKind: "notification", message, envelope: envelope.envelope };
}

/** The legacy routes, made once: classifying 2025 traffic allocates nothing. */
const LEGACY_ROUTES: Readonly<Record<LegacyRoute["reason"], LegacyRoute>> = Object.freeze({
  "http-method": Object.freeze({ kind: "legacy", reason: "http-method" }),
  "initialize": Object.freeze({ kind: "legacy", reason: "initialize" }),
  "no-claim": Object.freeze({ kind: "legacy", reason: "no-claim" }),
  "batch": Object.freeze({ kind: "legacy", reason: "batch" }),
  "response": Object.freeze({ kind: "legacy", reason: "response" }),
  "invalid": Object.freeze({ kind: "legacy", reason: "invalid" }),
});

/** Legacy traffic: its route where legacy is served, else the refusal. */
function legacy(input: EraInput, served: ServedEras, reason: LegacyRoute["reason"]): EraOutcome {
  return served.legacyVersions.length > 0 ? LEGACY_ROUTES[reason] : legacyRefused(input, served, reason);
}
