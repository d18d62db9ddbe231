/**
 * Server under test: the official SDK's WebStandardStreamableHTTPServerTransport
 * (@modelcontextprotocol/sdk), stateful, one McpServer per session as its documentation shows.
 * `MODE` = json (enableJsonResponse) | sse.
 */
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { env, host, now } from "./_host.ts";

const json = env("MODE", "json") === "json";
const transports = new Map<string, WebStandardStreamableHTTPServerTransport>();

function makeServer(): McpServer {
  const server = new McpServer({ name: "bench-sdk", version: "1.0.0" });
  server.registerTool("echo", { description: "Echoes its input", inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: "text", text }],
  }));
  return server;
}

function error(status: number, message: string): Response {
  return Response.json({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }, { status });
}

async function fetch(request: Request): Promise<Response> {
  const sessionId = request.headers.get("mcp-session-id");
  if (sessionId) {
    const transport = transports.get(sessionId);
    return transport ? transport.handleRequest(request) : error(404, "Session not found");
  }
  if (request.method !== "POST") return error(400, "No session");
  const body = await request.json().catch(() => undefined);
  if (!isInitializeRequest(body)) return error(400, "No valid session ID provided");
  const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
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
  return transport.handleRequest(request, { parsedBody: body });
}

await host(fetch, {
  live: () => transports.size,
  gone: (id) => {
    const transport = transports.get(id);
    if (!transport) return Promise.resolve();
    return new Promise<number>((resolve) => {
      const previous = transport.onclose;
      transport.onclose = () => {
        previous?.();
        resolve(now());
      };
    });
  },
});
