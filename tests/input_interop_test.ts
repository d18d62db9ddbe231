/**
 * One tool that asks for an elicitation and then a sampling, called by every client generation
 * through one Tether handler: SDK v1 over 2024-11-05 HTTP+SSE, SDK v1 over 2025 Streamable
 * HTTP, and SDK v2 negotiated to 2026-07-28 with its automatic input fulfilment. Same result.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client as V1Client } from "./_sdk.ts";
import { SSEClientTransport } from "./_sdk.ts";
import { StreamableHTTPClientTransport as V1StreamableTransport } from "./_sdk.ts";
import { CreateMessageRequestSchema, ElicitRequestSchema } from "./_sdk.ts";
import { Client as V2Client, StreamableHTTPClientTransport as V2StreamableTransport } from "@modelcontextprotocol/client";
import { attachPrincipal, createHandler, ErrorCode } from "../mod.ts";
import { answer, inputServer, TRIP_RESULT, type TripCounters } from "./_input_fixtures.ts";
import { serveHandler } from "./_serve.ts";

function text(result: unknown): string {
  return (((result as { content?: unknown }).content as Array<{ text: string }>)[0]).text;
}

function v2Client(capabilities: Record<string, unknown>) {
  const client = new V2Client({ name: "sdk-v2", version: "1" }, { capabilities, versionNegotiation: { mode: { pin: "2026-07-28" } } });
  if ("elicitation" in capabilities) client.setRequestHandler("elicitation/create", (r) => answer(r.method, r.params as Record<string, unknown>) as never);
  if ("sampling" in capabilities) client.setRequestHandler("sampling/createMessage", (r) => answer(r.method, r.params as Record<string, unknown>) as never);
  return client;
}

describe("one tool asking for input, every client generation", () => {
  test("v1 over HTTP+SSE, v1 over Streamable HTTP and v2 at 2026-07-28 get the same result; the action runs once per call", async () => {
    const counters: TripCounters = { runs: 0, booked: 0 };
    const handler = createHandler(inputServer(counters), { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    try {
      const results: string[] = [];
      for (const transport of [new SSEClientTransport(new URL(`${served.url}/sse`)), new V1StreamableTransport(new URL(`${served.url}/mcp`))]) {
        const client = new V1Client({ name: "sdk-v1", version: "1" }, { capabilities: { elicitation: {}, sampling: {} } });
        client.setRequestHandler(ElicitRequestSchema, (r) => answer(r.method, r.params) as never);
        client.setRequestHandler(CreateMessageRequestSchema, (r) => answer(r.method, r.params) as never);
        try {
          await client.connect(transport);
          results.push(text(await client.callTool({ name: "plan_trip", arguments: {} })));
        } finally {
          await client.close();
        }
      }
      const modern = v2Client({ elicitation: {}, sampling: {} });
      try {
        await modern.connect(new V2StreamableTransport(new URL(`${served.url}/mcp`)));
        const before = handler.sessions.size;
        results.push(text(await modern.callTool({ name: "plan_trip", arguments: {} }) as { content?: unknown }));
        assert.equal(handler.sessions.size, before, "2026 rounds keep nothing on the server");
      } finally {
        await modern.close();
      }
      assert.deepEqual(results, [TRIP_RESULT, TRIP_RESULT, TRIP_RESULT]);
      assert.equal(counters.booked, 3, "the work after the last question ran once per call");
      assert.equal(counters.runs, 1 + 1 + 3, "sessions run the handler once; 2026 re-runs it per round (ask, ask, complete)");
    } finally {
      await served.close();
    }
  });

  test("a 2026 client without the elicitation capability gets -32021 with requiredCapabilities", async () => {
    const handler = createHandler(inputServer(), { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    const client = v2Client({ sampling: {} });
    try {
      await client.connect(new V2StreamableTransport(new URL(`${served.url}/mcp`)));
      await assert.rejects(client.callTool({ name: "plan_trip", arguments: {} }), (error: { code?: number; data?: unknown }) => {
        assert.equal(error.code, ErrorCode.MissingRequiredClientCapability);
        assert.deepEqual(error.data, { requiredCapabilities: { elicitation: {} } });
        return true;
      });
    } finally {
      await client.close();
      await served.close();
    }
  });

  test("raw 2026 POST: -32021 answers HTTP 400; a tampered requestState is a JSON-RPC error", async () => {
    const handler = createHandler(inputServer(), { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    const post = (id: number, params: Record<string, unknown>, capabilities: Record<string, unknown>) =>
      fetch(`${served.url}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/call",
          "mcp-name": String(params.name),
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id,
          method: "tools/call",
          params: { ...params, _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": capabilities } },
        }),
      });
    const readJson = async (response: Response) => {
      const body = await response.text();
      const data = body.startsWith("{") ? body : body.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).pop()!;
      return JSON.parse(data);
    };
    try {
      const missing = await post(1, { name: "plan_trip", arguments: {} }, { sampling: {} });
      const missingBody = await readJson(missing);
      assert.equal(missingBody.error.code, ErrorCode.MissingRequiredClientCapability);
      assert.match(missing.headers.get("content-type") ?? "", /application\/json/);
      assert.equal(missing.status, 400);
      const first = await readJson(await post(2, { name: "plan_trip", arguments: {} }, { elicitation: {}, sampling: {} }));
      assert.equal(first.result.resultType, "input_required");
      const tampered = await readJson(await post(3, { name: "plan_trip", arguments: {}, requestState: first.result.requestState + "-TAMPERED" }, { elicitation: {}, sampling: {} }));
      assert.equal(tampered.error.code, ErrorCode.InvalidParams);
    } finally {
      await served.close();
    }
  });

  test("over HTTP, a requestState issued to one principal is rejected for another and for none", async () => {
    const counters: TripCounters = { runs: 0, booked: 0 };
    const handler = createHandler(inputServer(counters), { keepAliveMs: 0 });
    const call = (id: number, params: Record<string, unknown>, user?: string) => {
      const body = {
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: {
          ...params,
          _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": { elicitation: {}, sampling: {} } },
        },
      };
      const request = new Request("http://127.0.0.1/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/call",
          "mcp-name": "plan_trip",
        },
        body: JSON.stringify(body),
      });
      // What an authentication middleware in front of Tether does.
      if (user !== undefined) attachPrincipal(request, { user });
      return handler.fetch(request).then((r) => r.json());
    };
    try {
      const first = await call(1, { name: "plan_trip", arguments: {} }, "ada");
      assert.equal(first.result.resultType, "input_required");
      const inputResponses = { "elicitation-1": answer("elicitation/create", { requestedSchema: { properties: { destination: {} } } }) };
      const runs = counters.runs;
      for (const [id, user] of [[2, "mallory"], [3, undefined]] as const) {
        const stolen = await call(id, { name: "plan_trip", arguments: {}, inputResponses, requestState: first.result.requestState }, user);
        assert.equal(stolen.error?.code, ErrorCode.InvalidParams, `principal ${user}`);
      }
      assert.equal(counters.runs, runs, "no handler ran for the stolen state");
      const own = await call(4, { name: "plan_trip", arguments: {}, inputResponses, requestState: first.result.requestState }, "ada");
      assert.deepEqual(Object.keys(own.result.inputRequests), ["sampling-2"], "the principal who got the state goes on to the next question");
    } finally {
      await handler.close();
    }
  });
});
