/** 2026 requests carry no session: the principal a host authenticated comes with each request. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { attachPrincipal, createHandler } from "../mod.ts";
import { modernHeaders, modernServer, request } from "./_modern.ts";

function modernRequest(body: ReturnType<typeof request>, signal: AbortSignal): Request {
  return new Request("http://127.0.0.1/mcp", { method: "POST", headers: modernHeaders(body), body: JSON.stringify(body), signal });
}

describe("2026 requests and the authenticated principal", () => {
  test("a principal attached to the request reaches ctx.principal and makes cacheable results private", async () => {
    const server = modernServer();
    let seen: unknown;
    server.tool("whoami", {}, (_args, ctx) => {
      seen = ctx.principal;
      return { content: [{ type: "text", text: String((ctx.principal as { user?: string })?.user) }] };
    });
    const handler = createHandler(server, { keepAliveMs: 0 });
    try {
      const call = request(1, "tools/call", { name: "whoami", arguments: {} });
      const authed = modernRequest(call, new AbortController().signal);
      attachPrincipal(authed, { user: "ada" });
      const body = await (await handler.fetch(authed)).json();
      assert.equal(body.result.content[0].text, "ada");
      assert.deepEqual(seen, { user: "ada" });
      const list = request(2, "server/discover");
      const privateReq = modernRequest(list, new AbortController().signal);
      attachPrincipal(privateReq, { user: "ada" });
      assert.equal((await (await handler.fetch(privateReq)).json()).result.cacheScope, "private");
      const anonymous = await (await handler.fetch(modernRequest(list, new AbortController().signal))).json();
      assert.equal(anonymous.result.cacheScope, "public");
    } finally {
      await handler.close();
    }
  });
});
