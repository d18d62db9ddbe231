/**
 * A request whose handler answers synchronously is answered within `Session.receive()` (and by
 * `McpServer.dispatch` without a promise): the fast path must give exactly what the awaited path
 * gives a handler that returns a promise, and the zod-free tools/call params check exactly what
 * `CallToolParamsSchema` gives.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { z } from "zod";
import { type CallToolResult, type JsonRpcMessage, McpError, McpServer, type MessageSink, type Session } from "../mod.ts";
import { createContext, type RequestContext } from "../src/context.ts";
import { SessionRegistry } from "../src/registry.ts";

/** A sink that records what it was sent and which requests it was told were over. */
function recorder(): MessageSink & { sent: JsonRpcMessage[]; over: unknown[] } {
  const sent: JsonRpcMessage[] = [];
  const over: unknown[] = [];
  return { sent, over, send: (message) => (sent.push(message), true), done: (id) => void over.push(id) };
}

type Behaviour = "ok" | "structured" | "mcp-error" | "error" | "non-error" | "close";
const BEHAVIOURS: Behaviour[] = ["ok", "structured", "mcp-error", "error", "non-error", "close"];

/** What the tool does for `mode`, the same whether it answers synchronously or with a promise. */
function behave(mode: Behaviour, text: string, ctx: RequestContext, session: () => Session | undefined): CallToolResult {
  switch (mode) {
    case "ok":
      return { content: [{ type: "text", text }] };
    case "structured":
      return { content: [], structuredContent: { text } }; // No structuredContent check: "t" has no output schema.
    case "mcp-error":
      throw new McpError(-32602, `bad: ${text}`, { text });
    case "error":
      throw new Error(`broke: ${text}`);
    case "non-error":
      throw `thrown string ${text}`;
    case "close":
      session()?.close("deleted");
      return { content: [{ type: "text", text: `${ctx.requestId}` }] };
  }
}

/** A server whose tools answer synchronously or with a promise, and one initialized session of it. */
async function setUp(sync: boolean) {
  const server = new McpServer({ name: "sync-answer", version: "1" });
  let current: Session | undefined;
  const schema = z.object({ mode: z.enum(BEHAVIOURS as [Behaviour, ...Behaviour[]]), text: z.string() });
  const typed = sync
    ? (args: { mode: Behaviour; text: string }, ctx: RequestContext) => behave(args.mode, args.text, ctx, () => current)
    : async (args: { mode: Behaviour; text: string }, ctx: RequestContext) => behave(args.mode, args.text, ctx, () => current);
  server.tool("t", { inputSchema: schema }, typed);
  server.tool("out", { inputSchema: schema, outputSchema: z.object({ n: z.number() }) }, typed);
  server.tool("raw", {}, sync ? (args) => ({ content: [{ type: "text", text: JSON.stringify(args) }] }) : async (args) => ({ content: [{ type: "text", text: JSON.stringify(args) }] }));
  const registry = new SessionRegistry(server, { handlerTimeoutMs: 60_000 });
  const session = current = registry.create("streamable");
  const ignore = recorder();
  await session.receive({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } }, ignore);
  await session.receive({ jsonrpc: "2.0", method: "notifications/initialized" }, ignore);
  return { server, registry, session };
}

/** What one tools/call gets: the messages sent, the requests reported over, and what is left in flight. */
async function outcome(sync: boolean, params: unknown) {
  const { session } = await setUp(sync);
  const sink = recorder();
  await session.receive({ jsonrpc: "2.0", id: 7, method: "tools/call", params } as JsonRpcMessage, sink);
  const result = { sent: sink.sent, over: sink.over, inFlight: session.inFlightCount, closed: session.closed };
  session.close();
  return result;
}

