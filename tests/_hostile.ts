/**
 * Test helper: fast-check arbitraries for hostile HTTP requests (random bytes, JSON,
 * JSON-RPC-shaped values, headers, query strings), the checks every answer must pass, and an
 * unhandled-rejection counter that works on Deno and Bun.
 */
import fc from "fast-check";
import process from "node:process";
import assert from "node:assert/strict";

/** Cases per endpoint: 10,000 unless `TETHER_FUZZ_RUNS` says otherwise. */
export const RUNS = Number(process.env.TETHER_FUZZ_RUNS ?? 10_000);

const printable = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);

export const LOOPBACK_ORIGINS = ["http://localhost", "http://localhost:5173", "https://127.0.0.1:8443", "http://[::1]:3000"];

/** For each header the handler reads: values that mean something to it (good and bad). */
const MEANINGFUL: Record<string, string[]> = {
  "content-type": ["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "APPLICATION/JSON", ""],
  accept: ["text/event-stream", "application/json, text/event-stream", "*/*", "text/*", "application/json", "text/event-stream;q=0", ""],
  origin: [...LOOPBACK_ORIGINS, "https://evil.example", "null", "http://localhost.evil.example"],
  host: ["localhost", "localhost:8787", "127.0.0.1:1", "[::1]", "evil.example", "localhost@evil.example"],
  authorization: ["Bearer alice-token", "Bearer nope", "Basic YTpi", "Bearer", ""],
  "mcp-session-id": ["0123456789abcdef0123456789abcdef", "x", ""],
  "mcp-protocol-version": ["2025-06-18", "2025-03-26", "2024-11-05", "2025-11-25", "2026-07-28", "bogus"],
  "last-event-id": ["0", "abc", "1:2:3"],
  "x-noise": ["1"],
};

const ABSENT = Symbol("absent");

/**
 * Random request headers around a `base` a correct client would send: each header is usually
 * kept as in `base` (absent when `base` has none), sometimes dropped, sometimes replaced by a
 * meaningful or random value. Cases so reach the deep paths as well as every refusal.
 */
export function headersArb(base: Record<string, string> = {}): fc.Arbitrary<Record<string, string>> {
  const fields: Record<string, fc.Arbitrary<string | typeof ABSENT>> = {};
  for (const [name, meaningful] of Object.entries(MEANINGFUL)) {
    fields[name] = fc.oneof(
      { weight: 12, arbitrary: fc.constant(base[name] ?? ABSENT) },
      { weight: 1, arbitrary: fc.constant(ABSENT) },
      { weight: 2, arbitrary: fc.constantFrom(...meaningful) },
      { weight: 1, arbitrary: printable },
    );
  }
  return fc.record(fields).map((values) => {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) if (value !== ABSENT) out[name] = value;
    return out;
  });
}

const knownMethods = [
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "logging/setLevel",
  "notifications/initialized",
  "notifications/cancelled",
  "resources/list",
  "prompts/get",
  "server/discover",
  "subscriptions/listen",
];

const initializeParams = fc.record({
  protocolVersion: fc.oneof(fc.constantFrom("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"), fc.string(), fc.jsonValue()),
  capabilities: fc.oneof(fc.constant({}), fc.jsonValue()),
  clientInfo: fc.oneof(fc.constant({ name: "fuzz", version: "1" }), fc.jsonValue()),
}, { requiredKeys: [] });

const toolCallParams = fc.record({
  name: fc.oneof(fc.constantFrom("echo", "add", "fail", "nope"), fc.string(), fc.jsonValue()),
  arguments: fc.oneof(fc.record({ text: fc.string({ maxLength: 200 }), a: fc.double(), b: fc.integer() }, { requiredKeys: [] }), fc.jsonValue()),
  _meta: fc.oneof(fc.record({ progressToken: fc.oneof(fc.string(), fc.integer()) }), fc.jsonValue()),
}, { requiredKeys: [] });

/** Values shaped like JSON-RPC messages, valid and not. */
export const jsonRpcArb: fc.Arbitrary<unknown> = fc.record({
  jsonrpc: fc.constantFrom("2.0", "2.0", "2.0", "1.0", 2, null),
  id: fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.constant(null), fc.double(), fc.jsonValue({ maxDepth: 1 })),
  method: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...knownMethods) }, { weight: 1, arbitrary: fc.string() }),
  params: fc.oneof(fc.constant(undefined), initializeParams, toolCallParams, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })), fc.jsonValue({ maxDepth: 2 })),
  result: fc.jsonValue({ maxDepth: 2 }),
  error: fc.oneof(fc.record({ code: fc.integer(), message: fc.string() }), fc.jsonValue({ maxDepth: 1 })),
}, { requiredKeys: [] });

const id = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }));

