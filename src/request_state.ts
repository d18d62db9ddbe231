/**
 * Sealing and opening the 2026-07-28 `requestState`: the only memory a multi-round request has.
 *
 * The state travels through the client, so it is untrusted input. It is signed (HMAC-SHA-256,
 * WebCrypto) and bound to what it was minted for: the method, the tool/prompt name or resource
 * URI, the request's arguments, the authenticated principal, and an expiry. The binding is part of the signed bytes but
 * not of the token, so presenting a state on another method, name or principal fails exactly
 * like tampering does (no oracle telling which). The payload is signed, not encrypted: the
 * client can read it (it only holds the client's own earlier answers).
 *
 * Every failure is an {@link McpError} `-32602` (Invalid params) raised before any handler runs.
 *
 * @module
 */
import { ErrorCode, McpError } from "./jsonrpc.ts";

/**
 * What a sealed state is bound to.
 *
 * @example
 * ```ts
 * import { RequestStateSealer, type StateBinding } from "./request_state.ts";
 * const binding: StateBinding = { method: "tools/call", name: "deploy", principal: "user-1", salient: { env: "prod" } };
 * const token = await new RequestStateSealer().seal({ step: 1 }, binding);
 * ```
 */
export interface StateBinding {
  /** `tools/call`, `prompts/get` or `resources/read`. */
  method: string;
  /** The tool or prompt name, or the resource URI. */
  name: string;
  /** The authenticated principal, when authentication is on. */
  principal?: unknown;
  /** The request's salient parameters (tool or prompt arguments): state is only valid for the same ones. */
  salient?: unknown;
}

/**
 * Options of a {@link RequestStateSealer}.
 *
 * @example
 * ```ts
 * import { RequestStateSealer, type RequestStateOptions } from "./request_state.ts";
 * // One shared key lets every instance accept the states the others minted.
 * const options: RequestStateOptions = { key: "a-secret-of-at-least-32-characters!!", ttlMs: 5 * 60_000 };
 * const sealer = new RequestStateSealer(options);
 * ```
 */
export interface RequestStateOptions {
  /**
   * The HMAC key: a `CryptoKey` (HMAC, SHA-256), raw bytes, or a string of at least 32
   * characters. Default: a random key made once per process, so states do not survive a
   * restart and are not accepted by other instances; set one shared key to span instances.
   */
  key?: CryptoKey | Uint8Array | string;
  /** How long a state stays valid, in ms. Default 10 minutes. */
  ttlMs?: number;
  /** Largest sealed state, in bytes (both minted and accepted). Default 256 KiB. */
  maxBytes?: number;
  /** Maps a principal to a stable identity string. Default: strings as they are, objects as sorted JSON. */
  principalId?: (principal: unknown) => string;
  /** The clock, for tests. Default `Date.now`. */
  now?: () => number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let processKey: Promise<CryptoKey> | undefined;

/** One random key per process, made on first use. */
function defaultKey(): Promise<CryptoKey> {
  processKey ??= crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]) as Promise<CryptoKey>;
  return processKey;
}