/** Objects as JSON.parse makes them (so `__proto__` is an own key, as in real bodies). */
const json = <T>(arb: fc.Arbitrary<T>) => arb.map((o) => JSON.parse(JSON.stringify(o)));
const edgy = fc.oneof(fc.constantFrom("t", "out", "raw", "nope", "", 1, null, true, [], {}, { a: 1 }), fc.string({ maxLength: 4 }));
const argumentsLike = fc.oneof(
  edgy,
  fc.record({ mode: fc.oneof(fc.constantFrom(...BEHAVIOURS), edgy), text: fc.oneof(fc.string({ maxLength: 6 }), edgy) }, { requiredKeys: [] }),
  fc.dictionary(fc.constantFrom("mode", "text", "__proto__", "constructor", "x"), fc.oneof(edgy, fc.constantFrom(...BEHAVIOURS)), { maxKeys: 4 }),
);
const paramsLike = json(fc.oneof(
  edgy,
  fc.record({ name: edgy, arguments: argumentsLike }, { requiredKeys: [] }),
  fc.dictionary(fc.constantFrom("name", "arguments", "__proto__", "_meta"), fc.oneof(edgy, argumentsLike), { maxKeys: 4 }),
));

describe("a request answered synchronously", () => {
  test("a sync tool's response is sent and the request is over within receive(), before its promise settles", async () => {
    const { session } = await setUp(true);
    const sink = recorder();
    const received = session.receive({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "t", arguments: { mode: "ok", text: "hi" } } }, sink);
    assert.deepEqual(sink.sent, [{ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "hi" }] } }]);
    assert.deepEqual(sink.over, [1]);
    assert.equal(session.inFlightCount, 0);
    await received;
    session.close();
  });

  test("an async tool's response comes after receive() returned, once its promise settled", async () => {
    const { session } = await setUp(false);
    const sink = recorder();
    const received = session.receive({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "t", arguments: { mode: "ok", text: "hi" } } }, sink);
    assert.deepEqual(sink.sent, []);
    assert.equal(session.inFlightCount, 1);
    await received;
    assert.deepEqual(sink.sent, [{ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "hi" }] } }]);
    assert.deepEqual(sink.over, [1]);
    session.close();
  });

  test("McpServer.dispatch answers a sync handler without a promise, an async one with one; handle() always with a promise", async () => {
    const server = new McpServer({ name: "d", version: "1" });
    server.tool("now", {}, () => ({ content: [] }));
    server.tool("later", {}, async () => ({ content: [] }));
    const call = (name: string) => ({ jsonrpc: "2.0" as const, id: 1, method: "tools/call", params: { name } });
    const ctx = (request: ReturnType<typeof call>) => createContext({ protocolVersion: "2025-11-25", clientCapabilities: {}, send() {} }, request, new AbortController().signal).context;
    const now = call("now");
    assert.deepEqual(server.dispatch(now, ctx(now)), { jsonrpc: "2.0", id: 1, result: { content: [] } });
    const later = call("later");
    const pending = server.dispatch(later, ctx(later));
    assert.ok(pending instanceof Promise);
    assert.deepEqual(await pending, { jsonrpc: "2.0", id: 1, result: { content: [] } });
    const handled = server.handle(now, ctx(now));
    assert.ok(handled instanceof Promise);
    assert.deepEqual(await handled, { jsonrpc: "2.0", id: 1, result: { content: [] } });
  });

  for (const mode of BEHAVIOURS) {
    test(`a tool that does "${mode}" gets the same answer (or none), done and in-flight state sync as async`, async () => {
      for (const name of ["t", "out"]) {
        const params = { name, arguments: { mode, text: "x" } };
        assert.deepEqual(await outcome(true, params), await outcome(false, params));
      }
    });
  }

  test("any tools/call params (fast-check): a sync tool's answer is the async tool's answer", async () => {
    await fc.assert(
      fc.asyncProperty(paramsLike, async (params) => {
        assert.deepEqual(await outcome(true, params), await outcome(false, params));
      }),
      { numRuns: 300 },
    );
  });
});

/** What McpServer checked tools/call params with before its zod-free fast path: this schema alone. */
const CallToolParamsSchema = z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()).optional() }).loose();

