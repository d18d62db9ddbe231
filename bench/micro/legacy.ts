/**
 * In-process microbenchmark of Tether's legacy (2024-11-05) round trip (no sockets): one GET /sse
 * stream per session, then POST /messages?sessionId=… (202) and the JSON-RPC answer read back as
 * a `message` event from that session's stream. CPU µs per round trip.
 * Run: N=20000 C=16 deno run -A bench/micro/legacy.ts   (or bun run …); C sessions, one loop each.
 * MODE=bare: a minimal legacy server (a map of stream controllers) for the floor.
 */
import { z } from "zod";
import { createHandler, McpServer } from "../../mod.ts";
import { env, runtime } from "../servers/_host.ts";
import { cpuRounds } from "./_cpu_rounds.ts";

const N = Number(env("N", "20000"));
const mode = env("MODE", "tether");
const concurrency = Number(env("C", "16"));

const server = new McpServer({ name: "micro", version: "1.0.0" });
server.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: "text", text }] }));
const tether = createHandler(server);

/** The floor: GET opens a plain stream, POST enqueues the answer on it and says 202. */
const controllers = new Map<string, ReadableStreamDefaultController<Uint8Array>>();
const utf8 = new TextEncoder();
const bare = {
  fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/sse") {
      const id = crypto.randomUUID();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controllers.set(id, controller);
          controller.enqueue(utf8.encode(`event: endpoint\ndata: /messages?sessionId=${id}\n\n`));
        },
        cancel() {
          controllers.delete(id);
        },
      });
      return Promise.resolve(new Response(body, { headers: { "content-type": "text/event-stream" } }));
    }
    const controller = controllers.get(url.searchParams.get("sessionId") ?? "");
    return request.text().then((text) => {
      const message = JSON.parse(text);
      if (message.id !== undefined) {
        const result = message.method === "initialize"
          ? { protocolVersion: "2024-11-05", capabilities: {}, serverInfo: { name: "bare", version: "1" } }
          : { content: [{ type: "text", text: message.params?.arguments?.text }] };
        controller!.enqueue(utf8.encode(`event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", id: message.id, result })}\n\n`));
      }
      return new Response("Accepted", { status: 202 });
    });
  },
  close: () => Promise.resolve(),
};
const handler = mode === "bare" ? bare : tether;

/** One session: its stream's reader and a parser of its events. */
class Lane {
  reader!: ReadableStreamDefaultReader<Uint8Array>;
  endpoint = "";
  buffer = "";
  decoder = new TextDecoder();
  async open(): Promise<void> {
    const response = await handler.fetch(new Request("http://127.0.0.1/sse", { headers: { accept: "text/event-stream" } }));
    this.reader = response.body!.getReader();
    const first = await this.next();
    this.endpoint = first.data;
    await this.call(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"m","version":"1"}}}`, true);
    await this.post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`);
  }
  async next(): Promise<{ event: string; data: string }> {
    for (;;) {
      const end = this.buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        if (block.startsWith(":")) continue;
        let event = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data = line.slice(6);
        }
        return { event, data };
      }
      const { value, done } = await this.reader.read();
      if (done) throw new Error("stream ended");
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }
  async post(body: string): Promise<void> {
    const r = await handler.fetch(new Request(`http://127.0.0.1${this.endpoint}`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(body.length) },
      body,
    }));
    await r.text();
    if (r.status !== 202) throw new Error(`POST answered ${r.status}`);
  }
  async call(body: string, init = false): Promise<void> {
    await this.post(body);
    const event = await this.next();
    if (event.event !== "message" || (!init && !event.data.includes("hello bench"))) throw new Error(`unexpected ${JSON.stringify(event)}`);
  }
}

const lanes = await Promise.all(Array.from({ length: concurrency }, async () => {
  const lane = new Lane();
  await lane.open();
  return lane;
}));
let id = 0;
const call = (lane: Lane) => lane.call(`{"jsonrpc":"2.0","id":${++id},"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello bench"}}}`);
// Warm-up, then the measured rounds; every worker keeps to its own lane (one closed loop per session, as in workload (c)).
await cpuRounds(1, 3000, (worker) => call(lanes[worker]), concurrency);
const rounds = await cpuRounds(5, Math.ceil(N / 5), (worker) => call(lanes[worker]), concurrency);
console.log(`${runtime} legacy ${mode} C=${concurrency}: ${rounds[2].toFixed(2)} CPU µs/op (min ${rounds[0].toFixed(2)})`);
for (const lane of lanes) await lane.reader.cancel();
await handler.close();