function importKey(key: CryptoKey | Uint8Array | string | undefined): Promise<CryptoKey> {
  if (key === undefined) return defaultKey();
  if (typeof key === "object" && "algorithm" in key && "type" in key) return Promise.resolve(key as CryptoKey);
  const bytes = typeof key === "string" ? encoder.encode(key) : key as Uint8Array;
  if (bytes.byteLength < 32) throw new TypeError("requestState key must be at least 32 bytes");
  return crypto.subtle.importKey("raw", bytes as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The default principal identity: strings as they are, anything else as key-sorted JSON.
 *
 * @example
 * ```ts
 * import { defaultPrincipalId } from "./request_state.ts";
 * defaultPrincipalId({ sub: "alice", iss: "x" }) === defaultPrincipalId({ iss: "x", sub: "alice" }); // true
 * ```
 */
export function defaultPrincipalId(principal: unknown): string {
  if (principal === undefined || principal === null) return "";
  return typeof principal === "string" ? `s:${principal}` : `j:${stableJson(principal)}`;
}

function invalid(reason: string): McpError {
  return new McpError(ErrorCode.InvalidParams, `Invalid requestState: ${reason}`);
}

/**
 * Seals and opens `requestState` tokens.
 *
 * @example
 * ```ts
 * import { RequestStateSealer } from "./request_state.ts";
 * const sealer = new RequestStateSealer();
 * const binding = { method: "tools/call", name: "deploy" };
 * const token = await sealer.seal({ answers: {} }, binding);
 * await sealer.open(token, binding); // { answers: {} }
 * await sealer.open(token, { method: "tools/call", name: "other" }); // throws McpError -32602
 * ```
 */
export class RequestStateSealer {
  /** Largest sealed state, in bytes. */
  readonly maxBytes: number;
  /** Validity of a minted state, in ms. */
  readonly ttlMs: number;
  readonly #key: Promise<CryptoKey>;
  readonly #principalId: (principal: unknown) => string;
  readonly #now: () => number;

  /** A codec with the given key (or a fresh random one) and limits. */
  constructor(options: RequestStateOptions = {}) {
    this.#key = importKey(options.key);
    // A bad key is the server author's error; report it on use, not as an unhandled rejection.
    this.#key.catch(() => {});
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.maxBytes = options.maxBytes ?? 256 * 1024;
    this.#principalId = options.principalId ?? defaultPrincipalId;
    this.#now = options.now ?? Date.now;
  }

  #signedBytes(payload: string, binding: StateBinding): Uint8Array {
    const bound = JSON.stringify([
      "tether.requestState.v1",
      binding.method,
      binding.name,
      this.#principalId(binding.principal),
      stableJson(binding.salient ?? null),
    ]);
    return encoder.encode(`${bound}\n${payload}`);
  }

  /**
   * Seals `data` (any JSON value) for `binding`. Throws {@link McpError} `-32603` when the
   * sealed state would exceed `maxBytes`.
   */
  async seal(data: unknown, binding: StateBinding): Promise<string> {
    const payload = toBase64Url(encoder.encode(JSON.stringify({ v: 1, exp: this.#now() + this.ttlMs, d: data })));
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await this.#key, this.#signedBytes(payload, binding) as BufferSource));
    const token = `${payload}.${toBase64Url(mac)}`;
    if (token.length > this.maxBytes) {
      throw new McpError(ErrorCode.InternalError, `requestState would be ${token.length} bytes, over the ${this.maxBytes}-byte limit`);
    }
    return token;
  }

  /**
   * Verifies `token` against `binding` and returns the sealed data. Throws {@link McpError}
   * `-32602` when it is not a string, too large, malformed, tampered, minted for another
   * method/name/principal, or expired.
   */
  async open(token: unknown, binding: StateBinding): Promise<unknown> {
    if (typeof token !== "string") throw invalid("must be a string");
    if (token.length > this.maxBytes) throw invalid(`larger than ${this.maxBytes} bytes`);
    const dot = token.indexOf(".");
    const macText = token.slice(dot + 1);
    const mac = dot < 0 ? undefined : fromBase64Url(macText);
    const payload = dot < 0 ? "" : token.slice(0, dot);
    // Only the canonical encoding is accepted, so no two tokens carry the same signature.
    if (!mac || mac.byteLength !== 32 || toBase64Url(mac) !== macText) throw invalid("malformed");
    const ok = await crypto.subtle.verify("HMAC", await this.#key, mac as BufferSource, this.#signedBytes(payload, binding) as BufferSource);
    if (!ok) throw invalid("integrity check failed, or it was issued for another request or principal");
    let parsed: { v?: unknown; exp?: unknown; d?: unknown };
    try {
      parsed = JSON.parse(decoder.decode(fromBase64Url(payload)));
    } catch {
      throw invalid("malformed");
    }
    if (parsed.v !== 1 || typeof parsed.exp !== "number") throw invalid("malformed");
    if (this.#now() > parsed.exp) throw invalid("expired");
    return parsed.d;
  }
}
