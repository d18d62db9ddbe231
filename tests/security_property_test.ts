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
  statusCounts,
  watchUnhandled,
} from "./_hostile.ts";
import { initializeLegacy, type LegacyClient, openLegacy } from "./_legacy.ts";
import { MCP_URL, mcpDelete, mcpInitialize, mcpMessages, servesMcp } from "./_mcp_inproc.ts";
import { waitFor } from "./_serve.ts";
import { modernHeaders, request as modernRequest } from "./_modern.ts";

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

const totals = { cases: 0, groups: 0 };

/** Bun stops a node:test test after 5 s unless told otherwise; 10,000 cases take longer on a busy CI machine. */
const LONG = { timeout: 300_000 };

// Whether this build serves Streamable HTTP at /mcp: then /mcp gets a property of its own,
// otherwise it is one more path that must answer 404.
const MCP_SERVED = await (async () => {
  const probe = createHandler(fuzzServer());
  try {
    return await servesMcp(probe);
  } finally {
    await probe.close({ graceMs: 0 });
  }
})();

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
    console.log(`property tests: ${totals.cases} hostile cases tried over ${totals.groups} endpoint groups${MCP_SERVED ? " (/mcp included)" : ""}, ${unhandled.count} unhandled errors`);
    for (const [group, counts] of Object.entries(statusCounts).sort()) {
      if (Object.values(counts).reduce((a, b) => a + b, 0) >= 100) console.log(`  ${group}: ${Object.entries(counts).map(([s, n]) => `${s}×${n}`).join(" ")}`);
    }
    assert.equal(unhandled.count, 0, `unhandled: ${unhandled.errors.map(String).join("; ")}`);
  });

  test("GET /sse (any method, headers, query): 200 only for an acceptable GET; a session lives exactly as long as its stream", LONG, async () => {
    await fc.assert(
      fc.asyncProperty(methodArb, headersArb({ accept: "text/event-stream" }), queryArb(() => handler.sessions.ids()), bodyArb, async (method, headers, query, body) => {
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
    totals.groups++;
  });

  test("POST /messages (any method, headers, sessionId, body): 202 only for a valid message to a live session; the registry never changes", LONG, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("POST", "POST", "POST", "GET", "DELETE", "PUT"), headersArb({ "content-type": "application/json" }), queryArb(() => [live.sessionId]), bodyArb, async (asked, headers, query, body) => {
        const request = buildRequest(`http://localhost/messages${query}`, asked, headers, body);
        fc.pre(request !== undefined);
        totals.cases++;
        const method = request.method;
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
    totals.groups++;
    assert.ok(handler.sessions.get(live.sessionId), "the live session survived every hostile message");
  });

  test(`any other path${MCP_SERVED ? "" : " (including /mcp, not served in this build)"}: 4xx, JSON-RPC error, no session`, LONG, async () => {
    const pathArb = fc.oneof(
      fc.constantFrom("/", "/mcp/", "/MCP", "/sse/", "/messages/x", "/SSE", "/.well-known/oauth-protected-resource", "//sse", "/%2e%2e/sse"),
      fc.array(fc.stringMatching(/^[a-zA-Z0-9._~%-]{0,12}$/), { maxLength: 4 }).map((parts) => `/${parts.join("/")}`),
    );
    await fc.assert(
      fc.asyncProperty(methodArb, pathArb, headersArb(), queryArb(() => [live.sessionId]), bodyArb, async (method, path, headers, query, body) => {
        const url = `http://localhost${path.startsWith("/") ? path : `/${path}`}${query}`;
        const request = buildRequest(url, method, headers, body);
        fc.pre(request !== undefined);
        const pathname = new URL(request!.url).pathname;
        fc.pre(pathname !== "/sse" && pathname !== "/messages" && !(MCP_SERVED && pathname === "/mcp"));
        totals.cases++;
        const before = handler.sessions.size;
        const response = await assertWellFormed(await handler.fetch(request), [400, 403, 404, 405, 406, 415], `${method} ${url}`);
        if (!passesDefaultPolicy(headers)) assert.equal(response.status, 403);
        if (!response.bodyUsed) await response.body?.cancel();
        assert.equal(handler.sessions.size, before);
      }),
      { numRuns: RUNS },
    );
    totals.groups++;
  });

  if (MCP_SERVED) {
    test("/mcp (any method, headers, Mcp-Session-Id, body): right status class; the registry changes only by a successful initialize or DELETE", LONG, async () => {
      let liveId = (await mcpInitialize(handler))!;
      const sessionArb = fc.oneof(
        { weight: 4, arbitrary: fc.constant("live") },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{32}$/) },
        { weight: 1, arbitrary: fc.stringMatching(/^[\x21-\x7e]{0,40}$/) },
      );
      const allowedFor: Record<string, number[]> = {
        POST: [200, 202, 400, 403, 404, 406, 413, 415],
        GET: [200, 400, 403, 404, 406, 409],
        DELETE: [200, 400, 403, 404],
      };
      // 2026-07-28 requests (sessionless: their own headers, an envelope in _meta) share the endpoint.
      const modernArb = fc.oneof(
        fc.constant(modernRequest(1, "tools/list")),
        fc.constant(modernRequest(2, "server/discover")),
        fc.string({ maxLength: 30 }).map((text) => modernRequest(3, "tools/call", { name: "echo", arguments: { text } })),
        fc.constantFrom("add", "fail", "nope").map((name) => modernRequest(4, "tools/call", { name, arguments: { a: 1, b: 2 } })),
        fc.constant(modernRequest(5, "ping")),
        fc.constant(modernRequest(6, "tools/list", {}, { "io.modelcontextprotocol/protocolVersion": "2099-01-01" })),
      );
      const payloadArb = fc.oneof(
        { weight: 3, arbitrary: bodyArb.map((body) => ({ body, modern: undefined as Record<string, any> | undefined })) },
        { weight: 1, arbitrary: modernArb.map((m) => ({ body: JSON.stringify(m) as string | Uint8Array | undefined, modern: m as Record<string, any> | undefined })) },
      );
      await fc.assert(
        fc.asyncProperty(methodArb, headersArb({ "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" }), sessionArb, payloadArb, async (method, rawHeaders, sessionChoice, { body, modern }) => {
          const headers = { ...rawHeaders };
          delete headers["mcp-session-id"];
          if (modern) Object.assign(headers, modernHeaders(modern as { method: string; params?: Record<string, unknown> }));
          else if (sessionChoice !== undefined) headers["mcp-session-id"] = sessionChoice === "live" ? liveId : sessionChoice;
          const request = buildRequest(MCP_URL, method, headers, body);
          fc.pre(request !== undefined);
          totals.cases++;
          method = request!.method;
          const before = new Set(handler.sessions.ids());
          const response = await assertWellFormed(await handler.fetch(request!), allowedFor[method] ?? [403, 405], `${method} /mcp`);
          if (!passesDefaultPolicy(headers)) assert.equal(response.status, 403);
          if (response.status === 200 && method === "POST") {
            for (const message of await mcpMessages(response)) assert.equal(message.jsonrpc, "2.0");
          } else if (!response.bodyUsed) {
            await response.body?.cancel();
          }
          const after = new Set(handler.sessions.ids());
          const created = [...after].filter((id) => !before.has(id));
          const removed = [...before].filter((id) => !after.has(id));
          if (created.length > 0) {
            assert.equal(created.length, 1);
            assert.equal(method, "POST");
            assert.equal(response.status, 200);
            assert.equal(response.headers.get("mcp-session-id"), created[0], "only an initialize that succeeded adds a session");
            assert.equal((await mcpDelete(handler, created[0])).status, 200);
          }
          if (removed.length > 0) {
            assert.deepEqual(removed, [liveId], "only DELETE of the session removes it");
            assert.equal(method, "DELETE");
            assert.equal(response.status, 200);
            liveId = (await mcpInitialize(handler))!;
          }
        }),
        { numRuns: RUNS },
      );
      totals.groups++;
      await mcpDelete(handler, liveId);
    });
  }

  test("with authentication on: every endpoint answers 401/403 unless the token is valid, and only then may a session open", LONG, async () => {
    const guarded = createHandler(fuzzServer(), {
      auth: {
        authenticate: bearerAuth({ verify: (t) => (t === "alice-token" ? { id: "alice", scopes: [] } : undefined) }),
        resourceMetadata: { authorization_servers: ["https://auth.example.com"] },
      },
    });
    const pathArb = fc.constantFrom("/sse", "/messages", "/mcp", "/.well-known/oauth-protected-resource/mcp", "/elsewhere");
    try {
      await fc.assert(
        fc.asyncProperty(methodArb, pathArb, headersArb(), queryArb(() => [live.sessionId]), bodyArb, async (method, path, headers, query, body) => {
          const request = buildRequest(`http://localhost${path}${query}`, method, headers, body);
          fc.pre(request !== undefined);
          totals.cases++;
          const response = await assertWellFormed(await guarded.fetch(request), [200, 202, 400, 401, 403, 404, 405, 406, 409, 413, 415], `${method} ${path}`);
          const authorized = request.headers.get("authorization")?.trim() === "Bearer alice-token";
          const metadata = path.startsWith("/.well-known/");
          if (!metadata && !passesDefaultPolicy(headers)) assert.equal(response.status, 403);
          else if (!metadata && !authorized) assert.ok(response.status === 401, `unauthenticated ${method} ${path}: ${response.status}`);
          if (response.status === 401) assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer resource_metadata="/);
          if (guarded.sessions.size > 0) assert.ok(authorized && response.status === 200, "only an authorized request opens a session");
          if (!response.bodyUsed) await response.body?.cancel();
          // A legacy session ends with its stream; a Streamable HTTP one is ended with DELETE.
          for (const id of guarded.sessions.ids()) {
            if (guarded.sessions.get(id)?.transport === "streamable") await mcpDelete(guarded, id, { authorization: "Bearer alice-token" });
          }
          await waitFor(() => guarded.sessions.size === 0, 2000, "the case's session to close");
          assert.equal(guarded.sessions.size, 0, "no session outlives its case");
        }),
        { numRuns: RUNS },
      );
      totals.groups++;
    } finally {
      await guarded.close();
    }
  });
});
