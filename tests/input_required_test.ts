/**
 * 2026-07-28 input-required rounds, driven through the server core the way the modern
 * transport drives it (a context built from the request envelope, no session).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { createMessage, elicit, ErrorCode, type JsonRpcResponse, listRoots, McpServer } from "../mod.ts";
import { createContext } from "../src/context.ts";
import { InputRound } from "../src/input_required.ts";
import { RequestStateSealer } from "../src/request_state.ts";
import { answer, inputServer, TRIP_RESULT, type TripCounters } from "./_input_fixtures.ts";

const ALL = { elicitation: {}, sampling: {}, roots: {} };
let nextId = 1;

interface Call {
  method?: string;
  params: Record<string, unknown>;
  capabilities?: Record<string, unknown>;
  principal?: unknown;
}

/** One request to the core, as a 2026-07-28 client sends it. */
async function send(server: McpServer, call: Call): Promise<JsonRpcResponse> {
  const request = { jsonrpc: "2.0" as const, id: nextId++, method: call.method ?? "tools/call", params: call.params };
  const { context, finish } = createContext(
    { protocolVersion: "2026-07-28", clientCapabilities: call.capabilities ?? ALL, principal: call.principal, send() {} },
    request,
    new AbortController().signal,
  );
  try {
    return await server.handle(request, context);
  } finally {
    finish();
  }
}

function result(response: JsonRpcResponse): Record<string, unknown> {
  assert.ok("result" in response, `expected a result, got ${JSON.stringify(response)}`);
  return response.result;
}

function errorOf(response: JsonRpcResponse): { code: number; message: string; data?: unknown } {
  assert.ok("error" in response, `expected an error, got ${JSON.stringify(response)}`);
  return response.error;
}

/** Plays a 2026 client: answers every round until the result is complete; returns it and the round count. */
async function fulfil(server: McpServer, call: Call): Promise<{ result: Record<string, unknown>; rounds: number }> {
  let params = call.params;
  for (let rounds = 0; rounds < 20; rounds++) {
    const r = result(await send(server, { ...call, params }));
    if (r.resultType !== "input_required") return { result: r, rounds };
    const requests = r.inputRequests as Record<string, { method: string; params: Record<string, unknown> }>;
    const inputResponses = Object.fromEntries(Object.entries(requests).map(([k, q]) => [k, answer(q.method, q.params)]));
    params = { ...call.params, inputResponses, requestState: r.requestState };
  }
  throw new Error("too many rounds");
}

function text(r: Record<string, unknown>): string {
  return ((r.content as Array<{ text: string }>)[0]).text;
}