describe("the zod-free tools/call params check", () => {
  test("any params (fast-check): the answer is the one the schema's verdict and data give", async () => {
    const server = new McpServer({ name: "p", version: "1" });
    server.tool("raw", {}, (args) => ({ content: [{ type: "text", text: JSON.stringify(args) }], keys: Object.keys(args as object), proto: Object.getPrototypeOf(args) === Object.prototype }));
    await fc.assert(
      fc.asyncProperty(paramsLike, async (params) => {
        const request = { jsonrpc: "2.0" as const, id: 3, method: "tools/call", params };
        const { context } = createContext({ protocolVersion: "2025-11-25", clientCapabilities: {}, send() {} }, request, new AbortController().signal);
        const parsed = CallToolParamsSchema.safeParse(params);
        let expected: unknown;
        if (!parsed.success) expected = { jsonrpc: "2.0", id: 3, error: { code: -32602, message: "Invalid tools/call params: name is required" } };
        else if (parsed.data.name !== "raw") expected = { jsonrpc: "2.0", id: 3, error: { code: -32602, message: `Unknown tool: ${parsed.data.name}` } };
        else {
          const args: Record<string, unknown> = parsed.data.arguments ?? {};
          expected = { jsonrpc: "2.0", id: 3, result: { content: [{ type: "text", text: JSON.stringify(args) }], keys: Object.keys(args), proto: true } };
        }
        // Through JSON, as it goes on the wire.
        assert.deepEqual(JSON.parse(JSON.stringify(await server.handle(request, context))), JSON.parse(JSON.stringify(expected)));
      }),
      { numRuns: 500 },
    );
  });
});

type RoundBehaviour = "ok" | "mcp-error" | "error" | "ask-and-return" | "ask-undeclared" | "signal";
const ROUND_BEHAVIOURS: RoundBehaviour[] = ["ok", "mcp-error", "error", "ask-and-return", "ask-undeclared", "signal"];

/** What a 2026 tool does for `mode`, the same whether it answers synchronously or with a promise. */
function behaveInRound(mode: RoundBehaviour, ctx: RequestContext): CallToolResult {
  switch (mode) {
    case "ok":
      return { content: [{ type: "text", text: "done" }] };
    case "mcp-error":
      throw new McpError(-32602, "bad", { why: 1 });
    case "error":
      throw new Error("broke");
    case "ask-and-return":
      // Asked and not waited for: the handler's own answer comes first.
      void ctx.elicit("Sure?", z.object({ ok: z.boolean() }));
      return { content: [{ type: "text", text: "did not wait" }] };
    case "ask-undeclared":
      // The client declared no sampling: the question fails, and the handler answers anyway.
      ctx.sample({ messages: [], maxTokens: 1 }).catch(() => {});
      return { content: [] };
    case "signal":
      return { content: [{ type: "text", text: String(ctx.signal.aborted) }] };
  }
}

/** The response of a first 2026 round (no requestState, no inputResponses) to `mode`, sync or async. */
async function firstRound(sync: boolean, mode: RoundBehaviour, params: Record<string, unknown> = {}) {
  const server = new McpServer({ name: "round", version: "1" });
  server.tool("t", {}, sync ? (_args, ctx) => behaveInRound(mode, ctx) : async (_args, ctx) => behaveInRound(mode, ctx));
  const request = { jsonrpc: "2.0" as const, id: 5, method: "tools/call", params: { name: "t", arguments: {}, ...params } };
  const { context, finish } = createContext({ protocolVersion: "2026-07-28", clientCapabilities: { elicitation: {} }, send() {} }, request, new AbortController().signal);
  const handled = server.dispatch(request, context);
  const settled = handled instanceof Promise ? "promise" : "at once";
  const response = await handled;
  finish();
  return { settled, response: JSON.parse(JSON.stringify(response)) };
}

