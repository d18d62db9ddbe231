/**
 * In-process microbenchmark of workload (d), session setup and teardown (no sockets): initialize →
 * notifications/initialized → DELETE through handler.fetch, bodies read to the end. Prints the
 * CPU µs per cycle of the best and the median of 6 rounds.
 * CONC sessions cycle at once (default 1; the wrk workload (d) runs 16, so its sessions overlap).
 * Run: N=5000 CONC=16 deno run -A bench/micro/session_cycle.ts   (or bun run …); pin it (taskset -c 1) on a busy machine.
 * MODE=mcp-lite runs the same cycle against mcp-lite (the best peer over HTTP), in process.
 */
import { z } from "zod";
import { createHandler, McpServer } from "../../mod.ts";
import { cpuRounds } from "./_cpu_rounds.ts";
import { env } from "../servers/_host.ts";
import { createMcpLite } from "../servers/_mcp_lite_app.ts";

const N = Number(env("N", "5000"));
const CONC = Number(env("CONC", "1"));

const server = new McpServer({ name: "micro", version: "1.0.0" });
server.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: "text", text }] }));
const mcpLite = env("MODE") === "mcp-lite" ? createMcpLite() : undefined;
const tether = mcpLite ? undefined : createHandler(server, { responseMode: "json" });
const handler = mcpLite ?? tether!;
const live = () => mcpLite ? mcpLite.live() : tether!.sessions.size;
const url = "http://127.0.0.1:8000/mcp";
const host = "127.0.0.1:8000";
// mcp-lite answers JSON only to clients that do not accept SSE.
const accept = mcpLite ? "application/json" : "application/json, text/event-stream";
const initialize = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"wrk","version":"1.0.0"}}}';
const initialized = '{"jsonrpc":"2.0","method":"notifications/initialized"}';
const initializeLength = String(initialize.length);
const initializedLength = String(initialized.length);
// Bodies as bytes, as a served request's arrive (a string body would make the handler's
// byte reads pay for encoding it, which no served request does).
const initializeBytes = new TextEncoder().encode(initialize);
const initializedBytes = new TextEncoder().encode(initialized);

async function cycle(): Promise<void> {
  // As a runtime's server hands them over: with their Host and Content-Length.
  const setup = await handler.fetch(new Request(url, { method: "POST", headers: { "content-type": "application/json", accept, host, "content-length": initializeLength }, body: initializeBytes }));
  const sid = setup.headers.get("mcp-session-id")!;
  await setup.text();
  const headers = { "content-type": "application/json", accept, host, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18", "content-length": initializedLength };
  const ack = await handler.fetch(new Request(url, { method: "POST", headers, body: initializedBytes }));
  await ack.text();
  const gone = await handler.fetch(new Request(url, { method: "DELETE", headers: { host, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" } }));
  if (setup.status !== 200 || ack.status !== 202 || gone.status !== 200) throw new Error(`statuses ${setup.status} ${ack.status} ${gone.status}`);
}

for (let i = 0; i < Math.min(N, 2000); i++) await cycle();
const rounds = await cpuRounds(6, N, cycle, CONC);
if (live() !== 0) throw new Error(`${live()} sessions left behind`);
console.log(`session cycle: best ${rounds[0].toFixed(1)}, median ${rounds[3].toFixed(1)} CPU µs/cycle`);
await tether?.close();
