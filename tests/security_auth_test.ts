import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { attachPrincipal, bearerAuth, createHandler, type HandlerOptions, type Principal } from "../mod.ts";
import { testServer } from "./_fixtures.ts";
import { initializeLegacy, openLegacy } from "./_legacy.ts";
import { MCP_HEADERS, MCP_URL, mcpInitialize, mcpMessages, mcpPost } from "./_mcp_inproc.ts";

const TOKENS: Record<string, Principal> = {
  "alice-token": { id: "alice", scopes: ["mcp"] },
  "bob-token": { id: "bob", scopes: ["mcp"] },
  "carol-token": { id: "carol", scopes: ["other"] },
};

function authOptions(extra: HandlerOptions = {}): HandlerOptions {
  return {
    auth: {
      authenticate: bearerAuth({ verify: (token) => TOKENS[token], requiredScopes: ["mcp"] }),
      resourceMetadata: { authorization_servers: ["https://auth.example.com"], scopes_supported: ["mcp"] },
    },
    ...extra,
  };
}

function whoamiServer() {
  const server = testServer();
  server.tool("whoami", { description: "The caller's principal id" }, (_args, ctx) => ({
    content: [{ type: "text", text: String((ctx.principal as Principal | undefined)?.id) }],
  }));
  return server;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("authentication hook", () => {
  test("no token → 401 with a resource_metadata challenge and scope, and no session is created", async () => {
    const handler = createHandler(testServer(), authOptions());
    try {
      for (const [method, path] of [["GET", "/sse"], ["POST", "/messages?sessionId=00000000000000000000000000000000"], ["GET", "/nowhere"]]) {
        const response = await handler.fetch(new Request(`http://localhost:8787${path}`, { method, headers: { accept: "text/event-stream" } }));
        assert.equal(response.status, 401, `${method} ${path}`);
        assert.equal(
          response.headers.get("www-authenticate"),
          'Bearer resource_metadata="http://localhost:8787/.well-known/oauth-protected-resource/mcp", scope="mcp"',
        );
        const body = await response.json();
        assert.equal(body.jsonrpc, "2.0");
        assert.equal(typeof body.error.code, "number");
      }
      assert.equal(handler.sessions.size, 0);
    } finally {
      await handler.close();
    }
  });

  test('an unknown token → 401 error="invalid_token"; a malformed header → 401 invalid_request', async () => {
    const handler = createHandler(testServer(), authOptions());
    try {
      const invalid = await handler.fetch(new Request("http://localhost/sse", { headers: { accept: "text/event-stream", ...bearer("nope") } }));
      assert.equal(invalid.status, 401);
      assert.match(invalid.headers.get("www-authenticate")!, /^Bearer resource_metadata="[^"]+", scope="mcp", error="invalid_token"/);
      const malformed = await handler.fetch(new Request("http://localhost/sse", { headers: { authorization: "Basic YTpi" } }));
      assert.equal(malformed.status, 401);
      assert.match(malformed.headers.get("www-authenticate")!, /error="invalid_request"/);
      assert.equal(handler.sessions.size, 0);
    } finally {
      await handler.close();
    }
  });

  test("a token without the required scope → 403 insufficient_scope naming the scope", async () => {
    const handler = createHandler(testServer(), authOptions());
    try {
      const response = await handler.fetch(new Request("http://localhost/sse", { headers: { accept: "text/event-stream", ...bearer("carol-token") } }));
      assert.equal(response.status, 403);
      const challenge = response.headers.get("www-authenticate")!;
      assert.match(challenge, /error="insufficient_scope"/);
      assert.match(challenge, /scope="mcp"/);
      assert.equal(handler.sessions.size, 0);
    } finally {
      await handler.close();
    }
  });

  test("RFC 9728 metadata is served path-aware for the mount (and at the root), without a token", async () => {
    const handler = createHandler(testServer(), authOptions({ basePath: "/api" }));
    try {
      for (const path of ["/.well-known/oauth-protected-resource/api/mcp", "/.well-known/oauth-protected-resource"]) {
        const response = await handler.fetch(new Request(`http://localhost:8787${path}`));
        assert.equal(response.status, 200, path);
        const metadata = await response.json();
        assert.equal(metadata.resource, "http://localhost:8787/api/mcp");
        assert.deepEqual(metadata.authorization_servers, ["https://auth.example.com"]);
        assert.deepEqual(metadata.scopes_supported, ["mcp"]);
      }
      const challenge = (await handler.fetch(new Request("http://localhost:8787/api/sse"))).headers.get("www-authenticate");
      assert.match(challenge!, /resource_metadata="http:\/\/localhost:8787\/\.well-known\/oauth-protected-resource\/api\/mcp"/);
      assert.equal((await handler.fetch(new Request("http://localhost:8787/.well-known/oauth-protected-resource/api/mcp", { method: "POST" }))).status, 405);
    } finally {
      await handler.close();
    }
    const noMetadata = createHandler(testServer());
    try {
      assert.equal((await noMetadata.fetch(new Request("http://localhost/.well-known/oauth-protected-resource"))).status, 404);
    } finally {
      await noMetadata.close();
    }
  });

  test("a configured resource names the metadata URL", async () => {
    const handler = createHandler(testServer(), {
      auth: {
        authenticate: bearerAuth({ verify: (t) => TOKENS[t] }),
        resourceMetadata: { resource: "https://mcp.example.com/v1/mcp", authorization_servers: ["https://auth.example.com"] },
      },
    });
    try {
      const response = await handler.fetch(new Request("http://localhost/sse"));
      assert.equal(response.headers.get("www-authenticate"), 'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/v1/mcp"');
      const metadata = await (await handler.fetch(new Request("http://localhost/.well-known/oauth-protected-resource/v1/mcp"))).json();
      assert.equal(metadata.resource, "https://mcp.example.com/v1/mcp");
    } finally {
      await handler.close();
    }
  });

  test("the principal reaches tool handlers through the context", async () => {
    const handler = createHandler(whoamiServer(), authOptions());
    try {
      const alice = await openLegacy(handler, bearer("alice-token"));
      await initializeLegacy(alice);
      assert.equal((await alice.post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami" } })).status, 202);
      const result = await alice.next();
      assert.deepEqual(result?.result.content, [{ type: "text", text: "alice" }]);
      assert.equal((handler.sessions.get(alice.sessionId)!.principal as Principal).id, "alice");
      await alice.cancel();
    } finally {
      await handler.close();
    }
  });

  test("a session is bound to its principal: another principal gets exactly the 404 of an unknown id", async () => {
    const handler = createHandler(whoamiServer(), authOptions());
    try {
      const alice = await openLegacy(handler, bearer("alice-token"));
      await initializeLegacy(alice);
      const ping = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "ping" });
      const asBob = await alice.post(ping, bearer("bob-token"));
      const unknown = await handler.fetch(new Request("http://localhost/messages?sessionId=0123456789abcdef0123456789abcdef", {
        method: "POST",
        headers: { "content-type": "application/json", ...bearer("bob-token") },
        body: ping,
      }));
      assert.equal(asBob.status, 404);
      assert.equal(asBob.status, unknown.status);
      assert.deepEqual([...asBob.headers.entries()].sort(), [...unknown.headers.entries()].sort());
      assert.equal(await asBob.text(), await unknown.text());
      // Bob's attempt changed nothing; Alice still owns a working session.
      assert.equal((await alice.post(ping)).status, 202);
      assert.deepEqual(await alice.next(), { jsonrpc: "2.0", id: 7, result: {} });
      // The same holds when the foreign request's body is not even valid: the id check comes first.
      const garbage = await alice.post("{not json", bearer("bob-token"));
      assert.equal(garbage.status, 404);
      await alice.cancel();
    } finally {
      await handler.close();
    }
  });

  test("a custom hook's Response is sent as is; a hook that throws or returns nothing is a 500, never a pass", async () => {
    const teapot = createHandler(testServer(), { auth: { authenticate: () => new Response("no", { status: 418 }) } });
    const throwing = createHandler(testServer(), { auth: { authenticate: () => Promise.reject(new Error("db down")) } });
    const malformed = createHandler(testServer(), { auth: { authenticate: () => undefined } });
    try {
      assert.equal((await teapot.fetch(new Request("http://localhost/sse"))).status, 418);
      for (const handler of [throwing, malformed]) {
        const response = await handler.fetch(new Request("http://localhost/sse", { headers: { accept: "text/event-stream" } }));
        assert.equal(response.status, 500);
        assert.equal((await response.json()).jsonrpc, "2.0");
        assert.equal(handler.sessions.size, 0);
      }
    } finally {
      await Promise.all([teapot.close(), throwing.close(), malformed.close()]);
    }
  });
});

describe("principals attached by a host framework", () => {
  test("bind sessions the same way: another principal's use of the id is an unknown id", async () => {
    const handler = createHandler(whoamiServer());
    const as = (principal: unknown, request: Request) => {
      attachPrincipal(request, principal);
      return handler.fetch(request);
    };
    try {
      const open = await as({ user: "ada" }, new Request("http://localhost/sse", { headers: { accept: "text/event-stream" } }));
      assert.equal(open.status, 200);
      const id = handler.sessions.ids()[0];
      assert.deepEqual(handler.sessions.get(id)!.principal, { user: "ada" });
      const ping = () =>
        new Request(`http://localhost/messages?sessionId=${id}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
        });
      assert.equal((await as({ user: "bob" }, ping())).status, 404);
      assert.equal((await as(undefined, ping())).status, 404, "nor can a request without a principal");
      assert.equal((await as({ user: "ada" }, ping())).status, 202);
      await open.body!.cancel();
    } finally {
      await handler.close();
    }
  });
});

describe("session binding on Streamable HTTP", () => {
  test("POST, GET and DELETE with another principal's Mcp-Session-Id answer exactly like an unknown id", async () => {
    const handler = createHandler(whoamiServer(), authOptions());
    try {
      const aliceId = (await mcpInitialize(handler, {}, bearer("alice-token")))!;
      assert.ok(aliceId);
      const unknownId = "0123456789abcdef0123456789abcdef";
      const attempt = async (method: string, id: string) => {
        const init: RequestInit = {
          method,
          headers: { ...MCP_HEADERS, "mcp-session-id": id, "mcp-protocol-version": "2025-06-18", ...bearer("bob-token") },
        };
        if (method === "POST") init.body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami" } });
        const response = await handler.fetch(new Request(MCP_URL, init));
        return { status: response.status, headers: [...response.headers.entries()].sort(), body: await response.text() };
      };
      for (const method of ["POST", "GET", "DELETE"]) {
        const foreign = await attempt(method, aliceId);
        assert.equal(foreign.status, 404, method);
        assert.deepEqual(foreign, await attempt(method, unknownId), `${method}: foreign and unknown ids differ`);
      }
      assert.ok(handler.sessions.get(aliceId), "Alice's session survived Bob's DELETE");
      const mine = await mcpPost(handler, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "whoami" } }, {
        "mcp-session-id": aliceId,
        "mcp-protocol-version": "2025-06-18",
        ...bearer("alice-token"),
      });
      const [result] = await mcpMessages(mine);
      assert.deepEqual(result.result.content, [{ type: "text", text: "alice" }]);
    } finally {
      await handler.close();
    }
  });
});