describe("a 2026-07-28 first round answered synchronously", () => {
  for (const mode of ROUND_BEHAVIOURS) {
    test(`a tool that does "${mode}" gets the same answer sync as async, the sync one without a promise`, async () => {
      const sync = await firstRound(true, mode);
      const async = await firstRound(false, mode);
      assert.equal(sync.settled, "at once");
      assert.equal(async.settled, "promise");
      assert.deepEqual(sync.response, async.response);
    });
  }

  test("a round with answers to read still takes the awaited path, and its handler does not see them", async () => {
    const seen: Record<string, unknown>[] = [];
    const server = new McpServer({ name: "round", version: "1" });
    server.tool("t", {}, (args) => (seen.push(args as Record<string, unknown>), { content: [] }));
    const request = { jsonrpc: "2.0" as const, id: 6, method: "tools/call", params: { name: "t", arguments: { a: 1 }, inputResponses: {} } };
    const { context, finish } = createContext({ protocolVersion: "2026-07-28", clientCapabilities: {}, send() {} }, request, new AbortController().signal);
    const handled = server.dispatch(request, context);
    assert.ok(handled instanceof Promise);
    assert.deepEqual(await handled, { jsonrpc: "2.0", id: 6, result: { content: [] } });
    assert.deepEqual(seen, [{ a: 1 }]);
    finish();
  });
});

describe("a session's tool asks its client with the server's input limits", () => {
  /** Runs a tool that asks until refused (at most 12 times), with `message`-sized questions; returns what it saw. */
  async function askUntilRefused(options: ConstructorParameters<typeof McpServer>[1], message: string) {
    const server = new McpServer({ name: "limits", version: "1" }, options);
    server.tool("asker", {}, async (_args, ctx) => {
      let answered = 0;
      try {
        for (; answered < 12; answered++) await ctx.elicit(message, z.object({ ok: z.boolean() }));
        return { content: [{ type: "text", text: `answered ${answered}` }] };
      } catch (error) {
        return { content: [{ type: "text", text: `answered ${answered}, then: ${(error as Error).message}` }] };
      }
    });
    const registry = new SessionRegistry(server, {});
    const session = registry.create("streamable");
    const sink: MessageSink & { sent: JsonRpcMessage[] } = {
      sent: [],
      send(message) {
        this.sent.push(message);
        // The client answers every elicitation at once.
        if ("method" in message && "id" in message && message.method === "elicitation/create") {
          queueMicrotask(() => void session.receive({ jsonrpc: "2.0", id: message.id, result: { action: "accept", content: { ok: true } } }, sink));
        }
        return true;
      },
    };
    await session.receive({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: { elicitation: {} }, clientInfo: { name: "t", version: "1" } } }, sink);
    await session.receive({ jsonrpc: "2.0", method: "notifications/initialized" }, sink);
    await session.receive({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "asker", arguments: {} } }, sink);
    session.close();
    const response = sink.sent.find((m) => "id" in m && m.id === 1 && "result" in m) as { result: CallToolResult } | undefined;
    return (response?.result.content[0] as { text: string } | undefined)?.text;
  }

  test("default limits: the 11th question is refused", async () => {
    assert.equal(await askUntilRefused({}, "Sure?"), "answered 10, then: This request asked for input more than 10 times");
  });

  test("the server's own maxRounds and maxInputBytes apply", async () => {
    assert.equal(await askUntilRefused({ input: { maxRounds: 2 } }, "Sure?"), "answered 2, then: This request asked for input more than 2 times");
    assert.match(String(await askUntilRefused({ input: { maxInputBytes: 20 } }, "a question longer than twenty bytes")), /^answered 0, then: Questions of \d+ bytes exceed the 20-byte input limit$/);
  });

  test("default limits: a question over 256 KiB is refused", async () => {
    assert.match(String(await askUntilRefused({}, "x".repeat(256 * 1024))), /^answered 0, then: Questions of \d+ bytes exceed the 262144-byte input limit$/);
  });
});
