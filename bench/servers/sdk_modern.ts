/**
 * Server under test: the official SDK v2's `createMcpHandler` (@modelcontextprotocol/server), the
 * entry that serves the 2026-07-28 revision from a per-request server factory. Only workload (h)
 * runs against it (sessionless 2026 `tools/call`, answered JSON: `responseMode: "json"`).
 */
import { z } from "zod";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { host } from "./_host.ts";

function makeServer(): McpServer {
  const server = new McpServer({ name: "bench-sdk-modern", version: "1.0.0" });
  server.registerTool("echo", { description: "Echoes its input", inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({
    content: [{ type: "text", text }],
  }));
  return server;
}

const handler = createMcpHandler(makeServer, { responseMode: "json", keepAliveMs: 0 });

// Wrapped: the runtimes pass their own second argument (Deno's info, Bun's server), which
// createMcpHandler would read as its request options. Nothing outlives a request: no sessions.
await host((request) => handler.fetch(request), { live: () => 0 });
