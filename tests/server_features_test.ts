/**
 * The server core without a transport: `McpServer.handle` for pagination, resources, prompts
 * and completion edge cases, and `Session.receive` for what only a session decides (no response
 * after cancellation, subscriptions released on close, progress stops with the request).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { type JsonRpcMessage, type JsonRpcRequest, McpError, McpServer } from "../mod.ts";
import { createContext, type RequestChannel } from "../src/context.ts";
import { SessionRegistry } from "../src/registry.ts";
import type { MessageSink } from "../src/session.ts";

let nextId = 0;
async function call(server: McpServer, method: string, params: Record<string, unknown> = {}, channel: Partial<RequestChannel> = {}) {
  const request: JsonRpcRequest = { jsonrpc: "2.0", id: ++nextId, method, params };
  const { context, finish } = createContext(
    { protocolVersion: "2025-11-25", clientCapabilities: {}, send() {}, ...channel },
    request,
    new AbortController().signal,
  );
  try {
    return await server.handle(request, context) as { result?: Record<string, any>; error?: { code: number; message: string; data?: unknown } };
  } finally {
    finish();
  }
}

describe("capabilities are derived from registrations", () => {
  test("an empty server offers logging only; each registration adds its capability", () => {
    const server = new McpServer({ name: "t", version: "1" });
    assert.deepEqual(server.capabilities(), { logging: {} });
    server.tool("t", {}, () => ({ content: [] }));
    server.resource("test://r", {}, (uri) => ({ contents: [{ uri, text: "" }] }));
    assert.deepEqual(server.capabilities(), { logging: {}, tools: { listChanged: true }, resources: { subscribe: true, listChanged: true } });
    server.prompt("p", {}, () => ({ messages: [] }));
    assert.deepEqual(server.capabilities().completions, {});
    assert.deepEqual(server.capabilities().prompts, { listChanged: true });
  });

  test("initialize advertises what is registered now: removals, templates and extensions change it", () => {
    const server = new McpServer({ name: "t", version: "1" });
    const init = { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" } };
    const advertised = () => server.initialize(init).result.capabilities as Record<string, unknown>;
    assert.deepEqual(advertised(), { logging: {} });
    server.tool("t", {}, () => ({ content: [] }));
    assert.deepEqual(advertised(), { logging: {}, tools: { listChanged: true } });
    server.removeTool("t");
    assert.deepEqual(advertised(), { logging: {} });
    server.resourceTemplate("users://{id}", { name: "u" }, (uri) => ({ contents: [{ uri, text: "" }] }));
    assert.deepEqual(advertised().completions, {});
    server.removeResourceTemplate("users://{id}");
    assert.equal(advertised().completions, undefined);
    server.extension("com.example/ext", { a: 1 });
    assert.deepEqual(advertised().extensions, { "com.example/ext": { a: 1 } });
    advertised().tools = { listChanged: false };
    assert.equal(server.capabilities().tools, undefined, "a caller's change to an answer does not leak into the next");
  });
});

describe("cursor pagination", () => {
  const server = new McpServer({ name: "t", version: "1" }, { pageSize: 2 });
  for (const name of ["a", "b", "c", "d", "e"]) {
    server.tool(name, { description: name }, () => ({ content: [] }));
    server.prompt(name, {}, () => ({ messages: [] }));
    server.resource(`test://${name}`, {}, (uri) => ({ contents: [{ uri, text: name }] }));
    server.resourceTemplate(`test://${name}/{x}`, {}, (uri) => ({ contents: [{ uri, text: name }] }));
  }
  for (const [method, key, pick] of [
    ["tools/list", "tools", (x: any) => x.name],
    ["prompts/list", "prompts", (x: any) => x.name],
    ["resources/list", "resources", (x: any) => x.uri],
    ["resources/templates/list", "resourceTemplates", (x: any) => x.uriTemplate],
  ] as const) {
    test(`${method} walks every item exactly once, page by page`, async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const { result } = await call(server, method, cursor === undefined ? {} : { cursor });
        seen.push(...result![key].map(pick));
        cursor = result!.nextCursor;
        pages++;
      } while (cursor !== undefined);
      assert.equal(pages, 3);
      assert.equal(seen.length, 5);
      assert.equal(new Set(seen).size, 5);
    });
  }

  test("a cursor the server did not make is -32602", async () => {
    for (const cursor of ["nonsense", 42, btoa("tether:-1")]) {
      const { error } = await call(server, "tools/list", { cursor });
      assert.equal(error?.code, -32602, `cursor ${JSON.stringify(cursor)}`);
    }
  });
});

describe("resources", () => {
  test("a fixed resource wins over a template that also matches; templates match in registration order", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.resourceTemplate("test://{name}", {}, (uri, { name }) => ({ contents: [{ uri, text: `template ${name}` }] }));
    server.resource("test://fixed", {}, (uri) => ({ contents: [{ uri, text: "fixed" }] }));
    assert.equal((await call(server, "resources/read", { uri: "test://fixed" })).result!.contents[0].text, "fixed");
    assert.equal((await call(server, "resources/read", { uri: "test://other" })).result!.contents[0].text, "template other");
  });

  test("bad params, unknown URIs and broken readers get clear errors", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.resource("test://broken", {}, () => ({ contents: [{ uri: "test://broken" }] }) as never);
    assert.equal((await call(server, "resources/read", {})).error?.code, -32602);
    assert.equal((await call(server, "resources/read", { uri: 7 })).error?.code, -32602);
    const missing = await call(server, "resources/read", { uri: "test://missing" });
    assert.equal(missing.error?.code, -32002);
    assert.deepEqual(missing.error?.data, { uri: "test://missing" });
    assert.equal((await call(server, "resources/read", { uri: "test://broken" })).error?.code, -32603);
  });

  test("subscribe needs a session's subscriptions; with one it adds and removes the URI", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.resource("test://r", {}, (uri) => ({ contents: [{ uri, text: "" }] }));
    assert.equal((await call(server, "resources/subscribe", { uri: "test://r" })).error?.code, -32601);
    const set = new Set<string>();
    const subscriptions = { add: (u: string) => void set.add(u), delete: (u: string) => set.delete(u), has: (u: string) => set.has(u) };
    assert.deepEqual((await call(server, "resources/subscribe", { uri: "test://r" }, { subscriptions })).result, {});
    assert.deepEqual([...set], ["test://r"]);
    assert.deepEqual((await call(server, "resources/unsubscribe", { uri: "test://r" }, { subscriptions })).result, {});
    assert.equal(set.size, 0);
  });

  test("templates can list concrete resources in resources/list", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.resourceTemplate("notes://{id}", {
      name: "note",
      list: () => [{ uri: "notes://1", name: "first" }, { uri: "notes://2", name: "second" }],
    }, (uri, { id }) => ({ contents: [{ uri, text: `note ${id}` }] }));
    const { result } = await call(server, "resources/list");
    assert.deepEqual(result!.resources.map((r: { uri: string }) => r.uri), ["notes://1", "notes://2"]);
  });
});

describe("prompts", () => {
  test("a plain argument list is published as is and its required arguments are enforced", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.prompt("p", { arguments: [{ name: "a", required: true }, { name: "b" }] }, (args) => ({
      messages: [{ role: "user", content: { type: "text", text: JSON.stringify(args) } }],
    }));
    assert.deepEqual((await call(server, "prompts/list")).result!.prompts[0].arguments, [{ name: "a", required: true }, { name: "b" }]);
    assert.equal((await call(server, "prompts/get", { name: "p", arguments: { b: "x" } })).error?.code, -32602);
    assert.equal((await call(server, "prompts/get", { name: "p", arguments: { a: 1 } })).error?.code, -32602, "argument values are strings");
    assert.equal((await call(server, "prompts/get", { name: "p", arguments: { a: "x" } })).result!.messages[0].content.text, '{"a":"x"}');
  });

  test("zod arguments: optional fields are not required, defaults apply", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.prompt("p", { arguments: z.object({ lang: z.string().default("en"), topic: z.string().optional() }) }, ({ lang }) => ({
      messages: [{ role: "user", content: { type: "text", text: lang } }],
    }));
    assert.deepEqual((await call(server, "prompts/list")).result!.prompts[0].arguments, [
      { name: "lang", required: false },
      { name: "topic", required: false },
    ]);
    assert.equal((await call(server, "prompts/get", { name: "p" })).result!.messages[0].content.text, "en");
  });
});

describe("completion/complete", () => {
  test("more than 100 candidates are cut to 100 with hasMore and the real total", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    const many = Array.from({ length: 250 }, (_, i) => `v${i}`);
    server.prompt("p", { arguments: [{ name: "a" }], complete: { a: () => many } }, () => ({ messages: [] }));
    const { result } = await call(server, "completion/complete", { ref: { type: "ref/prompt", name: "p" }, argument: { name: "a", value: "" } });
    assert.equal(result!.completion.values.length, 100);
    assert.equal(result!.completion.total, 250);
    assert.equal(result!.completion.hasMore, true);
  });

  test("a zod enum argument completes from its values without a completer", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.prompt("p", { arguments: z.object({ tone: z.enum(["formal", "friendly", "funny"]).optional() }) }, () => ({ messages: [] }));
    const { result } = await call(server, "completion/complete", { ref: { type: "ref/prompt", name: "p" }, argument: { name: "tone", value: "f" } });
    assert.deepEqual(result!.completion.values, ["formal", "friendly", "funny"]);
    const narrower = await call(server, "completion/complete", { ref: { type: "ref/prompt", name: "p" }, argument: { name: "tone", value: "fu" } });
    assert.deepEqual(narrower.result!.completion.values, ["funny"]);
  });

  test("malformed params and unknown references are -32602; a fixed resource completes to nothing", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.resource("test://r", {}, (uri) => ({ contents: [{ uri, text: "" }] }));
    assert.equal((await call(server, "completion/complete", { ref: { type: "ref/other" }, argument: { name: "a", value: "" } })).error?.code, -32602);
    assert.equal((await call(server, "completion/complete", { ref: { type: "ref/prompt", name: "p" } })).error?.code, -32602);
    assert.equal((await call(server, "completion/complete", { ref: { type: "ref/resource", uri: "x://{y}" }, argument: { name: "y", value: "" } })).error?.code, -32602);
    const fixed = await call(server, "completion/complete", { ref: { type: "ref/resource", uri: "test://r" }, argument: { name: "y", value: "" } });
    assert.deepEqual(fixed.result, { completion: { values: [], total: 0, hasMore: false } });
  });
});

describe("tools", () => {
  test("a raw JSON Schema is published untouched and not validated; a zod schema is validated into isError", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    const schema = { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", $defs: { a: { type: "string" } }, additionalProperties: false };
    server.tool("raw", { description: "raw", inputSchema: schema }, (args) => ({ content: [{ type: "text", text: JSON.stringify(args) }] }));
    server.tool("typed", { description: "typed", inputSchema: z.object({ n: z.number() }) }, ({ n }) => ({ content: [{ type: "text", text: String(n) }] }));
    const { result } = await call(server, "tools/list");
    assert.deepEqual(result!.tools[0].inputSchema, schema);
    assert.equal((await call(server, "tools/call", { name: "raw", arguments: { anything: 1 } })).result!.content[0].text, '{"anything":1}');
    const invalid = await call(server, "tools/call", { name: "typed", arguments: { n: "x" } });
    assert.equal(invalid.result!.isError, true);
    assert.equal((await call(server, "tools/call", { name: "missing" })).error?.code, -32602);
    assert.equal((await call(server, "tools/call", {})).error?.code, -32602);
  });
});

describe("tool handlers, sync or async, fail the same way", () => {
  const server = new McpServer({ name: "t", version: "1" });
  const out = z.object({ n: z.number() });
  const sync = (body: () => unknown) => () => body() as never;
  const later = (body: () => unknown) => async () => {
    await null;
    return body() as never;
  };
  for (const [kind, wrap] of [["sync", sync], ["async", later]] as const) {
    server.tool(`${kind}-throws`, {}, wrap(() => {
      throw new Error("boom");
    }));
    server.tool(`${kind}-protocol`, {}, wrap(() => {
      throw new McpError(-32602, "bad on purpose");
    }));
    server.tool(`${kind}-no-structured`, { outputSchema: out }, wrap(() => ({ content: [] })));
    server.tool(`${kind}-bad-structured`, { outputSchema: out }, wrap(() => ({ content: [], structuredContent: { n: "x" } })));
    server.tool(`${kind}-good`, { outputSchema: out }, wrap(() => ({ content: [], structuredContent: { n: 1 } })));
  }
  for (const kind of ["sync", "async"]) {
    test(`${kind}: a thrown error is a tool error, an McpError a protocol error, the output schema is enforced`, async () => {
      const thrown = await call(server, "tools/call", { name: `${kind}-throws`, arguments: {} });
      assert.deepEqual(thrown.result, { content: [{ type: "text", text: "boom" }], isError: true });
      const protocol = await call(server, "tools/call", { name: `${kind}-protocol`, arguments: {} });
      assert.deepEqual(protocol.error, { code: -32602, message: "bad on purpose" });
      assert.equal((await call(server, "tools/call", { name: `${kind}-no-structured`, arguments: {} })).error?.code, -32602);
      assert.equal((await call(server, "tools/call", { name: `${kind}-bad-structured`, arguments: {} })).error?.code, -32603);
      assert.deepEqual((await call(server, "tools/call", { name: `${kind}-good`, arguments: {} })).result, { content: [], structuredContent: { n: 1 } });
    });
  }
});

describe("the session decides what only a session knows", () => {
  function sinkOf(messages: JsonRpcMessage[]): MessageSink {
    return { send: (m) => (messages.push(m), true) };
  }

  async function initialized(server: McpServer) {
    const registry = new SessionRegistry(server);
    const session = registry.create("sse");
    const messages: JsonRpcMessage[] = [];
    const sink = sinkOf(messages);
    session.defaultSink = sink;
    await session.receive({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } }, sink);
    await session.receive({ jsonrpc: "2.0", method: "notifications/initialized" }, sink);
    messages.length = 0;
    return { registry, session, messages, sink };
  }

  test("a cancelled request gets no response, and its handler's signal aborts", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    let aborted: unknown;
    server.tool("wait", {}, (_args, ctx) =>
      new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(aborted = ctx.signal.reason), { once: true })));
    const { session, messages, sink } = await initialized(server);
    const done = session.receive({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "wait", arguments: {} } }, sink);
    assert.equal(session.inFlightCount, 1);
    await session.receive({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, reason: "no longer needed" } }, sink);
    await done;
    assert.match(String(aborted), /no longer needed/);
    assert.deepEqual(messages, [], "no response for a cancelled request");
    // Later requests are answered as usual.
    await session.receive({ jsonrpc: "2.0", id: 2, method: "ping" }, sink);
    assert.deepEqual(messages, [{ jsonrpc: "2.0", id: 2, result: {} }]);
    session.close();
  });

  test("a handler that reads its signal only after a cancel sees it aborted with the reason, and nothing is answered", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    let release!: () => void;
    let seen: AbortSignal | undefined;
    server.tool("late", {}, async (_args, ctx) => {
      await new Promise<void>((resolve) => (release = resolve));
      seen = ctx.signal; // first read: after the cancel
      return { content: [{ type: "text", text: "finished anyway" }] };
    });
    const { session, messages, sink } = await initialized(server);
    const done = session.receive({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "late", arguments: {} } }, sink);
    await session.receive({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, reason: "changed my mind" } }, sink);
    release();
    await done;
    assert.equal(seen?.aborted, true);
    assert.match(String(seen?.reason), /changed my mind/);
    assert.deepEqual(messages, [], "no response for a cancelled request");
    session.close();
  });

  test("closing the session aborts a running handler's signal, whether it was read before or after", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    const releases: (() => void)[] = [];
    const signals: AbortSignal[] = [];
    server.tool("early", {}, async (_args, ctx) => {
      signals.push(ctx.signal);
      await new Promise<void>((resolve) => releases.push(resolve));
      return { content: [] };
    });
    server.tool("late", {}, async (_args, ctx) => {
      await new Promise<void>((resolve) => releases.push(resolve));
      signals.push(ctx.signal);
      return { content: [] };
    });
    const { session, messages, sink } = await initialized(server);
    const first = session.receive({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "early", arguments: {} } }, sink);
    const second = session.receive({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "late", arguments: {} } }, sink);
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(session.inFlightCount, 2);
    session.close();
    for (const release of releases) release();
    await Promise.all([first, second]);
    assert.equal(signals.length, 2);
    for (const signal of signals) {
      assert.equal(signal.aborted, true);
      assert.match(String(signal.reason), /Session closed/);
    }
    assert.deepEqual(messages, []);
  });

  test("a handler past handlerTimeoutMs is answered with an error at once, and its signal, read late, is aborted", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    let release!: () => void;
    let ctxOf: { signal: AbortSignal } | undefined;
    server.tool("slow", {}, async (_args, ctx) => {
      ctxOf = ctx;
      await new Promise<void>((resolve) => (release = resolve));
      return { content: [{ type: "text", text: "too late" }] };
    });
    const registry = new SessionRegistry(server, { handlerTimeoutMs: 20 });
    const session = registry.create("sse");
    const messages: JsonRpcMessage[] = [];
    const sink = sinkOf(messages);
    await session.receive({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } }, sink);
    messages.length = 0;
    // receive() settles with the timeout answer while the handler still waits.
    await session.receive({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: {} } }, sink);
    assert.equal(messages.length, 1);
    const answer = messages[0] as { id: number; error?: { code: number; message: string } };
    assert.equal(answer.id, 1);
    assert.equal(answer.error?.code, -32603);
    assert.match(answer.error?.message ?? "", /timed out after 20 ms/);
    assert.equal(session.inFlightCount, 0);
    assert.equal(ctxOf?.signal.aborted, true, "the signal, first read after the deadline, is aborted");
    assert.match(String(ctxOf?.signal.reason), /timed out after 20 ms/);
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(messages.length, 1, "the handler's late result is not sent");
    session.close();
  });

  test("context members read off the context still work (const { progress, log, notify } = ctx)", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.tool("d", {}, (_args, ctx) => {
      const { progress, log, notify, requestId, method, sessionId } = ctx;
      progress(1, 2);
      log("info", "hello");
      notify("notifications/custom", { requestId, method, sessionId });
      return { content: [] };
    });
    const { session, messages, sink } = await initialized(server);
    await session.receive({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "d", arguments: {}, _meta: { progressToken: 7 } } }, sink);
    assert.deepEqual(messages.slice(0, 3), [
      { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 7, progress: 1, total: 2 } },
      { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "hello" } },
      { jsonrpc: "2.0", method: "notifications/custom", params: { requestId: 3, method: "tools/call", sessionId: session.id } },
    ]);
    session.close();
  });

  test("resources/updated goes only to subscribed sessions, and close() releases the subscriptions", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    server.resource("test://r", {}, (uri) => ({ contents: [{ uri, text: "" }] }));
    const a = await initialized(server);
    const b = await initialized(server);
    await a.session.receive({ jsonrpc: "2.0", id: 1, method: "resources/subscribe", params: { uri: "test://r" } }, a.sink);
    a.messages.length = 0;
    const update = { jsonrpc: "2.0" as const, method: "notifications/resources/updated", params: { uri: "test://r" } };
    assert.equal(a.session.notify(update), true);
    assert.equal(b.session.notify(update), false);
    assert.deepEqual(a.messages, [update]);
    assert.deepEqual(b.messages, []);
    a.session.close();
    assert.equal(a.session.subscriptions.size, 0);
    assert.equal(a.registry.size, 0);
    b.session.close();
  });

  test("progress and logs stop once the response is sent; logs below the session's level are dropped", async () => {
    const server = new McpServer({ name: "t", version: "1" });
    let later!: () => void;
    server.tool("p", {}, (_args, ctx) => {
      ctx.progress(1, 2);
      ctx.progress(1, 2); // not increasing: dropped
      ctx.log("debug", "hidden");
      ctx.log("error", "shown");
      later = () => {
        ctx.progress(2, 2);
        ctx.log("error", "too late");
      };
      return { content: [] };
    });
    const { session, messages, sink } = await initialized(server);
    await session.receive({ jsonrpc: "2.0", id: 9, method: "logging/setLevel", params: { level: "warning" } }, sink);
    messages.length = 0;
    await session.receive({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "p", arguments: {}, _meta: { progressToken: "tok" } } }, sink);
    later();
    assert.deepEqual(messages.map((m) => "method" in m ? m.method : "response"), ["notifications/progress", "notifications/message", "response"]);
    assert.deepEqual((messages[1] as { params: unknown }).params, { level: "error", data: "shown" });
    session.close();
  });
});

describe("server→client requests are sent only with the client's capability", () => {
  test("missingClientCapability names what is missing", async () => {
    const { missingClientCapability } = await import("../src/client_capabilities.ts");
    assert.equal(missingClientCapability("ping", undefined, {}), undefined);
    assert.equal(missingClientCapability("roots/list", undefined, {}), "roots");
    assert.equal(missingClientCapability("roots/list", undefined, { roots: {} }), undefined);
    assert.equal(missingClientCapability("sampling/createMessage", {}, {}), "sampling");
    assert.equal(missingClientCapability("sampling/createMessage", { tools: [] }, { sampling: {} }), "sampling.tools");
    assert.equal(missingClientCapability("sampling/createMessage", { includeContext: "thisServer" }, { sampling: {} }), "sampling.context");
    assert.equal(missingClientCapability("sampling/createMessage", { includeContext: "none" }, { sampling: {} }), undefined);
    assert.equal(missingClientCapability("elicitation/create", {}, {}), "elicitation");
    assert.equal(missingClientCapability("elicitation/create", {}, { elicitation: {} }), undefined, "{} means form mode");
    assert.equal(missingClientCapability("elicitation/create", {}, { elicitation: { url: {} } }), "elicitation.form");
    assert.equal(missingClientCapability("elicitation/create", { mode: "url" }, { elicitation: {} }), "elicitation.url");
    assert.equal(missingClientCapability("elicitation/create", { mode: "url" }, { elicitation: { form: {}, url: {} } }), undefined);
  });
});
