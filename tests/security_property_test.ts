/**
 * Property tests: random hostile requests against every endpoint, in-process through
 * `handler.fetch`. Every answer is well formed with the right status class, errors carry a
 * JSON-RPC body, nothing is rejected unhandled, and the session registry changes only where a
 * session was legitimately opened.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { z } from "zod";
import { bearerAuth, createHandler, McpServer, type TetherHandler } from "../mod.ts";
import {
  assertWellFormed,
  bodyArb,
  buildRequest,
  headersArb,
  methodArb,
  passesDefaultPolicy,
  queryArb,
  RUNS,
  watchUnhandled,
} from "./_hostile.ts";
import { initializeLegacy, type LegacyClient, openLegacy } from "./_legacy.ts";
import { waitFor } from "./_serve.ts";

/** A server whose tools all finish quickly, so random calls leave nothing in flight for long. */
function fuzzServer(): McpServer {
  const server = new McpServer({ name: "fuzz", version: "1" });
  server.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: "text", text }] }));
  server.tool("add", { inputSchema: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }));
  server.tool("fail", {}, () => {
    throw new Error("boom");
  });
  return server;
}

/** Keeps reading a client's stream so random traffic never fills its buffer. */
function drain(client: LegacyClient): Promise<void> {
  return (async () => {
    while ((await client.next()) !== undefined) { /* discard */ }
  })().catch(() => {});
}

const totals = { cases: 0 };

