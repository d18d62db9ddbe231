/** A custom MessageSink whose send (or done) throws: nothing may crash, hang or stay pending. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type JsonRpcMessage, McpServer, type MessageSink, type Session } from "../mod.ts";
import { SessionRegistry } from "../src/registry.ts";
import { trackTimers } from "./_timers.ts";

/** A sink that records what it accepted and throws for the messages `refuse` picks. */
function sink(refuse: (message: JsonRpcMessage) => boolean, onDone?: () => void): MessageSink & { sent: JsonRpcMessage[]; done: () => void } {
  const sent: JsonRpcMessage[] = [];
  return {
    sent,
    send(message) {
      if (refuse(message)) throw new Error("sink broke");
      sent.push(message);
      return true;
    },
    done: () => onDone?.(),
  };
}

/** `promise`, or a failure after `ms`: a request that never settles shows as a failure, not a hang. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} never settled`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const always = () => true;
const never = () => false;
const isRequestMessage = (m: JsonRpcMessage) => "method" in m && "id" in m;
const isNotificationMessage = (m: JsonRpcMessage) => "method" in m && !("id" in m);

function server(): McpServer {
  const s = new McpServer({ name: "sink-test", version: "1" });
  s.tool("chatty", {}, (_args, ctx) => {
    ctx.progress(1, 2);
    ctx.log("info", "halfway");
    ctx.progress(2, 2);
    return { content: [{ type: "text", text: "finished" }] };
  });
  return s;
}

async function initialized(registry: SessionRegistry): Promise<Session> {
  const session = registry.create("streamable");
  const ok = sink(never);
  await session.receive({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: { roots: {} }, clientInfo: { name: "t", version: "1" } },
  }, ok);
  await session.receive({ jsonrpc: "2.0", method: "notifications/initialized" }, ok);
  return session;
}

describe("a MessageSink whose send throws", () => {
  test("a server→client request to it rejects at once and leaves nothing pending (no entry, no timer)", async () => {
    const registry = new SessionRegistry(server());
    const session = await initialized(registry);
    const timers = trackTimers();
    try {
      await assert.rejects(session.request("roots/list", undefined, sink(always), { timeoutMs: 60_000 }), /could not deliver|stream is closed/i);
      assert.equal(session.pendingCount, 0);
      assert.deepEqual(timers.origins(), []);
    } finally {
      timers.restore();
      registry.closeAll();
    }
  });

  test("a timed-out request whose cancel notification throws still rejects with the timeout, without an uncaught error", async () => {
    const registry = new SessionRegistry(server());
    const session = await initialized(registry);
    try {
      const requestOnly = sink(isNotificationMessage);
      await assert.rejects(within(session.request("roots/list", undefined, requestOnly, { timeoutMs: 20 }), 5000, "the request"), /timed out after 20 ms/);
      assert.equal(requestOnly.sent.length, 1);
      assert.equal(session.pendingCount, 0);
    } finally {
      registry.closeAll();
    }
  });

  test("progress and log notifications to it are dropped; the handler still answers, and done runs", async () => {
    const registry = new SessionRegistry(server());
    const session = await initialized(registry);
    try {
      let done = 0;
      const responsesOnly = sink(isNotificationMessage, () => done++);
      const call = { jsonrpc: "2.0" as const, id: 1, method: "tools/call", params: { name: "chatty", arguments: {}, _meta: { progressToken: "p" } } };
      await session.receive(call, responsesOnly);
      assert.deepEqual(responsesOnly.sent, [{ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "finished" }] } }]);
      assert.equal(done, 1);
      assert.equal(session.inFlightCount, 0);
    } finally {
      registry.closeAll();
    }
  });

  test("a sink that throws on everything, done included: receive resolves and nothing stays in flight", async () => {
    const registry = new SessionRegistry(server());
    const session = await initialized(registry);
    try {
      const broken: MessageSink = {
        send: () => {
          throw new Error("sink broke");
        },
        done: () => {
          throw new Error("done broke");
        },
      };
      await session.receive({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "chatty", arguments: {} } }, broken);
      assert.equal(session.inFlightCount, 0);
      assert.equal(session.closed, false);
    } finally {
      registry.closeAll();
    }
  });

  test("notify to a session whose stream sink throws returns false, and a publish still reaches the other sessions", async () => {
    const s = server();
    const registry = new SessionRegistry(s);
    try {
      const first = await initialized(registry);
      const second = await initialized(registry);
      first.defaultSink = sink(always);
      const healthy = sink(never);
      second.defaultSink = healthy;
      assert.equal(first.notify({ jsonrpc: "2.0", method: "notifications/tools/list_changed" }), false);
      // The handler's fan-out (one notify per session, in order): one broken session must not stop the others.
      const unsubscribe = s.subscribe((n) => {
        for (const session of [first, second]) session.notify(n);
      });
      s.publish({ jsonrpc: "2.0", method: "notifications/prompts/list_changed" });
      unsubscribe();
      assert.deepEqual(healthy.sent.map((m) => "method" in m ? m.method : ""), ["notifications/prompts/list_changed"]);
      assert.equal(isRequestMessage(healthy.sent[0]), false);
    } finally {
      registry.closeAll();
    }
  });
});
