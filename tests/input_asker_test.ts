/** The 2024/2025 asker on its own: bounds, capability checks and cancellation of the other questions of a round. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { ErrorCode, McpError } from "../mod.ts";
import { elicitation, requestAsker, type RoundOptions, roots, sampling } from "../src/input.ts";

const ALL = { elicitation: {}, sampling: {}, roots: {} };
const question = () => sampling({ messages: [{ role: "user", content: { type: "text", text: "?" } }], maxTokens: 5 });

describe("asking in 2024/2025 sessions (requestAsker)", () => {
  test("nothing is sent when one question of a round needs an undeclared capability", async () => {
    const sent: string[] = [];
    const ask = requestAsker({
      request: (method) => (sent.push(method), Promise.resolve({})),
      capabilities: { sampling: {} },
      signal: new AbortController().signal,
      maxRounds: 10,
      maxInputBytes: 65536,
    });
    await assert.rejects(async () => await ask({ s: question(), r: roots() }), (error: unknown) => {
      assert.ok(error instanceof McpError);
      assert.equal(error.code, ErrorCode.MissingRequiredClientCapability);
      assert.deepEqual(error.data, { requiredCapabilities: { roots: {} } });
      return true;
    });
    assert.deepEqual(sent, []);
  });

  test("rounds beyond maxRounds are refused without sending", async () => {
    let sent = 0;
    const ask = requestAsker({
      request: () => (sent++, Promise.resolve({ roots: [] })),
      capabilities: ALL,
      signal: new AbortController().signal,
      maxRounds: 2,
      maxInputBytes: 65536,
    });
    await ask({ r: roots() });
    await ask({ r: roots() });
    await assert.rejects(async () => await ask({ r: roots() }), /more than 2 times/);
    assert.equal(sent, 2);
  });

  test("questions over maxInputBytes are refused without sending", async () => {
    let sent = 0;
    const ask = requestAsker({ request: () => (sent++, Promise.resolve({})), capabilities: ALL, signal: new AbortController().signal, maxRounds: 10, maxInputBytes: 100 });
    await assert.rejects(async () => await ask({ e: elicitation("x".repeat(200), z.object({ a: z.string() })) }), /exceed the 100-byte input limit/);
    assert.equal(sent, 0);
  });

  test("an answer over maxInputBytes is refused", async () => {
    const ask = requestAsker({
      request: () => Promise.resolve({ roots: [{ uri: "file:///" + "x".repeat(500) }] }),
      capabilities: ALL,
      signal: new AbortController().signal,
      maxRounds: 10,
      maxInputBytes: 200,
    });
    await assert.rejects(ask({ r: roots() }), /The answer to "r" is \d+ bytes, over the 200-byte input limit/);
  });

  test("the first failing question cancels the others of its round", async () => {
    const signals: AbortSignal[] = [];
    const ask = requestAsker({
      request: (method: string, _params: Record<string, unknown>, options: RoundOptions) => {
        signals.push(options.signal!);
        if (method === "roots/list") return Promise.reject(new Error("no roots today"));
        return new Promise(() => {});
      },
      capabilities: ALL,
      signal: new AbortController().signal,
      maxRounds: 10,
      maxInputBytes: 65536,
    });
    await assert.rejects(ask({ s: question(), r: roots() }), /no roots today/);
    assert.equal(signals.length, 2);
    assert.ok(signals.every((s) => s.aborted), "every question of the round saw the abort");
  });

  test("a caller's signal stops the wait", async () => {
    const caller = new AbortController();
    const ask = requestAsker({
      // Like the session: the wait ends only when the signal it was given aborts.
      request: (_m: string, _p: Record<string, unknown>, options: RoundOptions) =>
        new Promise((_resolve, reject) => options.signal!.addEventListener("abort", () => reject(options.signal!.reason))),
      capabilities: ALL,
      signal: new AbortController().signal,
      maxRounds: 10,
      maxInputBytes: 65536,
    });
    const asked = ask({ r: roots() }, { signal: caller.signal });
    caller.abort(new Error("the caller gave up"));
    await assert.rejects(asked, /the caller gave up/);
  });
});