describe("2026-07-28 input-required rounds", () => {
  test("elicit then sample takes two rounds, completes with the answers, and acts once", async () => {
    const counters: TripCounters = { runs: 0, booked: 0 };
    const server = inputServer(counters);
    const first = result(await send(server, { params: { name: "plan_trip", arguments: {} } }));
    assert.equal(first.resultType, "input_required");
    assert.equal(typeof first.requestState, "string");
    const requests = first.inputRequests as Record<string, { method: string; params: Record<string, unknown> }>;
    assert.deepEqual(Object.keys(requests), ["elicitation-1"]);
    assert.equal(requests["elicitation-1"].method, "elicitation/create");
    assert.deepEqual(requests["elicitation-1"].params.requestedSchema, {
      type: "object",
      properties: { destination: { type: "string" }, confirm: { type: "boolean" } },
      required: ["destination", "confirm"],
    });
    const { result: final, rounds } = await fulfil(server, { params: { name: "plan_trip", arguments: {} } });
    assert.equal(rounds, 2);
    assert.equal(text(final), TRIP_RESULT);
    assert.equal(counters.booked, 1, "work after the last question runs once per call");
    assert.equal(counters.runs, 1 + 3, "the handler re-runs from the start on every round");
  });

  test("questions asked together go out in one round", async () => {
    const server = inputServer();
    const first = result(await send(server, { params: { name: "ask_both", arguments: {} } }));
    assert.deepEqual(Object.keys(first.inputRequests as object).sort(), ["idea", "who"]);
    const { result: final, rounds } = await fulfil(server, { params: { name: "ask_both", arguments: {} } });
    assert.equal(rounds, 1);
    assert.equal(text(final), "Ada: Ride tram 28");
  });

  test("a missing answer is asked again with a new input-required result, extra keys are ignored", async () => {
    const server = inputServer();
    const first = result(await send(server, { params: { name: "ask_both", arguments: {} } }));
    const again = result(await send(server, {
      params: {
        name: "ask_both",
        arguments: {},
        inputResponses: { who: { action: "accept", content: { name: "Ada" } }, unrelated: { action: "accept", content: {} } },
        requestState: first.requestState,
      },
    }));
    assert.equal(again.resultType, "input_required");
    assert.deepEqual(Object.keys(again.inputRequests as object), ["idea"]);
    const done = result(await send(server, {
      params: { name: "ask_both", arguments: {}, inputResponses: { idea: answer("sampling/createMessage", {}) }, requestState: again.requestState },
    }));
    assert.equal(text(done), "Ada: Ride tram 28", "the earlier answer travelled in the sealed state");
  });

  test("answers sent without requestState count for the questions the handler asks", async () => {
    const server = inputServer();
    const r = result(await send(server, {
      params: {
        name: "ask_both",
        arguments: {},
        inputResponses: { who: { action: "accept", content: { name: "Bo" } }, idea: answer("sampling/createMessage", {}), extra: { x: 1 } },
      },
    }));
    assert.equal(text(r), "Bo: Ride tram 28");
  });

  test("tampered, cross-tool, cross-method and cross-principal state is rejected and runs no handler", async () => {
    const counters: TripCounters = { runs: 0, booked: 0 };
    const server = inputServer(counters);
    const alice = { sub: "alice" };
    const first = result(await send(server, { params: { name: "plan_trip", arguments: {} }, principal: alice }));
    const state = first.requestState as string;
    const responses = { "elicitation-1": answer("elicitation/create", { requestedSchema: { properties: { destination: {} } } }) };
    const runsBefore = counters.runs;
    const attempts: Call[] = [
      { params: { name: "plan_trip", arguments: {}, inputResponses: responses, requestState: state + "-TAMPERED" }, principal: alice },
      { params: { name: "ask_both", arguments: {}, inputResponses: responses, requestState: state }, principal: alice },
      { method: "prompts/get", params: { name: "plan_trip", inputResponses: responses, requestState: state }, principal: alice },
      { params: { name: "plan_trip", arguments: {}, inputResponses: responses, requestState: state }, principal: { sub: "mallory" } },
      { params: { name: "plan_trip", arguments: {}, inputResponses: responses, requestState: state } },
    ];
    for (const attempt of attempts) {
      const error = errorOf(await send(server, attempt));
      if (attempt.method === "prompts/get") continue; // no prompts method registered: -32601 before any state check
      assert.equal(error.code, ErrorCode.InvalidParams);
      assert.match(error.message, /Invalid requestState/);
    }
    assert.equal(counters.runs, runsBefore, "no handler ran for a rejected state");
    // The genuine state still works for its principal.
    const ok = result(await send(server, { params: { name: "plan_trip", arguments: {}, inputResponses: responses, requestState: state }, principal: alice }));
    assert.equal(ok.resultType, "input_required");
  });

  test("state replayed with other arguments is rejected", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.tool("delete", { inputSchema: z.object({ path: z.string() }) }, async ({ path }, ctx) => {
      const ok = await ctx.elicit("Sure?", z.object({ ok: z.boolean() }));
      return { content: [{ type: "text", text: ok.action === "accept" && ok.content.ok ? `deleted ${path}` : "kept" }] };
    });
    const first = result(await send(server, { params: { name: "delete", arguments: { path: "/tmp/x" } } }));
    const inputResponses = { "elicitation-1": { action: "accept", content: { ok: true } } };
    const replay = errorOf(await send(server, { params: { name: "delete", arguments: { path: "/" }, inputResponses, requestState: first.requestState } }));
    assert.match(replay.message, /Invalid requestState/);
    const genuine = result(await send(server, { params: { name: "delete", arguments: { path: "/tmp/x" }, inputResponses, requestState: first.requestState } }));
    assert.equal(text(genuine), "deleted /tmp/x");
  });

  test("state replayed into prompts/get is rejected there", async () => {
    const server = inputServer();
    server.method("prompts/get", async (_params, ctx) => {
      const r = await ctx.elicit("Context?", z.object({ context: z.string() }));
      return { messages: [{ role: "user", content: { type: "text", text: r.action } }] };
    });
    const first = result(await send(server, { params: { name: "plan_trip", arguments: {} } }));
    const error = errorOf(await send(server, { method: "prompts/get", params: { name: "plan_trip", requestState: first.requestState } }));
    assert.equal(error.code, ErrorCode.InvalidParams);
  });

  test("expired state is rejected", async () => {
    let now = Date.now();
    const server = inputServer(undefined, { input: { ttlMs: 1000, now: () => now } });
    const first = result(await send(server, { params: { name: "plan_trip", arguments: {} } }));
    now += 1001;
    const error = errorOf(await send(server, { params: { name: "plan_trip", arguments: {}, requestState: first.requestState } }));
    assert.equal(error.code, ErrorCode.InvalidParams);
    assert.match(error.message, /expired/);
  });

  test("a question the client did not declare fails with -32021 and requiredCapabilities", async () => {
    const server = inputServer();
    const error = errorOf(await send(server, { params: { name: "plan_trip", arguments: {} }, capabilities: { sampling: {} } }));
    assert.equal(error.code, ErrorCode.MissingRequiredClientCapability);
    assert.deepEqual(error.data, { requiredCapabilities: { elicitation: {} } });
  });

  test("a handler that checks canAsk degrades instead of asking", async () => {
    const server = inputServer();
    const r = result(await send(server, { params: { name: "maybe_ask", arguments: {} }, capabilities: { sampling: {} } }));
    assert.equal(text(r), "no elicitation: default");
  });

  test("malformed inputResponses and invalid answers are JSON-RPC errors", async () => {
    const server = inputServer();
    for (const inputResponses of [null, [1], { "elicitation-1": 12345 }]) {
      const error = errorOf(await send(server, { params: { name: "plan_trip", arguments: {}, inputResponses } }));
      assert.equal(error.code, ErrorCode.InvalidParams);
    }
    const wrongShape = errorOf(await send(server, {
      params: { name: "plan_trip", arguments: {}, inputResponses: { "elicitation-1": { action: "accept", content: { destination: 5 } } } },
    }));
    assert.equal(wrongShape.code, ErrorCode.InvalidParams);
    assert.match(wrongShape.message, /elicitation-1/);
  });

  test("rounds are bounded", async () => {
    const server = new McpServer({ name: "t", version: "1" }, { input: { maxRounds: 3 } });
    server.tool("forever", {}, async (_args, ctx) => {
      for (let i = 0;; i++) await ctx.elicit(`Question ${i}`, z.object({ a: z.string() }), { key: `q${i}` });
    });
    let params: Record<string, unknown> = { name: "forever", arguments: {} };
    for (let round = 0; round < 3; round++) {
      const r = result(await send(server, { params }));
      assert.equal(r.resultType, "input_required");
      const key = Object.keys(r.inputRequests as object)[0];
      params = { name: "forever", arguments: {}, inputResponses: { [key]: { action: "accept", content: { a: "x" } } }, requestState: r.requestState };
    }
    const error = errorOf(await send(server, { params }));
    assert.match(error.message, /more than 3 times/);
  });

  test("questions and answers are bounded in size", async () => {
    const server = new McpServer({ name: "t", version: "1" }, { input: { maxInputBytes: 200 } });
    server.tool("big", {}, async (_args, ctx) => {
      await ctx.elicit("x".repeat(500), z.object({ a: z.string() }));
      return { content: [] };
    });
    assert.match(errorOf(await send(server, { params: { name: "big", arguments: {} } })).message, /exceed the 200-byte input limit/);
    const tooMuch = errorOf(await send(server, { params: { name: "big", arguments: {}, inputResponses: { a: { pad: "y".repeat(300) } } } }));
    assert.equal(tooMuch.code, ErrorCode.InvalidParams);
  });

  test("an elicitation schema outside the spec's subset is refused", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.tool("nested", {}, async (_args, ctx) => {
      await ctx.elicit("Address?", z.object({ address: z.object({ street: z.string() }) }));
      return { content: [] };
    });
    const r = result(await send(server, { params: { name: "nested", arguments: {} } }));
    assert.equal(r.isError, true);
    assert.match(text(r), /Elicitation schema not allowed: property "address"/);
  });

  test("methods other than tools/call, prompts/get, resources/read never answer input_required", async () => {
    const server = inputServer();
    server.method("custom/ask", async (_params, ctx) => {
      await ctx.roots();
      return {};
    });
    const r = await send(server, { method: "custom/ask", params: {} });
    assert.match(errorOf(r).message, /Input can only be asked for while handling/);
    const list = result(await send(server, { method: "tools/list", params: {} }));
    assert.notEqual(list.resultType, "input_required");
  });

  test("the typed helpers (createMessage, elicit, listRoots) ask through the same rounds", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.tool("helpers", {}, async (_args, ctx) => {
      const roots = await listRoots(ctx);
      const form = await elicit(ctx, { message: "Name?", requestedSchema: { type: "object", properties: { name: { type: "string" } } } });
      const reply = await createMessage(ctx, { messages: [{ role: "user", content: { type: "text", text: "?" } }], maxTokens: 5 });
      return { content: [{ type: "text", text: `${roots[0].uri} ${form.action} ${reply.model}` }] };
    });
    const { result: final, rounds } = await fulfil(server, { params: { name: "helpers", arguments: {} } });
    assert.equal(rounds, 3);
    assert.equal(text(final), "file:///repo accept test-model");
  });

  test("resources/read asks too, and its state is bound to the URI", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    for (const uri of ["secret://a", "secret://b"]) {
      server.resource(uri, { name: uri }, async (u, ctx) => {
        const ok = await ctx.elicit(`Reveal ${u}?`, z.object({ ok: z.boolean() }), { key: "reveal" });
        return { contents: [{ uri: u, text: ok.action === "accept" && ok.content.ok ? "revealed" : "hidden" }] };
      });
    }
    const first = result(await send(server, { method: "resources/read", params: { uri: "secret://a" } }));
    assert.deepEqual(Object.keys(first.inputRequests as object), ["reveal"]);
    const inputResponses = { reveal: { action: "accept", content: { ok: true } } };
    const other = errorOf(await send(server, { method: "resources/read", params: { uri: "secret://b", inputResponses, requestState: first.requestState } }));
    assert.match(other.message, /Invalid requestState/);
    const done = result(await send(server, { method: "resources/read", params: { uri: "secret://a", inputResponses, requestState: first.requestState } }));
    assert.deepEqual(done.contents, [{ uri: "secret://a", text: "revealed" }]);
  });

  test("the round's signal aborts work the handler started in parallel", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    let aborted = false;
    server.tool("parallel", {}, async (_args, ctx) => {
      ctx.signal.addEventListener("abort", () => (aborted = true));
      await ctx.roots();
      return { content: [] };
    });
    const r = result(await send(server, { params: { name: "parallel", arguments: {} } }));
    assert.equal(r.resultType, "input_required");
    assert.equal(aborted, true);
  });

  test("a round opened with the request's signal aborts with it, and with its reason", async () => {
    const limits = { maxRounds: 10, maxInputBytes: 65536 };
    const binding = { method: "tools/call", name: "t" };
    const request = new AbortController();
    const round = await InputRound.open({ name: "t" }, binding, {}, new RequestStateSealer(), limits, request.signal);
    assert.equal(round.signal.aborted, false);
    const reason = new Error("client gone");
    request.abort(reason);
    assert.equal(round.signal.aborted, true);
    assert.equal(round.signal.reason, reason);
    const gone = new AbortController();
    gone.abort(reason);
    const late = await InputRound.open({ name: "t" }, binding, {}, new RequestStateSealer(), limits, gone.signal);
    assert.equal(late.signal.reason, reason, "a signal aborted before the round opened aborts it at once");
  });

  test("a handler that first reads its signal after its round ended sees it aborted", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    let signalOf!: () => AbortSignal;
    server.tool("late", {}, async (_args, ctx) => {
      signalOf = () => ctx.signal; // not read now: made on first read
      await ctx.roots();
      return { content: [] };
    });
    const r = result(await send(server, { params: { name: "late", arguments: {} } }));
    assert.equal(r.resultType, "input_required");
    assert.equal(signalOf().aborted, true);
  });

  test("the request's own abort reaches a handler that reads its signal only afterwards", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    const request = { jsonrpc: "2.0" as const, id: nextId++, method: "tools/call", params: { name: "slow", arguments: {} } };
    const controller = new AbortController();
    let release!: () => void;
    let seen: AbortSignal | undefined;
    server.tool("slow", {}, async (_args, ctx) => {
      await new Promise<void>((resolve) => (release = resolve));
      seen = ctx.signal;
      return { content: [] };
    });
    const { context, finish } = createContext({ protocolVersion: "2026-07-28", clientCapabilities: ALL, send() {} }, request, controller.signal);
    const handled = server.handle(request, context);
    await new Promise((resolve) => setTimeout(resolve, 0));
    controller.abort(new Error("client went away"));
    release();
    await handled;
    finish();
    assert.equal(seen?.aborted, true);
    assert.match(String(seen?.reason), /client went away/);
  });
});

