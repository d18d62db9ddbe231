import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import fc from "fast-check";
import { createHandler, type TetherHandler } from "../mod.ts";
import { type OriginPolicy, originViolation } from "../src/security/origin.ts";
import { testServer } from "./_fixtures.ts";
import { serveHandler } from "./_serve.ts";

async function getSse(handler: TetherHandler, url: string, headers: Record<string, string>): Promise<Response> {
  const response = await handler.fetch(new Request(url, { headers: { accept: "text/event-stream", ...headers } }));
  if (response.status === 200) await response.body!.cancel();
  return response;
}

async function assertForbidden(response: Response, what: string) {
  assert.equal(response.status, 403, `${what}: expected 403`);
  assert.equal(response.headers.get("content-type"), "application/json");
  const body = await response.json();
  assert.equal(body.jsonrpc, "2.0");
  assert.equal(body.id, null);
  assert.equal(typeof body.error.code, "number");
  assert.match(body.error.message, /Forbidden/);
}

describe("Host and Origin checks are on by default (DNS-rebinding protection)", () => {
  test("loopback hosts pass on any port, with or without a loopback Origin", async () => {
    const handler = createHandler(testServer());
    try {
      for (const host of ["localhost", "localhost:8787", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:65535", "LOCALHOST:9"]) {
        const response = await getSse(handler, "http://localhost/sse", { host });
        assert.equal(response.status, 200, `Host ${host}`);
      }
      for (const origin of ["http://localhost", "http://localhost:5173", "https://127.0.0.1:8443", "http://[::1]:3000"]) {
        const response = await getSse(handler, "http://localhost/sse", { host: "localhost:8787", origin });
        assert.equal(response.status, 200, `Origin ${origin}`);
      }
      assert.equal(handler.sessions.size, 0);
    } finally {
      await handler.close();
    }
  });

  test("a rebound name is refused with 403 even when Origin matches it (the rebinding attack)", async () => {
    const handler = createHandler(testServer());
    try {
      await assertForbidden(
        await getSse(handler, "http://localhost/sse", { host: "attacker.example:8787", origin: "http://attacker.example:8787" }),
        "rebound same-origin",
      );
      await assertForbidden(await getSse(handler, "http://localhost/sse", { host: "evil.example.com" }), "bad Host, no Origin");
      assert.equal(handler.sessions.size, 0, "no session is created for a refused request");
    } finally {
      await handler.close();
    }
  });

  test("Host values that only look like loopback are refused", async () => {
    const handler = createHandler(testServer());
    try {
      for (const host of ["localhost.evil.example", "localhost@evil.example", "evil.example#localhost", "127.0.0.1.nip.io", "[::1]evil", "localhost:99999x", "", " ", "localhost/x", "0.0.0.0", "127.0.0.2"]) {
        await assertForbidden(await getSse(handler, "http://localhost/sse", { host }), `Host ${JSON.stringify(host)}`);
      }
      assert.equal(handler.sessions.size, 0);
    } finally {
      await handler.close();
    }
  });

  test("a foreign or opaque Origin is refused with 403 on every endpoint, before any session lookup", async () => {
    const handler = createHandler(testServer());
    try {
      for (const origin of ["https://evil.example", "null", "http://localhost.evil.example", "file://", "chrome-extension://abc", "http://localhost:80@evil.example"]) {
        await assertForbidden(await getSse(handler, "http://localhost/sse", { host: "localhost", origin }), `Origin ${origin}`);
      }
      // The message endpoint and unknown paths are covered too; a live session's id does not help.
      const open = await handler.fetch(new Request("http://localhost/sse", { headers: { accept: "text/event-stream" } }));
      assert.equal(open.status, 200);
      const id = handler.sessions.ids()[0];
      const post = await handler.fetch(new Request(`http://localhost/messages?sessionId=${id}`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://evil.example" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      }));
      await assertForbidden(post, "POST /messages with a foreign Origin");
      await assertForbidden(await handler.fetch(new Request("http://localhost/nowhere", { headers: { origin: "https://evil.example" } })), "unknown path");
      assert.equal(handler.sessions.size, 1);
      await open.body!.cancel();
    } finally {
      await handler.close();
    }
  });

  test("allow-lists replace the loopback default; Origins default to the allowed hosts", async () => {
    const handler = createHandler(testServer(), { allowedHosts: ["mcp.example.com", "alt.example.com:8443"] });
    try {
      assert.equal((await getSse(handler, "https://mcp.example.com/sse", { host: "mcp.example.com" })).status, 200);
      assert.equal((await getSse(handler, "https://mcp.example.com/sse", { host: "alt.example.com:8443" })).status, 200);
      await assertForbidden(await getSse(handler, "https://mcp.example.com/sse", { host: "alt.example.com:9443" }), "wrong port");
      await assertForbidden(await getSse(handler, "http://localhost/sse", { host: "localhost" }), "loopback no longer listed");
      assert.equal((await getSse(handler, "https://mcp.example.com/sse", { host: "mcp.example.com", origin: "https://mcp.example.com" })).status, 200);
      await assertForbidden(await getSse(handler, "https://mcp.example.com/sse", { host: "mcp.example.com", origin: "http://localhost:3000" }), "loopback Origin");
    } finally {
      await handler.close();
    }
    const browserApp = createHandler(testServer(), { allowedOrigins: ["https://app.example.com"] });
    try {
      assert.equal((await getSse(browserApp, "http://localhost/sse", { origin: "https://app.example.com" })).status, 200);
      await assertForbidden(await getSse(browserApp, "http://localhost/sse", { origin: "http://app.example.com" }), "scheme differs");
    } finally {
      await browserApp.close();
    }
  });

  test("remembered verdicts never leak between allow lists, Hosts or Origins: any sequence of requests gets the verdicts of deciding afresh", () => {
    const policies: OriginPolicy[] = [
      {},
      { allowedHosts: ["mcp.example.com", "alt.example.com:8443"] },
      { allowedOrigins: ["https://app.example.com"] },
      { allowedHosts: ["a.example"], allowedOrigins: ["https://a.example", "http://localhost:3000"] },
    ];
    const hosts = ["127.0.0.1:8080", "localhost", "mcp.example.com", "alt.example.com:8443", "alt.example.com:9443", "a.example", "evil.example"];
    const origins = [null, "https://app.example.com", "http://localhost:3000", "https://mcp.example.com", "https://a.example", "null", "https://evil.example"];
    // A copy of a policy's lists is a list no verdict was remembered for: decided afresh.
    const afresh = (policy: OriginPolicy): OriginPolicy => ({
      allowedHosts: Array.isArray(policy.allowedHosts) ? [...policy.allowedHosts] : policy.allowedHosts,
      allowedOrigins: Array.isArray(policy.allowedOrigins) ? [...policy.allowedOrigins] : policy.allowedOrigins,
    });
    const step = fc.record({ policy: fc.constantFrom(...policies), host: fc.constantFrom(...hosts), origin: fc.constantFrom(...origins) });
    let refused = 0;
    let unique = 0;
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
      for (const { policy, host, origin } of steps) {
        const headers: Record<string, string> = origin === null ? { host } : { host, origin };
        const request = new Request("http://127.0.0.1/mcp", { headers });
        const verdict = originViolation(request, policy);
        if (verdict !== undefined) refused++;
        // A Host and an Origin seen nowhere else come between, so nothing remembered can answer the reference.
        originViolation(new Request("http://127.0.0.1/mcp", { headers: { host: `h${++unique}.invalid`, origin: `https://o${unique}.invalid` } }), {});
        assert.equal(verdict, originViolation(request, afresh(policy)), JSON.stringify({ policy, host, origin }));
      }
    }), { numRuns: 300 });
    assert.ok(refused > 0, "some requests are refused");
  });

  test('"any" turns each check off explicitly', async () => {
    const handler = createHandler(testServer(), { allowedHosts: "any", allowedOrigins: "any" });
    try {
      const response = await getSse(handler, "http://public.example/sse", { host: "public.example", origin: "https://anyone.example" });
      assert.equal(response.status, 200);
    } finally {
      await handler.close();
    }
  });

  test("over a socket: a spoofed Host gets 403 and a loopback Host is served (conformance dns-rebinding-protection)", async () => {
    const handler = createHandler(testServer());
    const served = await serveHandler(handler);
    try {
      const port = Number(new URL(served.url).port);
      const evil = await rawRequest(port, "GET /sse HTTP/1.1\r\nHost: evil.example.com\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n");
      assert.match(evil, /^HTTP\/1\.1 403/);
      const good = await rawRequest(port, `GET /sse HTTP/1.1\r\nHost: localhost:${port}\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n`, "event: endpoint");
      assert.match(good, /^HTTP\/1\.1 200/);
    } finally {
      await served.close();
    }
  });
});

/** Sends raw bytes to 127.0.0.1:port; resolves with what came back once `until` appears or the peer closes. */
function rawRequest(port: number, text: string, until?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = "";
    const done = () => {
      socket.destroy();
      resolve(received);
    };
    socket.on("data", (chunk: Uint8Array) => {
      received += new TextDecoder().decode(chunk);
      if (until !== undefined && received.includes(until)) done();
    });
    socket.on("end", done);
    socket.on("close", done);
    socket.on("error", reject);
    socket.write(text);
  });
}
