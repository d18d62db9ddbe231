/**
 * Disconnect at every point of a legacy session's life, by both ways a runtime reports it
 * (the body's cancel() and the request's abort signal): afterwards no session, no timer and no
 * pending handler may be left.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHandler, type TetherHandler } from "../mod.ts";
import { churnServer, type Tally } from "./_churn.ts";
import { initializeLegacy, type LegacyClient, openLegacy, sseReader } from "./_legacy.ts";
import { buildServesMcp, MCP_URL, mcpDelete, mcpPost } from "./_mcp_inproc.ts";
import { trackTimers } from "./_timers.ts";

const tick = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms));
import { waitFor } from "./_serve.ts";

type Drop = "cancel" | "abort";
const DROPS: Drop[] = ["cancel", "abort"];

function drop(client: LegacyClient, how: Drop): Promise<void> {
  if (how === "abort") {
    client.abort();
    return Promise.resolve();
  }
  return client.cancel();
}

/** Runs `scenario`, then checks the session, its timers and its handlers are all gone. */
async function expectNothingLeft(name: string, scenario: (handler: TetherHandler, tally: Tally) => Promise<void>) {
  const timers = trackTimers();
  const tally: Tally = { started: 0, settled: 0 };
  const handler = createHandler(churnServer(tally), { keepAliveMs: 5 });
  try {
    await scenario(handler, tally);
    await waitFor(() => handler.sessions.size === 0, 2000, `${name}: sessions to close`);
    await waitFor(() => tally.started === tally.settled, 2000, `${name}: handlers to settle`);
    await tick(2);
    assert.equal(handler.sessions.size, 0, `${name}: sessions`);
    assert.equal(tally.started, tally.settled, `${name}: handlers still pending`);
    assert.equal(timers.live(), 0, `${name}: timers still pending, set at: ${timers.origins().slice(0, 3).join(" | ")}`);
  } finally {
    timers.restore();
    await handler.close({ graceMs: 0 });
  }
}

const callTool = (client: LegacyClient, id: number, name: string, args: Record<string, unknown> = {}) =>
  client.post({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args, _meta: { progressToken: id } } });

describe("disconnect at every point leaves nothing behind", () => {
  for (const how of DROPS) {
    test(`${how}: before the endpoint event is read`, () =>
      expectNothingLeft("before endpoint", async (handler) => {
        const controller = new AbortController();
        const response = await handler.fetch(new Request("http://localhost/sse", { headers: { accept: "text/event-stream" }, signal: controller.signal }));
        assert.equal(handler.sessions.size, 1);
        if (how === "abort") controller.abort();
        else await response.body!.cancel();
      }));

    test(`${how}: on a request that was already aborted when it arrived`, () =>
      expectNothingLeft("pre-aborted", async (handler) => {
        const controller = new AbortController();
        controller.abort();
        const response = await handler.fetch(new Request("http://localhost/sse", { headers: { accept: "text/event-stream" }, signal: controller.signal }));
        if (how === "cancel") await response.body?.cancel().catch(() => {});
        assert.equal(handler.sessions.size, 0, "closed at once");
      }));

    test(`${how}: after the endpoint event, before initialize`, () =>
      expectNothingLeft("after endpoint", async (handler) => {
        const client = await openLegacy(handler);
        await drop(client, how);
      }));

    test(`${how}: while a POST body is still arriving (the message is then refused, never 202)`, () =>
      expectNothingLeft("mid-body", async (handler) => {
        const client = await openLegacy(handler);
        await initializeLegacy(client);
        let push!: ReadableStreamDefaultController<Uint8Array>;
        const body = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) });
        const posting = handler.fetch(new Request(new URL(client.endpoint, "http://localhost"), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          duplex: "half",
        } as RequestInit));
        push.enqueue(new TextEncoder().encode('{"jsonrpc":"2.0","id":5,'));
        await tick();
        await drop(client, how);
        await tick();
        push.enqueue(new TextEncoder().encode('"method":"ping"}'));
        push.close();
        assert.equal((await posting).status, 404);
      }));

    test(`${how}: a POST body that breaks mid-way is a 400 and the session lives on until dropped`, () =>
      expectNothingLeft("broken body", async (handler) => {
        const client = await openLegacy(handler);
        await initializeLegacy(client);
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode('{"jsonrpc":"2.0",'));
            c.error(new Error("connection reset"));
          },
        });
        const response = await handler.fetch(new Request(new URL(client.endpoint, "http://localhost"), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          duplex: "half",
        } as RequestInit));
        assert.equal(response.status, 400);
        assert.equal(handler.sessions.size, 1);
        await drop(client, how);
      }));

    test(`${how}: mid-response, while a tool streams progress`, () =>
      expectNothingLeft("mid-response", async (handler, tally) => {
        const client = await openLegacy(handler);
        await initializeLegacy(client);
        assert.equal((await callTool(client, 1, "ticker")).status, 202);
        const first = await client.next();
        assert.equal(first?.method, "notifications/progress");
        assert.equal(tally.started, 1);
        await drop(client, how);
      }));

    test(`${how}: while the server waits on a sampling answer`, () =>
      expectNothingLeft("awaiting sampling", async (handler, tally) => {
        const client = await openLegacy(handler);
        await initializeLegacy(client, { sampling: {} });
        await callTool(client, 1, "ask");
        const request = await client.next();
        assert.equal(request?.method, "sampling/createMessage");
        const session = handler.sessions.get(client.sessionId)!;
        assert.equal(session.pendingCount, 1);
        assert.equal(tally.started - tally.settled, 1);
        await drop(client, how);
        await waitFor(() => session.closed);
        assert.equal(session.pendingCount, 0);
        assert.equal(session.inFlightCount, 0);
      }));

    test(`${how}: with several calls in flight and POSTs racing the drop`, () =>
      expectNothingLeft("racing posts", async (handler) => {
        const client = await openLegacy(handler);
        await initializeLegacy(client, { sampling: {} });
        await Promise.all([callTool(client, 1, "slow"), callTool(client, 2, "ask"), callTool(client, 3, "ticker")]);
        const racing = [4, 5, 6, 7].map((id) => callTool(client, id, "echo", { text: "x" }));
        await drop(client, how);
        const late = await Promise.all([...racing, callTool(client, 8, "echo", { text: "y" })]);
        for (const response of late) assert.ok(response.status === 202 || response.status === 404, `status ${response.status}`);
      }));
  }
});

