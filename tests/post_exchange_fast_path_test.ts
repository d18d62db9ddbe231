/**
 * A POST whose request is answered before its exchange's response is first read (a sync tool,
 * answered within `Session.receive()`) gets its `Response` as it is, with no promise: the
 * outcome must be exactly what the awaited path gives the same tool answering with a promise,
 * in every response mode, for notifications before the response, a session closed mid-request,
 * batches, thrown errors and the stream cap.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { createHandler, type HandlerOptions, McpServer, type RequestContext, type TetherHandler } from "../mod.ts";
import { resolveOptions } from "../src/options.ts";
import { SessionRegistry } from "../src/registry.ts";
import { ListenRegistry } from "../src/listen.ts";
import { InFlightRequests } from "../src/inflight.ts";
import type { TransportContext } from "../src/transports/context.ts";
import { postSessionMessage, postStreamable } from "../src/transports/streamable.ts";
import { initializeMessage, postHeaders, sessionHeaders } from "./_streamable.ts";

type Mode = "auto" | "json" | "sse";
const MODES: Mode[] = ["auto", "json", "sse"];

/** The tools, each answering synchronously or (the same answer) with a promise. */
function server(sync: boolean, sessions: () => TetherHandler): McpServer {
  const s = new McpServer({ name: "exchange-fast-path", version: "1" });
  const answer = <T>(make: () => T): T | Promise<T> => sync ? make() : Promise.resolve().then(make);
  s.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => answer(() => ({ content: [{ type: "text" as const, text }] })));
  s.tool("notifies", { inputSchema: z.object({}) }, (_args, ctx: RequestContext) => {
    ctx.notify("notifications/message", { level: "info", data: "before" });
    return answer(() => ({ content: [{ type: "text" as const, text: "after" }] }));
  });
  s.tool("closes", { inputSchema: z.object({}) }, (_args, ctx: RequestContext) =>
    answer(() => {
      sessions().sessions.get(ctx.sessionId!)?.close("deleted");
      return { content: [{ type: "text" as const, text: "gone" }] };
    }));
  s.tool("throws", { inputSchema: z.object({}) }, () =>
    answer(() => {
      throw new Error("broke");
    }));
  // Always slow: holds a stream slot until released.
  let release: () => void = () => {};
  s.tool("waits", { inputSchema: z.object({}) }, () => new Promise((resolve) => (release = () => resolve({ content: [] }))));
  (s as unknown as { release: () => void }).release = () => release();
  return s;
}

/** What a client sees of a response: status, content type, session header, body. */
async function seen(response: Response) {
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    session: response.headers.has("mcp-session-id"),
    body: await response.text(),
  };
}

/** Runs `steps` on a fresh handler with sync tools, then with async tools, and returns both transcripts. */
async function both(options: HandlerOptions, version: string, steps: (call: (body: unknown) => Promise<Response>, s: McpServer) => Promise<unknown[]>) {
  const transcripts: unknown[][] = [];
  for (const sync of [true, false]) {
    let handler!: TetherHandler;
    const s = server(sync, () => handler);
    handler = createHandler(s, options);
    try {
      const init = await handler.fetch(new Request("http://127.0.0.1/mcp", { method: "POST", headers: postHeaders(), body: JSON.stringify(initializeMessage(version)) }));
      const id = init.headers.get("mcp-session-id")!;
      await init.text();
      const call = (body: unknown) =>
        handler.fetch(new Request("http://127.0.0.1/mcp", { method: "POST", headers: postHeaders(sessionHeaders(id, version)), body: JSON.stringify(body) }));
      await (await call({ jsonrpc: "2.0", method: "notifications/initialized" })).text();
      transcripts.push([...await steps(call, s), { sessions: handler.sessions.size }]);
    } finally {
      (s as unknown as { release: () => void }).release();
      await handler.close({ graceMs: 0 });
    }
  }
  return transcripts;
}

const callOf = (id: number, name: string, args: Record<string, unknown> = {}) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

describe("a request answered before its POST's response is read: the same response as the awaited path", () => {
  for (const mode of MODES) {
    test(`answers, notifications first, thrown errors, a session closed mid-request (${mode} mode)`, async () => {
      const [sync, awaited] = await both({ responseMode: mode }, "2025-11-25", async (call) => [
        await seen(await call(callOf(1, "echo", { text: "hi" }))),
        await seen(await call(callOf(2, "notifies"))),
        await seen(await call(callOf(3, "throws"))),
        await seen(await call(callOf(4, "echo", { text: "again" }))),
        await seen(await call(callOf(5, "closes"))),
        await seen(await call(callOf(6, "echo", { text: "after close" }))),
      ]);
      assert.deepEqual(sync, awaited);
      // The transcript is what it should be, not merely the same twice.
      const first = (sync as Array<{ status: number; body: string }>)[0];
      assert.equal(first.status, 200);
      assert.match(first.body, /"text":"hi"/);
      assert.equal((sync as Array<{ status: number }>)[5].status, 404);
    });

    test(`a batch of requests and a notification (${mode} mode, 2025-03-26)`, async () => {
      const [sync, awaited] = await both({ responseMode: mode }, "2025-03-26", async (call) => [
        await seen(await call([callOf(1, "echo", { text: "a" }), { jsonrpc: "2.0", method: "notifications/roots/list_changed" }, callOf(2, "echo", { text: "b" })])),
        await seen(await call([callOf(3, "notifies"), callOf(4, "throws")])),
      ]);
      assert.deepEqual(sync, awaited);
      assert.match((sync as Array<{ body: string }>)[0].body, /"text":"a".*"text":"b"/s);
    });
  }

  test("with the session's stream cap reached, a sync tool's POST is refused (429) as an async one's is", async () => {
    const [sync, awaited] = await both({ maxStreamsPerSession: 1 }, "2025-11-25", async (call, s) => {
      const pending = call(callOf(1, "waits"));
      await new Promise((r) => setTimeout(r, 10));
      const refused = await seen(await call(callOf(2, "echo", { text: "no room" })));
      (s as unknown as { release: () => void }).release();
      const held = await seen(await pending);
      const after = await seen(await call(callOf(3, "echo", { text: "room" })));
      return [refused, held, after];
    });
    assert.deepEqual(sync, awaited);
    assert.equal((sync as Array<{ status: number }>)[0].status, 429);
    assert.equal((sync as Array<{ status: number }>)[2].status, 200);
  });
});

