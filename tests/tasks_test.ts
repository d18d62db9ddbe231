/** The optional tasks extension (io.modelcontextprotocol/tasks) on 2026-07-28 requests. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { attachPrincipal, createHandler, ErrorCode, McpError, McpServer, Tasks, TASKS_EXTENSION } from "../mod.ts";
import { modernHeaders, request } from "./_modern.ts";
import { waitFor } from "./_serve.ts";
import { trackTimers } from "./_timers.ts";

const WITH_TASKS = { "io.modelcontextprotocol/clientCapabilities": { elicitation: {}, extensions: { [TASKS_EXTENSION]: {} } } };
const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });

/** A promise resolved from outside, so tests decide when work finishes (no sleeps). */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

interface Rig {
  server: McpServer;
  tasks: Tasks;
  /** Sends one 2026 request; `tasks: false` leaves the extension out of the client capabilities. */
  send(method: string, params?: Record<string, unknown>, options?: { tasks?: boolean; principal?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

function rig(tasks: Tasks, setup: (server: McpServer, tasks: Tasks) => void = () => {}): Rig {
  const server = new McpServer({ name: "tasks-test", version: "1" });
  tasks.enable(server);
  setup(server, tasks);
  const handler = createHandler(server, { keepAliveMs: 0 });
  let id = 0;
  return {
    server,
    tasks,
    async send(method, params = {}, options = {}) {
      const body = request(++id, method, params, options.tasks === false ? {} : WITH_TASKS);
      const headers = modernHeaders(body);
      if (typeof params.taskId === "string") headers["mcp-name"] = params.taskId;
      const req = new Request("http://127.0.0.1/mcp", { method: "POST", headers: { ...headers, ...options.headers }, body: JSON.stringify(body) });
      if (options.principal !== undefined) attachPrincipal(req, options.principal);
      const response = await handler.fetch(req);
      return { status: response.status, body: await response.json() };
    },
    async close() {
      tasks.close();
      await handler.close();
    },
  };
}

/** An ack: `resultType: "complete"` and none of the task envelope. */
function assertAck(result: Record<string, unknown>): void {
  assert.equal(result.resultType, "complete");
  assert.deepEqual(["taskId", "status", "result", "error", "inputRequests"].filter((key) => key in result), []);
}

async function untilStatus(r: Rig, taskId: string, status: string): Promise<any> {
  let last: any;
  for (let i = 0; i < 500; i++) {
    last = (await r.send("tasks/get", { taskId })).body.result;
    if (last?.status === status) return last;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`task ${taskId} never reached ${status}; last ${JSON.stringify(last)}`);
}

describe("tasks extension", () => {
  test("is absent until enabled: no capability, tasks/get is an unknown method", async () => {
    const server = new McpServer({ name: "plain", version: "1" });
    server.tool("t", {}, () => text("x"));
    assert.equal(server.capabilities().extensions, undefined);
    const handler = createHandler(server, { keepAliveMs: 0 });
    try {
      const body = request(1, "tasks/get", { taskId: "x" }, WITH_TASKS);
      const response = await handler.fetch(new Request("http://127.0.0.1/mcp", { method: "POST", headers: { ...modernHeaders(body), "mcp-name": "x" }, body: JSON.stringify(body) }));
      assert.equal(response.status, 404);
      assert.equal((await response.json()).error.code, -32601);
    } finally {
      await handler.close();
    }
  });

  test("a task tool answers a flat CreateTaskResult; tasks/get shows working, then the inlined result", async () => {
    const done = gate();
    const r = rig(new Tasks({ ttlMs: 60_000, pollIntervalMs: 250 }), (server, tasks) => {
      tasks.tool(server, "job", { inputSchema: z.object({ n: z.number() }) }, async ({ n }) => {
        await done.promise;
        return text(`n=${n}`);
      });
    });
    try {
      const discover = await r.send("server/discover");
      assert.deepEqual(discover.body.result.capabilities.extensions, { [TASKS_EXTENSION]: {} });
      const created = (await r.send("tools/call", { name: "job", arguments: { n: 7 } })).body.result;
      assert.equal(created.resultType, "task");
      assert.equal(created.status, "working");
      assert.equal(created.ttlMs, 60_000);
      assert.equal(created.pollIntervalMs, 250);
      assert.equal(created.task, undefined);
      assert.equal("result" in created, false);
      const working = (await r.send("tasks/get", { taskId: created.taskId })).body.result;
      assert.equal(working.status, "working");
      assert.equal(working.resultType, "complete");
      assert.equal("result" in working, false);
      done.open();
      const completed = await untilStatus(r, created.taskId, "completed");
      assert.deepEqual(completed.result, { content: [{ type: "text", text: "n=7" }] });
    } finally {
      await r.close();
    }
  });

  test("a tool error completes with isError; an McpError fails with an inlined error and no result", async () => {
    const r = rig(new Tasks(), (server, tasks) => {
      tasks.tool(server, "throws", {}, () => {
        throw new Error("boom");
      });
      tasks.tool(server, "protocol", {}, () => {
        throw new McpError(ErrorCode.InternalError, "crashed");
      });
    });
    try {
      const toolError = (await r.send("tools/call", { name: "throws", arguments: {} })).body.result;
      const completed = await untilStatus(r, toolError.taskId, "completed");
      assert.equal(completed.result.isError, true);
      const protocol = (await r.send("tools/call", { name: "protocol", arguments: {} })).body.result;
      const failed = await untilStatus(r, protocol.taskId, "failed");
      assert.equal(failed.error.code, -32603);
      assert.equal(failed.error.message, "crashed");
      assert.equal("result" in failed, false);
    } finally {
      await r.close();
    }
  });

  test("without the extension: optional tools run synchronously, required ones and tasks/* answer -32021", async () => {
    const r = rig(new Tasks(), (server, tasks) => {
      tasks.tool(server, "maybe", {}, () => text("sync"));
      tasks.tool(server, "must", {}, () => text("never"), "required");
    });
    try {
      const sync = (await r.send("tools/call", { name: "maybe", arguments: {} }, { tasks: false })).body.result;
      assert.equal(sync.resultType, "complete");
      assert.equal(sync.taskId, undefined);
      assert.equal(sync.content[0].text, "sync");
      assert.equal(r.tasks.size, 0);
      const refused = await r.send("tools/call", { name: "must", arguments: {} }, { tasks: false });
      assert.equal(refused.body.error.code, -32021);
      assert.deepEqual(refused.body.error.data.requiredCapabilities, { extensions: { [TASKS_EXTENSION]: {} } });
      for (const method of ["tasks/get", "tasks/update", "tasks/cancel"]) {
        const gated = await r.send(method, { taskId: "x", inputResponses: {} }, { tasks: false });
        assert.equal(gated.body.error.code, -32021, method);
      }
      const listing = (await r.send("tools/list")).body.result.tools;
      assert.deepEqual(listing.find((t: any) => t.name === "must").execution, { taskSupport: "required" });
    } finally {
      await r.close();
    }
  });

  test("questions park the task in input_required; tasks/update answers them one at a time", async () => {
    const r = rig(new Tasks(), (server, tasks) => {
      tasks.tool(server, "two", {}, async (_args, ctx) => {
        const schema = z.object({ v: z.string() });
        const [a, b] = await Promise.all([ctx.elicit("A?", schema), ctx.elicit("B?", schema, { key: "b" })]);
        return text(`${a.action === "accept" ? a.content.v : "-"}+${b.action === "accept" ? b.content.v : "-"}`);
      });
    });
    try {
      const { taskId } = (await r.send("tools/call", { name: "two", arguments: {} })).body.result;
      const parked = await untilStatus(r, taskId, "input_required");
      const keys = Object.keys(parked.inputRequests);
      assert.equal(keys.length, 2);
      assert.equal(parked.inputRequests[keys[0]].method, "elicitation/create");
      const ack = (await r.send("tasks/update", { taskId, inputResponses: { [keys[0]]: { action: "accept", content: { v: "x" } }, unknown: {} } })).body.result;
      assertAck(ack);
      const half = (await r.send("tasks/get", { taskId })).body.result;
      assert.equal(half.status, "input_required");
      assert.deepEqual(Object.keys(half.inputRequests), [keys[1]]);
      const bad = await r.send("tasks/update", { taskId, inputResponses: { [keys[1]]: { action: "accept", content: { v: 3 } } } });
      assert.equal(bad.body.error.code, -32602);
      await r.send("tasks/update", { taskId, inputResponses: { [keys[1]]: { action: "accept", content: { v: "y" } } } });
      const done = await untilStatus(r, taskId, "completed");
      assert.equal(done.result.content[0].text.split("+").sort().join("+"), "x+y");
    } finally {
      await r.close();
    }
  });

  test("tasks/cancel aborts the work, settles cancelled, and acks idempotently; unknown ids are -32602", async () => {
    let aborted = false;
    const r = rig(new Tasks(), (server, tasks) => {
      tasks.tool(server, "forever", {}, (_args, ctx) =>
        new Promise(() => {
          ctx.signal.addEventListener("abort", () => (aborted = true));
        }));
    });
    try {
      const { taskId } = (await r.send("tools/call", { name: "forever", arguments: {} })).body.result;
      assertAck((await r.send("tasks/cancel", { taskId })).body.result);
      assert.equal(aborted, true);
      assert.equal((await r.send("tasks/get", { taskId })).body.result.status, "cancelled");
      assertAck((await r.send("tasks/cancel", { taskId })).body.result);
      assert.equal((await r.send("tasks/get", { taskId: "nope" })).body.error.code, -32602);
      assert.equal((await r.send("tasks/cancel", { taskId: "nope" })).body.error.code, -32602);
    } finally {
      await r.close();
    }
  });

  test("a task tool with an outputSchema is refused at registration", () => {
    const server = new McpServer({ name: "x", version: "1" });
    assert.throws(() => new Tasks().tool(server, "typed", { outputSchema: z.object({ n: z.number() }) }, () => text("x")), /outputSchema/);
  });

  test("a task belongs to the principal that created it", async () => {
    const r = rig(new Tasks(), (server, tasks) => tasks.tool(server, "mine", {}, () => text("ok")));
    try {
      const { taskId } = (await r.send("tools/call", { name: "mine", arguments: {} }, { principal: { user: "ada" } })).body.result;
      assert.equal((await r.send("tasks/get", { taskId }, { principal: { user: "bob" } })).body.error.code, -32602);
      assert.equal((await r.send("tasks/get", { taskId })).body.error.code, -32602);
      assert.equal((await r.send("tasks/get", { taskId }, { principal: { user: "ada" } })).body.result.taskId, taskId);
    } finally {
      await r.close();
    }
  });

  test("Mcp-Name must match params.taskId on tasks/get (400, -32020)", async () => {
    const r = rig(new Tasks(), (server, tasks) => tasks.tool(server, "x", {}, () => text("ok")));
    try {
      const { taskId } = (await r.send("tools/call", { name: "x", arguments: {} })).body.result;
      const mismatch = await r.send("tasks/get", { taskId }, { headers: { "mcp-name": "other" } });
      assert.equal(mismatch.status, 400);
      assert.equal(mismatch.body.error.code, -32020);
    } finally {
      await r.close();
    }
  });

  test("the count is bounded: a finished task is evicted for a new one, live tasks are never dropped", async () => {
    const r = rig(new Tasks({ maxTasks: 2 }), (server, tasks) => {
      tasks.tool(server, "hang", {}, () => new Promise(() => {}));
      tasks.tool(server, "quick", {}, () => text("ok"));
    });
    try {
      const quick = (await r.send("tools/call", { name: "quick", arguments: {} })).body.result.taskId;
      await untilStatus(r, quick, "completed");
      await r.send("tools/call", { name: "hang", arguments: {} });
      await r.send("tools/call", { name: "hang", arguments: {} });
      assert.equal(r.tasks.size, 2);
      assert.equal((await r.send("tasks/get", { taskId: quick })).body.error.code, -32602);
      const refused = await r.send("tools/call", { name: "hang", arguments: {} });
      assert.equal(refused.body.error.code, -32603);
      assert.equal(r.tasks.size, 2);
    } finally {
      await r.close();
    }
  });

  test("each task ends once: TTL expiry or close() aborts its work, clears its timer and forgets it", async () => {
    const timers = trackTimers();
    let aborts = 0;
    const tasks = new Tasks({ ttlMs: 30 });
    const r = rig(tasks, (server, t) => {
      t.tool(server, "hang", {}, (_args, ctx) =>
        new Promise(() => {
          ctx.signal.addEventListener("abort", () => aborts++);
        }));
    });
    try {
      const expired = (await r.send("tools/call", { name: "hang", arguments: {} })).body.result.taskId;
      await waitFor(() => tasks.size === 0, 5000, "the TTL to expire the task");
      assert.equal(aborts, 1);
      assert.equal((await r.send("tasks/get", { taskId: expired })).body.error.code, -32602);
      const closing = new Tasks({ ttlMs: 60_000 });
      const r2 = rig(closing, (server, t) => t.tool(server, "hang", {}, (_args, ctx) => new Promise(() => ctx.signal.addEventListener("abort", () => aborts++))));
      await r2.send("tools/call", { name: "hang", arguments: {} });
      await r2.send("tools/call", { name: "hang", arguments: {} });
      assert.equal(closing.size, 2);
      closing.close();
      closing.close();
      assert.equal(closing.size, 0);
      assert.equal(aborts, 3);
      await r2.close();
      assert.deepEqual(timers.origins().filter((o) => o.includes("tasks.ts")), []);
    } finally {
      timers.restore();
      await r.close();
    }
  });

  test("handler.close() ends every task of its server without tasks.close(): work aborted, timers cleared, store empty", async () => {
    const timers = trackTimers();
    const tasks = new Tasks({ ttlMs: 60_000 });
    const server = new McpServer({ name: "tasks-shutdown", version: "1" });
    tasks.enable(server);
    let aborts = 0;
    tasks.tool(server, "hang", {}, (_args, ctx) => new Promise(() => ctx.signal.addEventListener("abort", () => aborts++)), "required");
    const first = createHandler(server, { keepAliveMs: 0 });
    const second = createHandler(server, { keepAliveMs: 0 });
    const call = async (handler: ReturnType<typeof createHandler>, id: number) => {
      const body = request(id, "tools/call", { name: "hang", arguments: {} }, WITH_TASKS);
      const response = await handler.fetch(new Request("http://127.0.0.1/mcp", { method: "POST", headers: modernHeaders(body), body: JSON.stringify(body) }));
      return (await response.json()).result;
    };
    try {
      assert.equal((await call(first, 1)).resultType, "task");
      assert.equal((await call(second, 2)).resultType, "task");
      assert.equal(tasks.size, 2);
      // Another handler still serves the server: its tasks go on.
      await first.close();
      assert.equal(tasks.size, 2);
      assert.equal(aborts, 0);
      // The last handler's shutdown reaches the tasks.
      await second.close();
      assert.equal(tasks.size, 0);
      assert.equal(aborts, 2);
      assert.deepEqual(timers.origins().filter((o) => o.includes("tasks.ts")), []);
    } finally {
      timers.restore();
      await first.close();
      await second.close();
      tasks.close();
    }
  });
});
