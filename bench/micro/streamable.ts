/**
 * In-process microbenchmark of Tether's Streamable HTTP POST path (no sockets): handler.fetch
 * on a synthetic Request, response body read to the end. For checking hot-path changes fast.
 * Run: MODE=auto|json|sse N=20000 deno run -A bench/micro/streamable.ts   (or bun run …)
 * MODE=bare runs the same requests against a handler with no MCP logic (the floor), MODE=mcp-lite
 * against mcp-lite (the best peer over HTTP), in process: the two compare without socket noise.
 * C=16 runs that many requests at once on the session (at most maxStreamsPerSession, 32), as under load.
 */
import { z } from "zod";
import { createHandler, type HandlerOptions, McpServer } from "../../mod.ts";
import { cpuRounds } from "./_cpu_rounds.ts";
import { env, runtime } from "../servers/_host.ts";
import { createMcpLite } from "../servers/_mcp_lite_app.ts";

const N = Number(env("N", "20000"));
const mode = env("MODE", "auto");
const concurrency = Number(env("C", "1"));

const server = new McpServer({ name: "micro", version: "1.0.0" });
server.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: "text", text }] }));
const tether = createHandler(server, { responseMode: mode } as HandlerOptions);
/** MODE=bare: the same requests against a handler with no MCP logic (the floor). */
const bare = {
  async fetch(request: Request): Promise<Response> {
    const message = JSON.parse(await request.text());
    if (message.id === undefined) return new Response(null, { status: 202 });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (message.method === "initialize") headers["mcp-session-id"] = crypto.randomUUID();
    return new Response(JSON.stringify({ jsonrpc: "2.0", id: message.id, result: { content: [{ type: "text", text: message.params?.arguments?.text }] } }), { headers });
  },
  close: () => Promise.resolve(),
};
const handler = mode === "bare" ? bare : mode === "mcp-lite" ? { ...createMcpLite(), close: () => Promise.resolve() } : tether;
// mcp-lite answers JSON only to clients that do not accept SSE.
const accept = mode === "mcp-lite" ? "application/json" : "application/json, text/event-stream";

const init = await handler.fetch(new Request("http://127.0.0.1/mcp", {
  method: "POST",
  headers: { "content-type": "application/json", accept },
  body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "m", version: "1" } } }),
}));
await init.text();
const sid = init.headers.get("mcp-session-id")!;
// As a runtime's server hands them over: with a Host (else the Host check parses the URL).
const headers = { "content-type": "application/json", accept, host: "127.0.0.1", "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" };
await (await handler.fetch(new Request("http://127.0.0.1/mcp", { method: "POST", headers, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' }))).text();

let id = 0;
const encoder = new TextEncoder();
async function once(): Promise<void> {
  const body = `{"jsonrpc":"2.0","id":${++id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello bench"}}}`;
  // As a runtime's server would hand it over: with its Content-Length, the body as bytes (a
  // string body would make the handler's byte reads pay for encoding it).
  const r = await handler.fetch(new Request("http://127.0.0.1/mcp", { method: "POST", headers: { ...headers, "content-length": String(body.length) }, body: encoder.encode(body) }));
  const text = await r.text();
  if (r.status !== 200 || !text.includes("hello bench")) throw new Error(`${r.status} ${text}`);
}
for (let i = 0; i < 3000; i++) await once();
const rounds = await cpuRounds(5, N / 5, once, concurrency);
console.log(`${runtime} ${mode}${concurrency > 1 ? ` C=${concurrency}` : ""}: ${rounds[2].toFixed(2)} CPU µs/op (min ${rounds[0].toFixed(2)})`);
await handler.close();
