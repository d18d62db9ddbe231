import process from "node:process";
/**
 * The limit: a bare Deno.serve / Bun.serve handler with no MCP logic. It parses the same
 * JSON-RPC body and answers the same result (JSON, or one SSE event when `MODE=sse`), hands out
 * session ids on initialize and forgets them on DELETE, and serves the legacy GET /sse +
 * POST /messages pair with a plain stream per session. No validation, no protocol state.
 */
import { env, host } from "./_host.ts";

const sse = env("MODE", "json") === "sse";
const encoder = new TextEncoder();
const sessions = new Set<string>();
const legacy = new Map<string, ReadableStreamDefaultController<Uint8Array>>();
const waiters = new Map<string, () => void>();
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

function answer(message: { id?: unknown; method?: string; params?: any }): unknown {
  if (message.method === "initialize") {
    return {
      jsonrpc: "2.0",
      id: message.id,
      result: { protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "bare", version: "1.0.0" } },
    };
  }
  return { jsonrpc: "2.0", id: message.id, result: { content: [{ type: "text", text: message.params?.arguments?.text }] } };
}

function endLegacy(id: string): void {
  if (!legacy.delete(id)) return;
  waiters.get(id)?.();
  waiters.delete(id);
}

async function fetch(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const h = request.headers;
  if (process.env.HDR) { h.get("content-type"); h.get("accept"); h.get("mcp-session-id"); h.get("mcp-protocol-version"); h.get("content-length"); h.has("transfer-encoding"); }
  if (url.pathname === "/mcp") {
    if (request.method === "DELETE") {
      sessions.delete(request.headers.get("mcp-session-id") ?? "");
      return new Response(null, { status: 200 });
    }
    if (request.method === "GET") {
      return new Response(new ReadableStream({ start: (c) => c.enqueue(encoder.encode(": open\n\n")) }), { headers: SSE_HEADERS });
    }
    const message = JSON.parse(process.env.AB ? new TextDecoder("utf-8", { fatal: true }).decode(await request.arrayBuffer()) : await request.text());
    if (message.id === undefined) return new Response(null, { status: 202 });
    const headers: Record<string, string> = {};
    if (message.method === "initialize") {
      const id = crypto.randomUUID();
      sessions.add(id);
      headers["mcp-session-id"] = id;
    }
    const body = JSON.stringify(answer(message));
    if (sse) return new Response(`event: message\ndata: ${body}\n\n`, { headers: { ...headers, ...SSE_HEADERS } });
    headers["content-type"] = "application/json";
    return new Response(body, { headers });
  }
  if (url.pathname === "/sse") {
    const id = crypto.randomUUID();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        legacy.set(id, controller);
        controller.enqueue(encoder.encode(`event: endpoint\ndata: /messages?sessionId=${id}\n\n`));
      },
      cancel: () => endLegacy(id),
    });
    request.signal.addEventListener("abort", () => endLegacy(id), { once: true });
    return new Response(stream, { headers: SSE_HEADERS });
  }
  if (url.pathname === "/messages") {
    const controller = legacy.get(url.searchParams.get("sessionId") ?? "");
    if (!controller) return new Response("not found", { status: 404 });
    const message = JSON.parse(await request.text());
    if (message.id !== undefined) {
      controller.enqueue(encoder.encode(`event: message\ndata: ${JSON.stringify(answer(message))}\n\n`));
    }
    return new Response("Accepted", { status: 202 });
  }
  return new Response("not found", { status: 404 });
}

await host(fetch, {
  live: () => sessions.size + legacy.size,
  gone: (id) => {
    if (!legacy.has(id)) return Promise.resolve();
    return new Promise<void>((resolve) => waiters.set(id, resolve));
  },
});
