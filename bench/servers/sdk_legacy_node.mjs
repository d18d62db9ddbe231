// Server under test: the official SDK's SSEServerTransport (2024-11-05 HTTP+SSE) on node:http,
// one McpServer per session, as its documentation shows. Runs on Node (and on Bun/Deno through
// their node:http compatibility). Prints `READY <port> <controlPort>`.
import http from "node:http";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";

const transports = new Map();
/** Wall-clock ms, sub-ms precision, as _host.ts's now(). */
const now = () => performance.timeOrigin + performance.now();
const closedWaiters = new Map();

function makeServer() {
  const server = new McpServer({ name: "bench-sdk-legacy", version: "1.0.0" });
  server.registerTool("echo", { description: "Echoes its input", inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: "text", text }],
  }));
  return server;
}

const app = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  if (req.method === "GET" && url.pathname === "/sse") {
    const transport = new SSEServerTransport("/messages", res);
    transports.set(transport.sessionId, transport);
    res.on("close", () => {
      transports.delete(transport.sessionId);
      closedWaiters.get(transport.sessionId)?.(now());
      closedWaiters.delete(transport.sessionId);
    });
    await makeServer().connect(transport);
    return;
  }
  if (req.method === "POST" && url.pathname === "/messages") {
    const transport = transports.get(url.searchParams.get("sessionId"));
    if (!transport) {
      res.writeHead(404).end("Session not found");
      return;
    }
    await transport.handlePostMessage(req, res);
    return;
  }
  res.writeHead(404).end();
});
app.keepAliveTimeout = 60_000;

const control = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  const id = url.searchParams.get("id") ?? "";
  if (url.pathname === "/stats") {
    if (url.searchParams.get("gc") === "1" && globalThis.gc) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 50));
      globalThis.gc();
    }
    const m = process.memoryUsage();
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ live: transports.size, rss: m.rss, heapUsed: m.heapUsed }));
  } else if (url.pathname === "/watch") {
    const done = transports.has(id) ? new Promise((r) => closedWaiters.set(id, r)) : Promise.resolve(now());
    watched.set(id, done);
    res.end("ok");
  } else if (url.pathname === "/wait") {
    const done = watched.get(id);
    if (!done) return void res.writeHead(404).end("not watched");
    let timer;
    const goneAt = await Promise.race([done, new Promise((r) => (timer = setTimeout(() => r(undefined), Number(url.searchParams.get("ms") ?? 5000))))]);
    clearTimeout(timer);
    watched.delete(id);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(goneAt === undefined ? { outcome: "timeout" } : { outcome: "gone", goneAt }));
  } else if (url.pathname === "/now") {
    res.end(String(now()));
  } else {
    res.writeHead(404).end();
  }
});
const watched = new Map();

const listen = (server, port) => new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server.address().port)));
const port = await listen(app, Number(process.env.PORT ?? 0));
const controlPort = await listen(control, Number(process.env.CONTROL_PORT ?? 0));
console.log(`READY ${port} ${controlPort}`);
