/**
 * Tether on Cloudflare Workers: the whole MCP server is the module's `fetch`.
 *
 * Deploy with wrangler (wrangler.toml beside your bundle):
 *
 *   name = "tether-example"
 *   main = "examples/worker.ts"
 *   compatibility_date = "2025-06-01"
 *   # Required: without it workerd never tells the worker that an SSE client went away.
 *   compatibility_flags = ["enable_request_signal"]
 *
 * How a disconnect is noticed on workerd (measured under Miniflare 4 / workerd 2026-04-26):
 * once an SSE response is returned, nothing fires when the client goes; with
 * `enable_request_signal`, `request.signal` aborts when the next write to the dead connection
 * fails, and that closes the session. So `keepAliveMs` is the detection delay here: 5 s below
 * (Tether's default is 15 s). Without the flag the session is never told: a legacy SSE session
 * would stay until shutdown, and Streamable HTTP sessions only end at the idle timeout.
 *
 * Sessions live in the isolate's memory: a legacy SSE client's POSTs must reach the isolate
 * holding its stream (true for `wrangler dev`, Miniflare and single-isolate deployments; route a
 * session to one Durable Object when scaling out).
 *
 * Tested under Miniflare (workerd) by tests/node/workers.node-test.mjs.
 */
import { z } from "zod";
import { createHandler, McpServer, type TetherHandler } from "../mod.ts";

/** The server definition (shared by every session of this isolate). */
export const server: McpServer = new McpServer({ name: "tether-worker", version: "0.1.0" });

server.tool("echo", {
  description: "Echoes its text",
  inputSchema: z.object({ text: z.string() }),
}, ({ text }) => ({ content: [{ type: "text", text }] }));

server.tool("now", {
  description: "The current time as an ISO 8601 string",
  annotations: { readOnlyHint: true },
}, () => ({ content: [{ type: "text", text: new Date().toISOString() }] }));

/**
 * The Tether handler: its sessions live in this isolate. Only loopback Host names are served by
 * default (DNS-rebinding protection); deployed under a public name, list it, e.g.
 * `allowedHosts: ["tether-worker.example.workers.dev"]`.
 */
export const handler: TetherHandler = createHandler(server, { keepAliveMs: 5_000, idleTimeoutMs: 5 * 60_000 });

export default {
  fetch(request: Request, env: unknown): Promise<Response> {
    return handler.fetch(request, env);
  },
};
