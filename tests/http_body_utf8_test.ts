/**
 * A POST body must be UTF-8: malformed bytes are 400/-32700, never turned into U+FFFD; a body
 * that really contains U+FFFD is kept as it is. Checked against the platform's strict decoder,
 * on the read-in-one-go path (declared length; with and without `bytes()`, and through an
 * adapter's stand-in request) and the streamed one (no length).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { readBody, readJsonBody } from "../src/http.ts";

const strict = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** The strict decoder's verdict: the text, or undefined for malformed bytes. */
function strictText(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * How a body is read: in one go with a declared length (through `bytes()`, or `arrayBuffer()`
 * where a runtime has no `bytes()` or the request is an adapter's stand-in), or streamed.
 */
type ReadPath = "declared length" | "declared length, no bytes()" | "declared length, a stand-in request" | "streamed";

/**
 * A stand-in for `real`, as `@hono/node-server` before 2.1 hands handlers on Node: an object that
 * inherits from `Request.prototype` and forwards the body reads it knows (`arrayBuffer()`,
 * `text()` …) to the real request, but not `bytes()` (the inherited one rejects on it).
 */
function standIn(real: Request): Request {
  const forwarding: Record<string, unknown> = {};
  for (const name of ["method", "url", "headers", "body", "bodyUsed", "signal"]) {
    Object.defineProperty(forwarding, name, { get: () => real[name as keyof Request] });
  }
  for (const name of ["arrayBuffer", "blob", "clone", "formData", "json", "text"]) {
    Object.defineProperty(forwarding, name, { value: () => (real[name as keyof Request] as () => unknown).call(real) });
  }
  Object.setPrototypeOf(forwarding, Request.prototype);
  return Object.create(forwarding);
}

/**
 * A POST of `bytes`, with a declared length (as a served request has), or streamed in two
 * chunks without one. "no bytes()" hides the request's `bytes()`, as on runtimes without it.
 */
function postOf(bytes: Uint8Array<ArrayBuffer>, path: ReadPath): Request {
  const streamed = path === "streamed";
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (!streamed) {
    headers["content-length"] = String(bytes.length);
    const request = new Request("http://127.0.0.1/mcp", { method: "POST", headers, body: bytes });
    if (path === "declared length, no bytes()") Object.defineProperty(request, "bytes", { value: undefined });
    return path === "declared length, a stand-in request" ? standIn(request) : request;
  }
  const cut = bytes.length >> 1;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.slice(0, cut));
      controller.enqueue(bytes.slice(cut));
      controller.close();
    },
  });
  return new Request("http://127.0.0.1/mcp", { method: "POST", headers, body, duplex: "half" } as RequestInit);
}

/** Bytes near UTF-8's edges: JSON text with lone continuation bytes, overlongs, surrogates, U+FFFD and byte order marks mixed in. */
const awkwardBytes = fc.array(
  fc.oneof(
    fc.constantFrom(0x22, 0x7b, 0x7d, 0x61, 0x20),
    fc.integer({ min: 0x80, max: 0xff }),
    fc.constantFrom([0xef, 0xbf, 0xbd], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98, 0x80], [0xe2, 0x82], [0xef, 0xbb, 0xbf]),
  ),
  { maxLength: 40 },
).map((parts) => new Uint8Array(parts.flat()));

describe("POST bodies are strict UTF-8", () => {
  for (const path of ["declared length", "declared length, no bytes()", "declared length, a stand-in request", "streamed"] as const) {

    test(`readBody (${path}) agrees with the strict decoder on any bytes`, async () => {
      await fc.assert(fc.asyncProperty(awkwardBytes, async (bytes) => {
        const read = await readBody(postOf(bytes, path), 1 << 20);
        const expected = strictText(bytes);
        if (expected === undefined) assert.deepEqual(read, { ok: false, reason: "unreadable" });
        else assert.deepEqual(read, { ok: true, text: expected });
      }), { numRuns: 300 });
    });

    test(`readJsonBody (${path}): malformed bytes are 400/-32700; a real U+FFFD is kept`, async () => {
      const malformed = await readJsonBody(postOf(new Uint8Array([0x22, 0xff, 0x22]), path), 1024);
      assert.ok(malformed instanceof Response);
      assert.equal(malformed.status, 400);
      assert.equal((await malformed.json()).error.code, -32700);

      const genuine = await readJsonBody(postOf(encoder.encode('"a\uFFFDb"'), path), 1024);
      assert.ok(!(genuine instanceof Response));
      assert.equal(genuine.body, "a\uFFFDb");
    });

    test(`readJsonBody (${path}): a leading byte order mark is dropped, with or without a U+FFFD in the text`, async () => {
      const bom = [0xef, 0xbb, 0xbf];
      for (const text of ['{"a":1}', '"a\uFFFDb"']) {
        const parsed = await readJsonBody(postOf(new Uint8Array([...bom, ...encoder.encode(text)]), path), 1024);
        assert.ok(!(parsed instanceof Response), `BOM + ${text}: ${parsed instanceof Response ? parsed.status : ""}`);
        assert.equal(parsed.text, text);
      }
    });
  }
});
