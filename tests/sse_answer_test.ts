import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { createHandler, McpServer } from "../mod.ts";
import { streamableStats } from "../src/transports/session_streams.ts";
import { initializeMessage, postHeaders, sessionHeaders } from "./_streamable.ts";

function server(): McpServer {
  const s = new McpServer({ name: "sse-answer", version: "1.0.0" });
  s.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: "text", text }] }));
  s.tool("slow", { inputSchema: z.object({}) }, async () => {
    await new Promise((r) => setTimeout(r, 30));
    return { content: [{ type: "text", text: "late" }] };
  });
  return s;
}

/** The data of the `message` events of an SSE body, and the event ids they carried. */
function events(text: string): Array<{ id?: string; data: string }> {
  return text.split("\n\n").filter((block) => block.includes("event: message")).map((block) => {
    const id = /^id: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)![1];
    return id === undefined ? { data } : { id, data };
  });
}

describe("SSE mode: a request answered at once gets its whole SSE body, a slow one the live stream", () => {
  for (const version of ["2025-06-18", "2025-11-25"]) {
    test(`both carry the same events, stored for resumption, and leave no stream behind (${version})`, async () => {
      const handler = createHandler(server(), { responseMode: "sse" });
      const call = (body: unknown, id?: string) =>
        handler.fetch(new Request("http://127.0.0.1/mcp", { method: "POST", headers: postHeaders(id ? sessionHeaders(id, version) : {}), body: JSON.stringify(body) }));
      try {
        const init = await call(initializeMessage(version));
        const id = init.headers.get("mcp-session-id")!;
        await init.text();
        await (await call({ jsonrpc: "2.0", method: "notifications/initialized" }, id)).text();

        const fast = await call({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "hi" } } }, id);
        assert.equal(fast.headers.get("content-type"), "text/event-stream");
        assert.equal(fast.headers.get("mcp-session-id"), null);
        const fastText = await fast.text();

        const slow = await call({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "slow", arguments: {} } }, id);
        assert.equal(slow.headers.get("content-type"), "text/event-stream");
        const reader = slow.body!.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        assert.ok(!first.includes("late"), "the live stream starts before the slow response exists");
        let slowText = first;
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) slowText += new TextDecoder().decode(chunk.value);

        for (const [text, expected] of [[fastText, { jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "hi" }] } }], [slowText, { jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: "late" }] } }]] as const) {
          const found = events(text);
          assert.equal(found.length, 1);
          assert.deepEqual(JSON.parse(found[0].data), expected);
          // A stored event has an id; both answers went through the event store alike.
          assert.ok(found[0].id, `an event id in ${JSON.stringify(text)}`);
          if (version === "2025-11-25") assert.match(text, /^id: \S+\ndata: \n\n/, "2025-11-25 clients get a priming event first");
          else assert.ok(text.startsWith(": stream open\n\n"));
        }
        assert.deepEqual(streamableStats(handler.sessions.get(id)!), { postStreams: 0, connections: 0 });
      } finally {
        await handler.close();
      }
    });
  }
});