describe("the transport hands back a sync answer without a promise", () => {
  for (const mode of MODES) {
    test(`postSessionMessage: a Response for a sync tool, a promise of the same answer for an async one (${mode} mode)`, async () => {
      const bodies: string[] = [];
      for (const sync of [true, false]) {
        let handler!: TetherHandler;
        const s = server(sync, () => handler);
        const options = resolveOptions({ responseMode: mode });
        const registry = new SessionRegistry(s, options);
        const ctx: TransportContext = { server: s, registry, options, listens: new ListenRegistry(), inFlight: new InFlightRequests() };
        const post = (body: unknown, headers: Record<string, string>) =>
          new Request("http://127.0.0.1/mcp", { method: "POST", headers: postHeaders(headers), body: JSON.stringify(body) });
        const init = await postStreamable(ctx, post(initializeMessage(), {}), undefined, initializeMessage());
        const id = init.headers.get("mcp-session-id")!;
        await init.text();
        const headers = sessionHeaders(id);
        const initialized = { jsonrpc: "2.0" as const, method: "notifications/initialized" };
        assert.equal((postSessionMessage(ctx, post(initialized, headers), undefined, initialized, new Headers(postHeaders(headers))) as Response).status, 202);
        const message = callOf(9, "echo", { text: "now" }) as { jsonrpc: "2.0"; id: number; method: string; params: Record<string, unknown> };
        const answer = postSessionMessage(ctx, post(message, headers), undefined, message, new Headers(postHeaders(headers)));
        assert.equal(answer instanceof Response, sync, sync ? "a sync answer is the Response itself" : "an async answer is a promise");
        const response = await answer;
        assert.equal(response.status, 200);
        bodies.push(await response.text());
        assert.equal(registry.get(id)?.inFlightCount, 0);
        registry.closeAll("shutdown");
      }
      assert.equal(bodies[0], bodies[1]);
    });
  }
});

describe("the runtime's idle limit of a POST, with a sync answer handed back at once", () => {
  /** Which of a session's tools/calls had their request's idle limit lifted, on a Bun-like platform. */
  async function lifted(mode: Mode) {
    let handler!: TetherHandler;
    const s = server(true, () => handler);
    s.tool("slow", { inputSchema: z.object({}) }, async () => {
      await new Promise((r) => setTimeout(r, 20));
      return { content: [] };
    });
    handler = createHandler(s, { responseMode: mode });
    const timeouts: Array<[Request, number]> = [];
    const platform = { timeout: (request: Request, seconds: number) => void timeouts.push([request, seconds]) };
    try {
      const init = await handler.fetch(new Request("http://127.0.0.1/mcp", { method: "POST", headers: postHeaders(), body: JSON.stringify(initializeMessage()) }), platform);
      const id = init.headers.get("mcp-session-id")!;
      await init.text();
      const liftedFor = async (body: unknown) => {
        const request = new Request("http://127.0.0.1/mcp", { method: "POST", headers: postHeaders(sessionHeaders(id)), body: JSON.stringify(body) });
        const response = await handler.fetch(request, platform);
        await response.text();
        return timeouts.some(([r, seconds]) => r === request && seconds === 0);
      };
      await liftedFor({ jsonrpc: "2.0", method: "notifications/initialized" });
      return {
        sync: await liftedFor(callOf(1, "echo", { text: "x" })),
        notifies: await liftedFor(callOf(2, "notifies")),
        slow: await liftedFor(callOf(3, "slow")),
      };
    } finally {
      await handler.close({ graceMs: 0 });
    }
  }

  test("auto and json: kept for a request still open when its turn ends and for a stream; a sync JSON answer keeps none", async () => {
    assert.deepEqual(await lifted("auto"), { sync: false, notifies: true, slow: true });
    assert.deepEqual(await lifted("json"), { sync: false, notifies: false, slow: true });
  });

  test("sse: every SSE answer lifts it, the sync one included", async () => {
    assert.deepEqual(await lifted("sse"), { sync: true, notifies: true, slow: true });
  });
});