// Streamable HTTP (when this build serves /mcp): a dropped connection is not a close, so the
// checks are that the drop leaves the session usable and that DELETE then leaves nothing.
const MCP_SERVED = await buildServesMcp();

if (MCP_SERVED) {
  describe("Streamable HTTP: disconnect at every point, then DELETE, leaves nothing behind", () => {
    const version = "2025-11-25"; // priming events and event ids, so streams can be resumed
    const init = async (handler: TetherHandler) => {
      const response = await mcpPost(handler, {
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: version, capabilities: { sampling: {} }, clientInfo: { name: "t", version: "1" } },
      });
      const id = response.headers.get("mcp-session-id")!;
      await response.body?.cancel();
      const headers = { "mcp-session-id": id, "mcp-protocol-version": version };
      await (await mcpPost(handler, { jsonrpc: "2.0", method: "notifications/initialized" }, headers)).body?.cancel();
      return { id, headers };
    };
    const finish = async (handler: TetherHandler, id: string, headers: Record<string, string>) => {
      const ping = await mcpPost(handler, { jsonrpc: "2.0", id: 77, method: "ping" }, headers);
      assert.equal(ping.status, 200, "the session outlives a dropped connection");
      await ping.body?.cancel();
      assert.equal((await mcpDelete(handler, id)).status, 200);
    };

    for (const how of DROPS) {
      test(`${how}: the standalone GET stream`, () =>
        expectNothingLeft("GET stream", async (handler) => {
          const { id, headers } = await init(handler);
          const controller = new AbortController();
          const response = await handler.fetch(new Request(MCP_URL, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal }));
          assert.equal(response.status, 200);
          if (how === "abort") controller.abort();
          else await response.body!.cancel();
          await finish(handler, id, headers);
        }));

      test(`${how}: mid-response on a POST stream, then during the replay of that stream`, () =>
        expectNothingLeft("replay", async (handler, tally) => {
          const { id, headers } = await init(handler);
          const controller = new AbortController();
          const response = await mcpPost(handler, {
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: { name: "ticker", arguments: { ticks: 20 }, _meta: { progressToken: 1 } },
          }, headers, controller.signal);
          assert.equal(response.headers.get("content-type"), "text/event-stream");
          const events = sseReader(response.body!);
          const priming = await events.next();
          assert.ok(priming?.id, "a priming event with an id comes first");
          await events.next();
          if (how === "abort") controller.abort();
          else await events.cancel();
          // The request runs on; resume from the priming event and drop again mid-replay.
          const resume = new AbortController();
          const replay = await handler.fetch(new Request(MCP_URL, {
            headers: { accept: "text/event-stream", "last-event-id": priming!.id!, ...headers },
            signal: resume.signal,
          }));
          assert.equal(replay.status, 200);
          const replayed = sseReader(replay.body!);
          assert.ok(await replayed.next(), "something is replayed");
          if (how === "abort") resume.abort();
          else await replayed.cancel();
          await waitFor(() => tally.started === tally.settled, 2000, "the ticker to finish on its own");
          await finish(handler, id, headers);
        }));

      test(`${how}: while the server waits on a sampling answer (the wait ends with the session)`, () =>
        expectNothingLeft("sampling", async (handler, tally) => {
          const { id, headers } = await init(handler);
          const controller = new AbortController();
          const response = await mcpPost(handler, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "ask" } }, headers, controller.signal);
          const events = sseReader(response.body!);
          let event = await events.next();
          if (event?.data === "") event = await events.next();
          assert.equal(JSON.parse(event!.data).method, "sampling/createMessage");
          if (how === "abort") controller.abort();
          else await events.cancel();
          const session = handler.sessions.get(id)!;
          assert.equal(session.pendingCount, 1, "dropping the stream does not cancel the request");
          assert.equal(tally.started - tally.settled, 1);
          assert.equal((await mcpDelete(handler, id)).status, 200);
          assert.equal(session.pendingCount, 0);
        }));
    }
  });
}