describe("conformance fixture tools (input-required-result-*)", () => {
  /** Answers like the conformance suite: strings "Alice", booleans true. */
  function generic(method: string, params: Record<string, unknown>): Record<string, unknown> {
    if (method !== "elicitation/create") return answer(method, params);
    const properties = (params.requestedSchema as { properties: Record<string, { type: string }> }).properties;
    return { action: "accept", content: Object.fromEntries(Object.entries(properties).map(([k, p]) => [k, p.type === "boolean" ? true : "Alice"])) };
  }

  async function run(server: McpServer, name: string, capabilities: Record<string, unknown> = ALL) {
    const rounds: Array<Record<string, unknown>> = [];
    let params: Record<string, unknown> = { name, arguments: {} };
    for (let i = 0; i < 5; i++) {
      const r = result(await send(server, { params, capabilities }));
      rounds.push(r);
      if (r.resultType !== "input_required") return rounds;
      const requests = r.inputRequests as Record<string, { method: string; params: Record<string, unknown> }>;
      params = { name, arguments: {}, inputResponses: Object.fromEntries(Object.entries(requests).map(([k, q]) => [k, generic(q.method, q.params)])), requestState: r.requestState };
    }
    throw new Error("too many rounds");
  }

  test("each fixture asks with the scenario's keys and completes", async () => {
    const { addInputRequiredFixtures } = await import("../examples/input_required_fixtures.ts");
    const server = new McpServer({ name: "fixtures", version: "1" });
    addInputRequiredFixtures(server);
    const keys = (r: Record<string, unknown>) => Object.keys(r.inputRequests as object).sort();
    const elicit = await run(server, "test_input_required_result_elicitation");
    assert.deepEqual(keys(elicit[0]), ["user_name"]);
    assert.equal(text(elicit[1]), "Hello, Alice!");
    assert.deepEqual(keys((await run(server, "test_input_required_result_sampling"))[0]), ["capital_question"]);
    assert.deepEqual(keys((await run(server, "test_input_required_result_list_roots"))[0]), ["client_roots"]);
    assert.match(text((await run(server, "test_input_required_result_request_state"))[1]), /state-ok/);
    assert.deepEqual(keys((await run(server, "test_input_required_result_multiple_inputs"))[0]), ["client_roots", "greeting", "user_name"]);
    const multi = await run(server, "test_input_required_result_multi_round");
    assert.deepEqual(multi.map((r) => r.resultType === "input_required" ? keys(r)[0] : text(r)), ["step1", "step2", "Alice likes Alice"]);
    const samplingOnly = await run(server, "test_input_required_result_capabilities", { sampling: {} });
    assert.deepEqual(keys(samplingOnly[0]), ["capital_question"]);
  });

  test("prompts/get asks through input-required rounds too", async () => {
    const { addInputRequiredFixtures } = await import("../examples/input_required_fixtures.ts");
    const server = new McpServer({ name: "fixtures", version: "1" });
    addInputRequiredFixtures(server);
    const name = "test_input_required_result_prompt";
    const first = result(await send(server, { method: "prompts/get", params: { name } }));
    assert.equal(first.resultType, "input_required");
    assert.deepEqual(Object.keys(first.inputRequests as object), ["user_context"]);
    const done = result(await send(server, {
      method: "prompts/get",
      params: { name, inputResponses: { user_context: { action: "accept", content: { context: "tests" } } }, requestState: first.requestState },
    }));
    assert.deepEqual(done.messages, [{ role: "user", content: { type: "text", text: "Use this context: tests" } }]);
  });
});
