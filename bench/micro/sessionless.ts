/**
 * In-process microbenchmark of a sessionless 2026-07-28 tools/call (the `_meta` envelope and the
 * MCP-Protocol-Version / Mcp-Method / Mcp-Name headers, as bench/wrk/call2026.lua sends it): handler.fetch
 * on a synthetic Request, body read to the end, in CPU time. Run: deno run -A bench/micro/sessionless.ts (or bun run …)
 */
import { z } from "zod";
import { createHandler, type HandlerOptions, McpServer } from "../../mod.ts";
import { cpuRounds } from "./_cpu_rounds.ts";
const g = globalThis as Record<string, any>;
const N = Number((g.Deno ? g.Deno.env.get("N") : g.process?.env?.N) ?? 20000);
const server = new McpServer({ name: "micro", version: "1.0.0" });
server.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: "text", text }] }));
const handler = createHandler(server, { responseMode: "auto" } as HandlerOptions);
let id = 0;
const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo" };
async function once() {
  const body = `{"jsonrpc":"2.0","id":${++id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello bench"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"bench","version":"1.0.0"}}}}`;
  const r = await handler.fetch(new Request("http://127.0.0.1/mcp", { method: "POST", headers: { ...headers, "content-length": String(body.length) }, body }));
  const text = await r.text();
  if (r.status !== 200 || !text.includes("hello bench")) throw new Error(`${r.status} ${text}`);
}
for (let i = 0; i < 3000; i++) await once();
const rounds = await cpuRounds(5, N / 5, once);
console.log(`${g.Bun ? "bun" : "deno"} 2026: ${rounds[2].toFixed(2)} CPU µs/op (min ${rounds[0].toFixed(2)})`);
await handler.close();
