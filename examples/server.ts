/**
 * The example server (`npm start`, `deno task start`, `bun run start`): a few useful tools over
 * every transport Tether serves, on 127.0.0.1. Port from `PORT` (default 8787).
 */
import { z } from "zod";
import { createHandler, McpServer } from "../mod.ts";

const server = new McpServer(
  { name: "tether-example", version: "0.1.0" },
  { instructions: "Small utilities: time, arithmetic, text and hashing." },
);

server.tool("now", {
  description: "The current time as an ISO 8601 string, optionally in a given IANA time zone",
  inputSchema: z.object({ timeZone: z.string().optional().describe("e.g. Europe/Paris") }),
  annotations: { readOnlyHint: true },
}, ({ timeZone }) => {
  const now = new Date();
  const text = timeZone
    ? now.toLocaleString("en-GB", { timeZone, dateStyle: "full", timeStyle: "long" })
    : now.toISOString();
  return { content: [{ type: "text", text }] };
});

server.tool("calculate", {
  description: "Adds, subtracts, multiplies or divides two numbers",
  inputSchema: z.object({
    op: z.enum(["add", "subtract", "multiply", "divide"]),
    a: z.number(),
    b: z.number(),
  }),
  outputSchema: z.object({ value: z.number() }),
  annotations: { readOnlyHint: true, idempotentHint: true },
}, ({ op, a, b }) => {
  if (op === "divide" && b === 0) throw new Error("Division by zero");
  const value = op === "add" ? a + b : op === "subtract" ? a - b : op === "multiply" ? a * b : a / b;
  return { content: [{ type: "text", text: String(value) }], structuredContent: { value } };
});

server.tool("word_count", {
  description: "Counts characters, words and lines in a text",
  inputSchema: z.object({ text: z.string() }),
  outputSchema: z.object({ characters: z.number(), words: z.number(), lines: z.number() }),
  annotations: { readOnlyHint: true },
}, ({ text }) => {
  const counts = {
    characters: [...text].length,
    words: text.trim() === "" ? 0 : text.trim().split(/\s+/).length,
    lines: text === "" ? 0 : text.split(/\r\n|\r|\n/).length,
  };
  return { content: [{ type: "text", text: JSON.stringify(counts) }], structuredContent: counts };
});

server.tool("sha256", {
  description: "The SHA-256 digest of a text, in hex",
  inputSchema: z.object({ text: z.string() }),
  annotations: { readOnlyHint: true, idempotentHint: true },
}, async ({ text }) => {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { content: [{ type: "text", text: hex }] };
});

server.tool("countdown", {
  description: "Counts down from n, one step every `intervalMs`, reporting progress; stops when cancelled",
  inputSchema: z.object({ n: z.number().int().min(1).max(100).default(5), intervalMs: z.number().int().min(0).max(5000).default(200) }),
}, async ({ n, intervalMs }, ctx) => {
  for (let i = 1; i <= n; i++) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    if (ctx.signal.aborted) throw new Error("Cancelled");
    ctx.progress(i, n, `${n - i} left`);
    ctx.log("info", `tick ${n - i}`);
  }
  return { content: [{ type: "text", text: "Lift-off!" }] };
});

const handler = createHandler(server);
const port = Number(globalThis.process?.env?.PORT ?? (globalThis as { Deno?: { env: { get(k: string): string | undefined } } }).Deno?.env.get("PORT") ?? 8787);
const hostname = "127.0.0.1";

function announce(actualPort: number) {
  console.log(`Tether example server on http://${hostname}:${actualPort}`);
  console.log(`  Streamable HTTP: http://${hostname}:${actualPort}/mcp`);
  console.log(`  HTTP+SSE (2024-11-05): http://${hostname}:${actualPort}/sse (messages: /messages)`);
}

const g = globalThis as Record<string, any>;
if (g.Bun) {
  const server = g.Bun.serve({ hostname, port, fetch: handler.fetch });
  announce(server.port);
} else if (g.Deno) {
  g.Deno.serve({ hostname, port, onListen: ({ port }: { port: number }) => announce(port) }, handler.fetch);
} else {
  throw new Error("Run this example with Deno or Bun (npm start uses Deno)");
}
