/**
 * In-process microbenchmark of Tether's per-message hot path (no sockets): the pieces a
 * tools/call goes through, each timed alone, so an optimisation can be checked in seconds.
 * Run: deno run -A bench/micro/hot_path.ts   |   bun run bench/micro/hot_path.ts
 */
import { z } from "zod";
import { createHandler, McpServer } from "../../mod.ts";
import { parseMessage } from "../../src/jsonrpc.ts";
import { readBody } from "../../src/http.ts";
import { encodeEvent } from "../../src/sse.ts";

const server = new McpServer({ name: "micro", version: "1.0.0" });
server.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: "text", text }] }));
const handler = createHandler(server, { keepAliveMs: 0 });

const body = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo", arguments: { text: "hello bench" } } });

async function time(name: string, n: number, fn: () => unknown | Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(n, 2000); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const us = ((performance.now() - t0) * 1000) / n;
  console.log(`${name.padEnd(44)} ${us.toFixed(2).padStart(8)} µs/op`);
}

const N = Number((globalThis as any).Deno?.env.get("N") ?? (globalThis as any).process?.env?.N ?? 50_000);
const parsed = JSON.parse(body);
await time("JSON.parse", N, () => JSON.parse(body));
await time("parseMessage", N, () => parseMessage(parsed));
await time("new URL + searchParams", N, () => new URL("http://127.0.0.1:8080/messages?sessionId=0123456789abcdef0123456789abcdef").searchParams.get("sessionId"));
await time("new Request (POST, body)", N, () => new Request("http://127.0.0.1/messages", { method: "POST", body, headers: { "content-type": "application/json" } }));
await time("readBody(new Request)", N, () => readBody(new Request("http://127.0.0.1/messages", { method: "POST", body, headers: { "content-type": "application/json", "content-length": String(body.length) } }), 4 << 20));
await time("new Request + text()", N, () => new Request("http://127.0.0.1/messages", { method: "POST", body, headers: { "content-type": "application/json" } }).text());
await time("encodeEvent + encode", N, () => new TextEncoder().encode(encodeEvent({ event: "message", data: body })));

// The whole legacy POST path: a session with a stream whose bytes are drained.
const open = await handler.fetch(new Request("http://127.0.0.1/sse", { headers: { accept: "text/event-stream" } }));
const reader = open.body!.getReader();
const first = new TextDecoder().decode((await reader.read()).value);
const endpoint = first.match(/data: (.*)/)![1];
let delivered: (() => void) | undefined;
(async () => {
  while (!(await reader.read()).done) delivered?.();
})();
const post = (text: string) =>
  handler.fetch(new Request(`http://127.0.0.1${endpoint}`, { method: "POST", body: text, headers: { "content-type": "application/json" } }));
await post(JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2024-11-05", capabilities: {}, clientInfo: { name: "m", version: "1" } } }));
await post(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
let id = 1;
await time("legacy POST tools/call (handler.fetch)", N, async () => {
  const event = new Promise<void>((resolve) => (delivered = resolve));
  const r = await post(`{"jsonrpc":"2.0","id":${++id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello bench"}}}`);
  if (r.status !== 202) throw new Error(String(r.status));
  await event;
});
await handler.close();