/** Well-formed messages a real client sends, so cases also reach the session's own handling. */
export const validMessageArb: fc.Arbitrary<unknown> = fc.oneof(
  id.map((id) => ({ jsonrpc: "2.0", id, method: "ping" })),
  id.map((id) => ({ jsonrpc: "2.0", id, method: "tools/list" })),
  fc.tuple(id, fc.string({ maxLength: 50 })).map(([id, text]) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { text } } })),
  fc.tuple(id, fc.constantFrom("add", "fail", "nope")).map(([id, name]) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: { a: 1, b: 2 } } })),
  id.map((id) => ({ jsonrpc: "2.0", id, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "fuzz", version: "1" } } })),
  fc.constant({ jsonrpc: "2.0", method: "notifications/initialized" }),
  id.map((requestId) => ({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId } })),
  id.map((id) => ({ jsonrpc: "2.0", id, result: {} })),
);

/** A request body: random bytes, random JSON, JSON-RPC-shaped values, batches of them, or nothing. */
export const bodyArb: fc.Arbitrary<Uint8Array | string | undefined> = fc.oneof(
  { weight: 8, arbitrary: validMessageArb.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.array(validMessageArb, { minLength: 1, maxLength: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 256 }) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 4, arbitrary: jsonRpcArb.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.array(jsonRpcArb, { maxLength: 5 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 64 }) },
);

/** Methods a `Request` can carry (the constructor refuses CONNECT, TRACE, TRACK). */
export const methodArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom("GET", "POST", "DELETE") },
  { weight: 1, arbitrary: fc.constantFrom("PUT", "PATCH", "HEAD", "OPTIONS", "FOO", "get") },
);

/** Random query parameters, with `sessionId` drawn from `ids` most of the time. */
export function queryArb(ids: () => string[]): fc.Arbitrary<string> {
  const sessionId = fc.oneof(
    { weight: 4, arbitrary: fc.nat().map((n) => ids()[n % Math.max(1, ids().length)] ?? "") },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{32}$/) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.constantFrom("", "0123456789ABCDEF0123456789ABCDEF", "%00", "../../etc") },
  );
  return fc.record({ sessionId, extra: fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), { maxLength: 3 }) }, { requiredKeys: [] })
    .map(({ sessionId, extra }) => {
      const params = new URLSearchParams(extra ?? []);
      if (sessionId !== undefined) params.set("sessionId", sessionId);
      const text = params.toString();
      return text === "" ? "" : `?${text}`;
    });
}

/** Builds the Request, or `undefined` when the runtime itself refuses these parts. */
export function buildRequest(url: string, method: string, headers: Record<string, string>, body: Uint8Array | string | undefined): Request | undefined {
  try {
    const withBody = body !== undefined && method !== "GET" && method !== "HEAD";
    return new Request(url, { method, headers, body: withBody ? body as BodyInit : undefined });
  } catch {
    return undefined;
  }
}

/** How often each status was answered, per endpoint group (printed, to show what the cases reached). */
export const statusCounts: Record<string, Record<number, number>> = {};

/** Every answer: a well-formed status; 4xx/5xx carry a JSON-RPC error body (read here). */
export async function assertWellFormed(response: unknown, allowed: readonly number[], what: string): Promise<Response> {
  assert.ok(response instanceof Response, `${what}: not a Response`);
  const group = (statusCounts[what.replace(/\?.*$/, "")] ??= {});
  group[response.status] = (group[response.status] ?? 0) + 1;
  assert.ok(Number.isInteger(response.status) && response.status >= 200 && response.status <= 599, `${what}: status ${response.status}`);
  assert.ok(allowed.includes(response.status), `${what}: status ${response.status} not in ${allowed.join(",")}`);
  if (response.status >= 400 && response.status !== 418) {
    assert.equal(response.headers.get("content-type"), "application/json", `${what}: error content type`);
    const body = await response.json();
    assert.equal(body.jsonrpc, "2.0", `${what}: jsonrpc`);
    assert.ok(body.id === null || typeof body.id === "string" || typeof body.id === "number", `${what}: id`);
    assert.ok(Number.isInteger(body.error?.code), `${what}: error.code`);
    assert.equal(typeof body.error.message, "string", `${what}: error.message`);
  }
  return response;
}

/** Counts unhandled rejections and uncaught errors from now until `stop()`. */
export function watchUnhandled(): { readonly count: number; readonly errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onRejection = (reason: unknown) => errors.push(reason);
  const onEvent = (event: Event & { reason?: unknown; error?: unknown }) => {
    errors.push(event.reason ?? event.error);
    event.preventDefault();
  };
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onRejection);
  const g = globalThis as { addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener };
  g.addEventListener?.("unhandledrejection", onEvent as EventListener);
  g.addEventListener?.("error", onEvent as EventListener);
  return {
    get count() {
      return errors.length;
    },
    errors,
    stop() {
      process.off("unhandledRejection", onRejection);
      process.off("uncaughtException", onRejection);
      g.removeEventListener?.("unhandledrejection", onEvent as EventListener);
      g.removeEventListener?.("error", onEvent as EventListener);
    },
  };
}

/** True when the headers pass the default Host/Origin policy. */
export function passesDefaultPolicy(headers: Record<string, string>): boolean {
  const host = (headers.host ?? "localhost").toLowerCase();
  const hostOk = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/.test(host);
  if (!hostOk) return false;
  if (headers.origin === undefined) return true;
  return /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/.test(headers.origin.toLowerCase());
}
