/**
 * Asking for input in 2024/2025 sessions: the SDK v1 client over 2024-11-05 HTTP+SSE answers
 * the server→client requests; capabilities are checked; a session closing mid-question rejects
 * the question at once and leaves nothing pending.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { Client } from "./_sdk.ts";
import { SSEClientTransport } from "./_sdk.ts";
import { StreamableHTTPClientTransport } from "./_sdk.ts";
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from "./_sdk.ts";
import { createHandler, ErrorCode, type McpServer, SessionClosedError } from "../mod.ts";
import { answer, inputServer, TRIP_RESULT, type TripCounters } from "./_input_fixtures.ts";
import { serveHandler, waitFor } from "./_serve.ts";

type Capabilities = { elicitation?: Record<string, unknown>; sampling?: Record<string, unknown>; roots?: Record<string, unknown> };

type Kind = "sse" | "streamable";

function transportFor(kind: Kind, url: string) {
  return kind === "sse" ? new SSEClientTransport(new URL(`${url}/sse`)) : new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
}

/** A v1 client (2024-11-05 HTTP+SSE or 2025 Streamable HTTP) that answers questions like every test client. */
async function sseClient(url: string, capabilities: Capabilities, kind: Kind = "sse") {
  const client = new Client({ name: `v1-${kind}`, version: "1" }, { capabilities });
  if (capabilities.elicitation) client.setRequestHandler(ElicitRequestSchema, (r) => answer(r.method, r.params) as never);
  if (capabilities.sampling) client.setRequestHandler(CreateMessageRequestSchema, (r) => answer(r.method, r.params) as never);
  if (capabilities.roots) client.setRequestHandler(ListRootsRequestSchema, (r) => answer(r.method, r.params ?? {}) as never);
  await client.connect(transportFor(kind, url));
  return client;
}

function text(result: Record<string, unknown>): string {
  return ((result.content as Array<{ text: string }>)[0]).text;
}

async function withServer(server: McpServer, body: (url: string, handler: ReturnType<typeof createHandler>) => Promise<void>, requestTimeoutMs?: number) {
  const handler = createHandler(server, requestTimeoutMs === undefined ? {} : { requestTimeoutMs });
  const served = await serveHandler(handler);
  try {
    await body(served.url, handler);
  } finally {
    await served.close();
  }
}

describe("asking for input in 2024/2025 sessions", () => {
  for (const kind of ["sse", "streamable"] as const) {
    test(`SDK v1 over ${kind === "sse" ? "2024-11-05 HTTP+SSE" : "2025 Streamable HTTP"}: elicit then sample gives the same result as every other client`, async () => {
      const counters: TripCounters = { runs: 0, booked: 0 };
      await withServer(inputServer(counters), async (url) => {
        const client = await sseClient(url, { elicitation: {}, sampling: {} }, kind);
        try {
          const result = await client.callTool({ name: "plan_trip", arguments: {} });
          assert.equal(text(result), TRIP_RESULT);
          assert.deepEqual(counters, { runs: 1, booked: 1 }, "sessions run the handler once: questions are awaited in place");
        } finally {
          await client.close();
        }
      });
    });
  }

  test("questions asked together are sent at once and answered together", async () => {
    await withServer(inputServer(), async (url) => {
      const client = await sseClient(url, { elicitation: {}, sampling: {}, roots: {} });
      try {
        assert.equal(text(await client.callTool({ name: "ask_both", arguments: {} })), "Ada: Ride tram 28");
        assert.equal(text(await client.callTool({ name: "list_roots", arguments: {} })), "file:///repo");
      } finally {
        await client.close();
      }
    });
  });

  test("a question the client did not declare is never sent: -32021 with requiredCapabilities", async () => {
    await withServer(inputServer(), async (url, handler) => {
      const client = await sseClient(url, { sampling: {} });
      try {
        await assert.rejects(client.callTool({ name: "plan_trip", arguments: {} }), (error: { code?: number; data?: unknown }) => {
          assert.equal(error.code, ErrorCode.MissingRequiredClientCapability);
          assert.deepEqual(error.data, { requiredCapabilities: { elicitation: {} } });
          return true;
        });
        assert.equal(text(await client.callTool({ name: "maybe_ask", arguments: {} })), "no elicitation: default");
        const session = handler.sessions.get(handler.sessions.ids()[0])!;
        assert.equal(session.pendingCount, 0);
      } finally {
        await client.close();
      }
    });
  });

  for (const kind of ["sse", "streamable"] as const) test(`a ${kind} session closing mid-question rejects the question at once and leaves nothing pending`, async () => {
    const server = inputServer();
    let settled: (value: unknown) => void;
    const outcome = new Promise((resolve) => (settled = resolve));
    server.tool("wait_for_answer", {}, async (_args, ctx) => {
      try {
        await ctx.elicit("Still there?", z.object({ ok: z.boolean() }));
        settled("answered");
      } catch (error) {
        settled(error);
      }
      return { content: [] };
    });
    await withServer(server, async (url, handler) => {
      const client = new Client({ name: "silent", version: "1" }, { capabilities: { elicitation: {} } });
      // The client never answers: the question stays open until the session ends.
      client.setRequestHandler(ElicitRequestSchema, () => new Promise(() => {}));
      try {
        await client.connect(transportFor(kind, url));
        const call = client.callTool({ name: "wait_for_answer", arguments: {} }).catch(() => "client saw the end");
        const session = handler.sessions.get(handler.sessions.ids()[0])!;
        await waitFor(() => session.pendingCount === 1, 5000, "the elicitation to be pending");
        session.close("deleted");
        const error = await outcome;
        assert.ok(error instanceof SessionClosedError, `expected SessionClosedError, got ${error}`);
        assert.equal(session.pendingCount, 0);
        assert.equal(session.inFlightCount, 0);
        assert.equal(handler.sessions.size, 0);
        await client.close();
        await call;
      } finally {
        await client.close();
      }
    });
  });

  test("an unanswered question times out with a clear error and leaves nothing pending", async () => {
    const server = inputServer();
    server.tool("impatient", {}, async (_args, ctx) => {
      const r = await ctx.elicit("Quick?", z.object({ ok: z.boolean() }), { timeoutMs: 50 });
      return { content: [{ type: "text", text: r.action }] };
    });
    await withServer(server, async (url, handler) => {
      const client = new Client({ name: "slow", version: "1" }, { capabilities: { elicitation: {} } });
      client.setRequestHandler(ElicitRequestSchema, () => new Promise(() => {}));
      try {
        await client.connect(new SSEClientTransport(new URL(`${url}/sse`)));
        await assert.rejects(client.callTool({ name: "impatient", arguments: {} }), /timed out/);
        assert.equal(handler.sessions.get(handler.sessions.ids()[0])!.pendingCount, 0);
      } finally {
        await client.close();
      }
    });
  });

  test("an answer that does not match the requested schema is rejected, naming the question", async () => {
    await withServer(inputServer(), async (url) => {
      const client = new Client({ name: "odd", version: "1" }, { capabilities: { elicitation: {}, sampling: {} } });
      client.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: { destination: 42, confirm: true } }) as never);
      try {
        await client.connect(new SSEClientTransport(new URL(`${url}/sse`)));
        await assert.rejects(client.callTool({ name: "plan_trip", arguments: {} }), (error: { code?: number; message?: string }) => {
          assert.equal(error.code, ErrorCode.InvalidParams);
          assert.match(error.message ?? "", /elicitation-1/);
          return true;
        });
      } finally {
        await client.close();
      }
    });
  });
});