describe(`hostile input (${RUNS} cases per endpoint)`, () => {
  const unhandled = watchUnhandled();
  let handler: TetherHandler;
  let live: LegacyClient;
  let drained: Promise<void>;

  before(async () => {
    handler = createHandler(fuzzServer());
    live = await openLegacy(handler);
    await initializeLegacy(live);
    drained = drain(live);
  });

  after(async () => {
    await live.cancel();
    await drained;
    await handler.close({ graceMs: 1000 });
    unhandled.stop();
    console.log(`property tests: ${totals.cases} hostile cases tried over 4 endpoint groups, ${unhandled.count} unhandled errors, ${handler.sessions.size} sessions left`);
    assert.equal(unhandled.count, 0, `unhandled: ${unhandled.errors.map(String).join("; ")}`);
  });

  test("GET /sse (any method, headers, query): 200 only for an acceptable GET; a session lives exactly as long as its stream", async () => {
    await fc.assert(
      fc.asyncProperty(methodArb, headersArb, queryArb(() => handler.sessions.ids()), bodyArb, async (method, headers, query, body) => {
        const request = buildRequest(`http://localhost/sse${query}`, method, headers, body);
        fc.pre(request !== undefined);
        totals.cases++;
        method = request.method; // the constructor normalises "get" to "GET"
        const before = handler.sessions.size;
        const response = await assertWellFormed(await handler.fetch(request), method === "GET" ? [200, 403, 406] : [403, 405], `${method} /sse`);
        if (!passesDefaultPolicy(headers)) assert.equal(response.status, 403);
        if (response.status === 200) {
          assert.equal(response.headers.get("content-type"), "text/event-stream");
          assert.equal(handler.sessions.size, before + 1);
          await response.body!.cancel();
          await waitFor(() => handler.sessions.size === before, 2000, "the dropped stream's session to close");
        } else {
          assert.equal(handler.sessions.size, before, "no session without a stream");
        }
      }),
      { numRuns: RUNS },
    );
  });

  test("POST /messages (any method, headers, sessionId, body): 202 only for a valid message to a live session; the registry never changes", async () => {
    await fc.assert(
      fc.asyncProperty(methodArb, headersArb, queryArb(() => [live.sessionId]), bodyArb, async (method, headers, query, body) => {
        const request = buildRequest(`http://localhost/messages${query}`, method, headers, body);
        fc.pre(request !== undefined);
        totals.cases++;
        method = request.method;
        const ids = handler.sessions.ids().join();
        const response = await assertWellFormed(
          await handler.fetch(request),
          method === "POST" ? [202, 400, 403, 404, 413, 415] : [403, 405],
          `${method} /messages${query}`,
        );
        if (!passesDefaultPolicy(headers)) assert.equal(response.status, 403);
        if (response.status === 202) {
          assert.equal(new URL(request.url).searchParams.get("sessionId"), live.sessionId, "202 only for the live session");
          if (!response.bodyUsed) await response.body?.cancel();
        }
        assert.equal(handler.sessions.ids().join(), ids, "the registry is unchanged");
      }),
      { numRuns: RUNS },
    );
    assert.ok(handler.sessions.get(live.sessionId), "the live session survived every hostile message");
  });

  test("any other path (including /mcp until it is served): 4xx, JSON-RPC error, no session", async () => {
    const pathArb = fc.oneof(
      fc.constantFrom("/", "/mcp", "/sse/", "/messages/x", "/SSE", "/.well-known/oauth-protected-resource", "//sse", "/%2e%2e/sse"),
      fc.webPath(),
    );
    await fc.assert(
      fc.asyncProperty(methodArb, pathArb, headersArb, queryArb(() => [live.sessionId]), bodyArb, async (method, path, headers, query, body) => {
        const url = `http://localhost${path.startsWith("/") ? path : `/${path}`}${query}`;
        const request = buildRequest(url, method, headers, body);
        fc.pre(request !== undefined);
        const pathname = new URL(request!.url).pathname;
        fc.pre(pathname !== "/sse" && pathname !== "/messages");
        totals.cases++;
        const before = handler.sessions.size;
        const response = await assertWellFormed(await handler.fetch(request), [400, 403, 404, 405, 406, 415], `${method} ${url}`);
        if (!passesDefaultPolicy(headers)) assert.equal(response.status, 403);
        if (!response.bodyUsed) await response.body?.cancel();
        assert.equal(handler.sessions.size, before);
      }),
      { numRuns: RUNS },
    );
  });

  test("with authentication on: every endpoint answers 401/403 unless the token is valid, and only then may a session open", async () => {
    const guarded = createHandler(fuzzServer(), {
      auth: {
        authenticate: bearerAuth({ verify: (t) => (t === "alice-token" ? { id: "alice", scopes: [] } : undefined) }),
        resourceMetadata: { authorization_servers: ["https://auth.example.com"] },
      },
    });
    const pathArb = fc.constantFrom("/sse", "/messages", "/mcp", "/.well-known/oauth-protected-resource/mcp", "/elsewhere");
    try {
      await fc.assert(
        fc.asyncProperty(methodArb, pathArb, headersArb, queryArb(() => [live.sessionId]), bodyArb, async (method, path, headers, query, body) => {
          const request = buildRequest(`http://localhost${path}${query}`, method, headers, body);
          fc.pre(request !== undefined);
          totals.cases++;
          const response = await assertWellFormed(await guarded.fetch(request), [200, 202, 400, 401, 403, 404, 405, 406, 413, 415], `${method} ${path}`);
          const authorized = request.headers.get("authorization")?.trim() === "Bearer alice-token";
          const metadata = path.startsWith("/.well-known/");
          if (!metadata && !passesDefaultPolicy(headers)) assert.equal(response.status, 403);
          else if (!metadata && !authorized) assert.ok(response.status === 401, `unauthenticated ${method} ${path}: ${response.status}`);
          if (response.status === 401) assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer resource_metadata="/);
          if (response.status === 200 && !metadata) {
            assert.equal(guarded.sessions.size, 1);
            await response.body!.cancel();
            await waitFor(() => guarded.sessions.size === 0, 2000, "the dropped stream's session to close");
          } else {
            if (!response.bodyUsed) await response.body?.cancel();
          }
          assert.equal(guarded.sessions.size, 0, "no session outlives its case");
        }),
        { numRuns: RUNS },
      );
    } finally {
      await guarded.close();
    }
  });
});
