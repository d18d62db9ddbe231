import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, McpError, RequestStateSealer } from "../mod.ts";

const binding = { method: "tools/call", name: "deploy", principal: { sub: "alice" } };

async function rejects(promise: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof McpError);
    assert.equal(error.code, ErrorCode.InvalidParams);
    assert.match(error.message, reason);
    return true;
  });
}

describe("requestState sealing", () => {
  test("a sealed state opens to the same data under the same binding", async () => {
    const sealer = new RequestStateSealer();
    const token = await sealer.seal({ answers: { a: 1 } }, binding);
    assert.deepEqual(await sealer.open(token, { ...binding, principal: { sub: "alice" } }), { answers: { a: 1 } });
  });

  test("one flipped character anywhere is rejected as tampered", async () => {
    const sealer = new RequestStateSealer();
    const token = await sealer.seal({ answers: { ok: true } }, binding);
    for (const at of [0, Math.floor(token.length / 2), token.length - 1]) {
      const flipped = token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
      await rejects(sealer.open(flipped, binding), /integrity|malformed/);
    }
    await rejects(sealer.open(token + "-TAMPERED", binding), /integrity|malformed/);
  });

  test("a payload rewritten by the client fails the integrity check", async () => {
    const sealer = new RequestStateSealer();
    const token = await sealer.seal({ admin: false }, binding);
    const [, mac] = token.split(".");
    const forged = btoa(JSON.stringify({ v: 1, exp: Date.now() + 60_000, d: { admin: true } })).replace(/=+$/, "");
    await rejects(sealer.open(`${forged}.${mac}`, binding), /integrity/);
  });

  test("state minted for another method, name or principal is rejected", async () => {
    const sealer = new RequestStateSealer();
    const token = await sealer.seal({}, binding);
    await rejects(sealer.open(token, { ...binding, method: "prompts/get" }), /integrity/);
    await rejects(sealer.open(token, { ...binding, name: "other_tool" }), /integrity/);
    await rejects(sealer.open(token, { ...binding, principal: { sub: "mallory" } }), /integrity/);
    await rejects(sealer.open(token, { method: "tools/call", name: "deploy" }), /integrity/);
  });

  test("state minted for some arguments is rejected for others; key order does not matter", async () => {
    const sealer = new RequestStateSealer();
    const token = await sealer.seal({}, { ...binding, salient: { path: "/tmp/a", force: false } });
    assert.deepEqual(await sealer.open(token, { ...binding, salient: { force: false, path: "/tmp/a" } }), {});
    await rejects(sealer.open(token, { ...binding, salient: { path: "/etc", force: false } }), /integrity/);
  });

  test("expired state is rejected", async () => {
    let now = 1_000_000;
    const sealer = new RequestStateSealer({ ttlMs: 1000, now: () => now });
    const token = await sealer.seal({}, binding);
    now += 1000;
    assert.deepEqual(await sealer.open(token, binding), {});
    now += 1;
    await rejects(sealer.open(token, binding), /expired/);
  });

  test("state sealed under another key (another process) is rejected", async () => {
    const token = await new RequestStateSealer().seal({}, binding);
    await rejects(new RequestStateSealer({ key: "k".repeat(32) }).open(token, binding), /integrity/);
  });

  test("a shared key lets another instance open the state", async () => {
    const key = "a shared secret of at least 32 bytes!";
    const token = await new RequestStateSealer({ key }).seal({ n: 1 }, binding);
    assert.deepEqual(await new RequestStateSealer({ key }).open(token, binding), { n: 1 });
  });

  test("oversized, non-string and malformed states are rejected before any crypto", async () => {
    const sealer = new RequestStateSealer({ maxBytes: 100 });
    await rejects(sealer.open("x".repeat(101), binding), /larger than 100 bytes/);
    await rejects(sealer.open(42, binding), /must be a string/);
    await rejects(sealer.open("no-dot-here", binding), /malformed/);
    await rejects(sealer.open("abc.%%%", binding), /malformed/);
  });

  test("sealing more than maxBytes fails instead of minting an unusable state", async () => {
    const sealer = new RequestStateSealer({ maxBytes: 100 });
    await assert.rejects(sealer.seal({ big: "x".repeat(200) }, binding), /over the 100-byte limit/);
  });

  test("a key shorter than 32 bytes is refused", () => {
    assert.throws(() => new RequestStateSealer({ key: "short" }), /at least 32 bytes/);
  });
});
