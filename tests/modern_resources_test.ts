/** 2026-07-28 requests for resources and prompts: caching hints per resource, 2026 error codes, listen updates. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHandler, McpServer } from "../mod.ts";
import { serveHandler } from "./_serve.ts";
import { post, request, sseMessages } from "./_modern.ts";

function resourceServer(): McpServer {
  const server = new McpServer({ name: "res", version: "1" }, { cache: { ttlMs: 30_000 } });
  server.resource("file:///static", { name: "static", cache: { ttlMs: 3_600_000 } }, (uri) => ({ contents: [{ uri, text: "static" }] }));
  server.resource("file:///me", { name: "me", cache: { cacheScope: "private" } }, (uri) => ({ contents: [{ uri, text: "mine" }] }));
  server.resourceTemplate("file:///items/{id}", { name: "item", cache: { ttlMs: 10 } }, (uri, { id }) => ({ contents: [{ uri, text: `item ${id}` }] }));
  server.resource("file:///plain", { name: "plain" }, (uri) => ({ contents: [{ uri, text: "plain" }] }));
  server.prompt("hello", { description: "Says hello" }, () => ({ messages: [{ role: "user", content: { type: "text", text: "hello" } }] }));
  return server;
}

async function read(url: string, uri: string) {
  const res = await post(url, request(1, "resources/read", { uri }));
  return { status: res.status, body: await res.json() };
}

describe("2026-07-28: resources and prompts", () => {
  test("resources/read carries the resource's hint, the template's, or the server's", async () => {
    const handler = createHandler(resourceServer(), { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    try {
      const hints = async (uri: string) => {
        const { status, body } = await read(served.url, uri);
        assert.equal(status, 200);
        assert.equal(body.result.resultType, "complete");
        return [body.result.ttlMs, body.result.cacheScope];
      };
      assert.deepEqual(await hints("file:///static"), [3_600_000, "public"]);
      assert.deepEqual(await hints("file:///me"), [30_000, "private"]);
      assert.deepEqual(await hints("file:///items/7"), [10, "public"]);
      assert.deepEqual(await hints("file:///plain"), [30_000, "public"]);
      const list = await (await post(served.url, request(2, "resources/list"))).json();
      assert.deepEqual([list.result.ttlMs, list.result.cacheScope], [30_000, "private"], "the tightest of its resources");
      assert.equal(list.result.resources.some((r: Record<string, unknown>) => "cache" in r), false, "hints are not published");
      const prompts = await (await post(served.url, request(3, "prompts/list"))).json();
      assert.deepEqual([prompts.result.ttlMs, prompts.result.cacheScope], [30_000, "public"]);
      const got = await (await post(served.url, request(4, "prompts/get", { name: "hello" }))).json();
      assert.equal(got.result.resultType, "complete");
      assert.equal("ttlMs" in got.result, false, "prompts/get is not cacheable");
    } finally {
      await served.close();
    }
  });

  test("an unknown resource is -32602 (2026), and resources/subscribe does not exist", async () => {
    const handler = createHandler(resourceServer(), { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    try {
      const { status, body } = await read(served.url, "file:///nothing");
      assert.equal(status, 200);
      assert.equal(body.error.code, -32602);
      const sub = await post(served.url, request(5, "resources/subscribe", { uri: "file:///static" }));
      assert.equal(sub.status, 404);
      assert.equal((await sub.json()).error.code, -32601);
    } finally {
      await served.close();
    }
  });

  test("server.resourceUpdated reaches a listen subscribed to that URI only", async () => {
    const server = resourceServer();
    const handler = createHandler(server, { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    try {
      const sse = sseMessages(await post(served.url, request("l", "subscriptions/listen", { notifications: { resourceSubscriptions: ["file:///static"] } })));
      assert.deepEqual((await sse.next()).params.notifications, { resourceSubscriptions: ["file:///static"] });
      server.resourceUpdated("file:///me");
      server.resourceUpdated("file:///static");
      assert.deepEqual(await sse.next(), {
        jsonrpc: "2.0",
        method: "notifications/resources/updated",
        params: { uri: "file:///static", _meta: { "io.modelcontextprotocol/subscriptionId": "l" } },
      });
      await sse.cancel();
    } finally {
      await served.close();
    }
  });
});
