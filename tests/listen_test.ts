import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "./_sdk.ts";
import { SSEClientTransport } from "./_sdk.ts";
import { ToolListChangedNotificationSchema } from "./_sdk.ts";
import { createHandler, McpServer } from "../mod.ts";
import { ListenRegistry } from "../src/listen.ts";
import { serveHandler, waitFor } from "./_serve.ts";
import { modernServer, post, request, sseMessages } from "./_modern.ts";

const SUB = "io.modelcontextprotocol/subscriptionId";

function resourceServer(): McpServer {
  const server = new McpServer({ name: "res", version: "1" });
  server.tool("t", {}, () => ({ content: [] }));
  server.resource("file:///a", {}, (uri) => ({ contents: [{ uri, text: "a" }] }));
  return server;
}

function listen(url: string, id: number | string, notifications: Record<string, unknown>, signal?: AbortSignal) {
  return post(url, request(id, "subscriptions/listen", { notifications }), {}, signal);
}

describe("subscriptions/listen", () => {
  test("the acknowledgement comes first, with the honoured subset and the subscription id", async () => {
    const handler = createHandler(modernServer(), { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    try {
      const res = await listen(served.url, 11, { toolsListChanged: true, promptsListChanged: true, resourceSubscriptions: ["file:///a"] });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/event-stream");
      assert.equal(res.headers.get("x-accel-buffering"), "no");
      const sse = sseMessages(res);
      assert.deepEqual(await sse.next(), {
        jsonrpc: "2.0",
        method: "notifications/subscriptions/acknowledged",
        params: { _meta: { [SUB]: 11 }, notifications: { toolsListChanged: true } },
      });
      assert.equal(handler.openListens, 1);
      await sse.cancel();
      await waitFor(() => handler.openListens === 0, 5000, "listen to close");
    } finally {
      await served.close();
    }
  });

  test("only requested types and URIs arrive, each stamped with its subscription id; several listens at once", async () => {
    const server = resourceServer();
    const handler = createHandler(server, { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    try {
      const tools = sseMessages(await listen(served.url, "t", { toolsListChanged: true }));
      const res = sseMessages(await listen(served.url, "r", { resourceSubscriptions: ["file:///a"], resourcesListChanged: true }));
      assert.equal((await tools.next()).method, "notifications/subscriptions/acknowledged");
      assert.deepEqual((await res.next()).params.notifications, { resourceSubscriptions: ["file:///a"], resourcesListChanged: true });
      assert.equal(handler.openListens, 2);
      server.publish({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: "file:///b" } });
      server.publish({ jsonrpc: "2.0", method: "notifications/prompts/list_changed" });
      server.publish({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: "file:///a" } });
      server.publish({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      server.publish({ jsonrpc: "2.0", method: "notifications/resources/list_changed" });
      assert.deepEqual(await res.next(), {
        jsonrpc: "2.0",
        method: "notifications/resources/updated",
        params: { uri: "file:///a", _meta: { [SUB]: "r" } },
      });
      assert.deepEqual(await res.next(), { jsonrpc: "2.0", method: "notifications/resources/list_changed", params: { _meta: { [SUB]: "r" } } });
      assert.deepEqual(await tools.next(), { jsonrpc: "2.0", method: "notifications/tools/list_changed", params: { _meta: { [SUB]: "t" } } });
      await tools.cancel();
      await res.cancel();
      await waitFor(() => handler.openListens === 0, 5000, "listens to close");
    } finally {
      await served.close();
    }
  });

  test("shutdown ends each listen with the completion result, then the stream ends", async () => {
    const handler = createHandler(modernServer(), { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    try {
      const sse = sseMessages(await listen(served.url, 5, { toolsListChanged: true }));
      await sse.next();
      await handler.close();
      assert.deepEqual(await sse.next(), {
        jsonrpc: "2.0",
        id: 5,
        result: {
          resultType: "complete",
          _meta: { [SUB]: 5, "io.modelcontextprotocol/serverInfo": { name: "tether-modern", version: "0.0.1" } },
        },
      });
      assert.equal(await sse.next(), undefined);
      assert.equal(handler.openListens, 0);
    } finally {
      await served.close();
    }
  });

  test("past the cap the next listen gets the in-band -32603; closing one makes room", async () => {
    const handler = createHandler(modernServer(), { keepAliveMs: 0, maxListens: 2 });
    const served = await serveHandler(handler);
    try {
      const a = sseMessages(await listen(served.url, 1, { toolsListChanged: true }));
      const b = sseMessages(await listen(served.url, 2, { toolsListChanged: true }));
      await a.next();
      await b.next();
      const refused = await listen(served.url, 3, { toolsListChanged: true });
      assert.equal(refused.status, 200);
      const body = await refused.json();
      assert.equal(body.id, 3);
      assert.equal(body.error.code, -32603);
      assert.match(body.error.message, /limit/);
      await a.cancel();
      await waitFor(() => handler.openListens === 1, 5000, "one listen to close");
      const c = sseMessages(await listen(served.url, 4, { toolsListChanged: true }));
      assert.equal((await c.next()).method, "notifications/subscriptions/acknowledged");
      await b.cancel();
      await c.cancel();
    } finally {
      await served.close();
    }
  });

  test("a malformed filter is 400/-32602", async () => {
    const handler = createHandler(modernServer(), { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    try {
      for (const notifications of [undefined, { toolsListChanged: "yes" }, { resourceSubscriptions: [1] }]) {
        const res = await post(served.url, request(1, "subscriptions/listen", notifications === undefined ? {} : { notifications }));
        assert.equal(res.status, 400);
        const body = await res.json();
        assert.deepEqual([body.id, body.error.code], [1, -32602]);
      }
      assert.equal(handler.openListens, 0);
    } finally {
      await served.close();
    }
  });

  test("one publish reaches a 2024-11-05 session and a 2026 listen alike", async () => {
    const server = modernServer();
    const handler = createHandler(server, { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    const client = new Client({ name: "v1", version: "1" });
    try {
      let legacyGot = 0;
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        legacyGot++;
      });
      await client.connect(new SSEClientTransport(new URL(`${served.url}/sse`)));
      const sse = sseMessages(await listen(served.url, 1, { toolsListChanged: true }));
      await sse.next();
      server.tool("late", {}, () => ({ content: [] }));
      assert.equal((await sse.next()).method, "notifications/tools/list_changed");
      await waitFor(() => legacyGot === 1, 5000, "the session to get the change");
      await sse.cancel();
    } finally {
      await client.close();
      await served.close();
    }
  });
});

describe("Listen: one idempotent close", () => {
  test("closing twice sends one completion, releases once; later publishes go nowhere", async () => {
    const listens = new ListenRegistry({ keepAliveMs: 0 });
    const opened = listens.open({ jsonrpc: "2.0", id: 9, method: "subscriptions/listen" }, { toolsListChanged: true });
    assert.ok(opened.ok);
    if (!opened.ok) return;
    opened.listen.close("ended");
    opened.listen.close("shutdown");
    assert.equal(opened.listen.closeReason, "ended");
    assert.equal(listens.size, 0);
    listens.publish({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    const text = await opened.response.text();
    assert.equal(text.match(/"resultType"/g)?.length, 1);
    assert.equal(text.includes("list_changed"), false);
  });

  test("an unserialisable notification is dropped without closing the listen or stopping the others", async () => {
    const listens = new ListenRegistry({ keepAliveMs: 0 });
    const a = listens.open({ jsonrpc: "2.0", id: 1, method: "subscriptions/listen" }, { resourceSubscriptions: ["x"] });
    const b = listens.open({ jsonrpc: "2.0", id: 2, method: "subscriptions/listen" }, { toolsListChanged: true });
    listens.publish({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: "x", n: 1n } });
    listens.publish({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    assert.equal(listens.size, 2);
    listens.closeAll("ended");
    assert.ok(a.ok && b.ok);
    if (!a.ok || !b.ok) return;
    assert.equal((await a.response.text()).includes("resources/updated"), false);
    assert.ok((await b.response.text()).includes("tools/list_changed"));
  });

  test("an already-aborted signal closes the listen at once", () => {
    const listens = new ListenRegistry({ keepAliveMs: 0 });
    const controller = new AbortController();
    controller.abort();
    const opened = listens.open({ jsonrpc: "2.0", id: 1, method: "subscriptions/listen" }, {}, controller.signal);
    assert.ok(opened.ok && opened.listen.closeReason === "client-gone");
    assert.equal(listens.size, 0);
  });
});
