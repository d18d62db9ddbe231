/** A small server used across tests. */
import { z } from "zod";
import { type CallToolResult, McpServer } from "../mod.ts";

/** Builds the test server: echo, add, fail, slow (waits for abort or `ms`). */
export function testServer(): McpServer {
  const server = new McpServer({ name: "tether-test", version: "0.0.1" });
  server.tool("echo", {
    description: "Echoes its text",
    inputSchema: z.object({ text: z.string() }),
  }, ({ text }) => ({ content: [{ type: "text", text }] }));
  server.tool("add", {
    description: "Adds two numbers",
    inputSchema: z.object({ a: z.number(), b: z.number() }),
    outputSchema: z.object({ sum: z.number() }),
  }, ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }], structuredContent: { sum: a + b } }));
  server.tool("fail", { description: "Always throws" }, () => {
    throw new Error("boom");
  });
  server.tool("slow", {
    description: "Waits `ms` milliseconds or until aborted",
    inputSchema: z.object({ ms: z.number().default(60_000) }),
  }, ({ ms }, ctx) => doneAfter(ms, ctx.signal));
  return server;
}

/** A `"done"` tool result after `ms` milliseconds; rejects (and clears its timer) when `signal` aborts first. */
export function doneAfter(ms: number, signal: AbortSignal): Promise<CallToolResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve({ content: [{ type: "text", text: "done" }] }), ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    }, { once: true });
  });
}
