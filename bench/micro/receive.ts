/**
 * In-process microbenchmark of the session core alone: Session.receive() of a tools/call on an
 * initialized session, with a sink that keeps the last message (no HTTP, no transport).
 * Run: N=200000 deno run -A bench/micro/receive.ts   (or bun run …); HT= sets handlerTimeoutMs (default 600000, 0 = none).
 * Add --v8-flags=--trace-gc-nvp on Deno to see what survives scavenges.
 */
import { z } from "zod";
import { McpServer } from "../../src/server.ts";
import { SessionRegistry } from "../../src/registry.ts";
import { cpuRounds } from "./_cpu_rounds.ts";
import { env, runtime } from "../servers/_host.ts";
const N = Number(env("N", "200000"));
const server = new McpServer({ name: "micro", version: "1.0.0" });
server.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: "text", text }] }));
const registry = new SessionRegistry(server, { handlerTimeoutMs: Number(env("HT", "600000")) } as any);
const session = registry.create("streamable");
let last: any;
const sink = { send: (m: any) => { last = m; return true; }, done() {} };
await session.receive({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "m", version: "1" } } } as any, sink);
await session.receive({ jsonrpc: "2.0", method: "notifications/initialized" } as any, sink);
let id = 0;
async function once() {
  await session.receive({ jsonrpc: "2.0", id: ++id, method: "tools/call", params: { name: "echo", arguments: { text: "hello bench" } } } as any, sink);
  if (last.id !== id) throw new Error("bad " + JSON.stringify(last));
}
for (let i = 0; i < 20000; i++) await once();
const rounds = await cpuRounds(5, N / 5, once);
console.log(`${runtime} receive: median ${rounds[2].toFixed(2)} min ${rounds[0].toFixed(2)} CPU µs/op`);
session.close();
