/**
 * Server under test: @hono/mcp's StreamableHTTPTransport on a Hono app, stateful, one SDK
 * McpServer per session. `MODE` = json (enableJsonResponse) | sse.
 */
import { z } from "zod";
import { Hono } from "hono";
import { StreamableHTTPTransport } from "@hono/mcp";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { env, host } from "./_host.ts";

const json = env("MODE", "json") === "json";
const transports = new Map<string, StreamableHTTPTransport>();

function makeServer(): McpServer {
  const server = new McpServer({ name: "bench-hono", version: "1.0.0" });
  server.registerTool("echo", { description: "Echoes its input", inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: "text", text }],
  }));
  return server;
}

const app = new Hono();
app.all("/mcp", async (c) => {
  const sessionId = c.req.header("mcp-session-id");
  if (sessionId) {
    const transport = transports.get(sessionId);
    if (!transport) return c.json({ jsonrpc: "2.0", error: { code: -32000, message: "Session not found" }, id: null }, 404);
    return transport.handleRequest(c);
  }
  const body = await c.req.json().catch(() => undefined);
  if (!isInitializeRequest(body)) return c.json({ jsonrpc: "2.0", error: { code: -32000, message: "No session" }, id: null }, 400);
  const transport: StreamableHTTPTransport = new StreamableHTTPTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    enableJsonResponse: json,
    onsessioninitialized: (id) => {
      transports.set(id, transport);
    },
  });
  transport.onclose = () => {
    if (transport.sessionId) transports.delete(transport.sessionId);
  };
  await makeServer().connect(transport);
  return transport.handleRequest(c, body);
});

await host(app.fetch, { live: () => transports.size });
