/** Helpers for 2026-07-28 tests: an envelope, raw POSTs with the right headers, an SSE reader. */
import { z } from "zod";
import { McpServer } from "../mod.ts";
import { requireClientCapabilities } from "../src/envelope.ts";

export const V = "2026-07-28";

/** A valid `_meta` envelope, with overrides. */
export function envelope(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "io.modelcontextprotocol/protocolVersion": V,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
    ...extra,
  };
}

/** The headers a conforming 2026 client sends for `body`. */
export function modernHeaders(body: { method: string; params?: Record<string, unknown> }): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": V,
    "mcp-method": body.method,
  };
  const name = body.params?.name ?? body.params?.uri;
  if (typeof name === "string" && ["tools/call", "prompts/get", "resources/read"].includes(body.method)) headers["mcp-name"] = name;
  return headers;
}

/** A 2026 request body. */
export function request(id: number | string, method: string, params: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) {
  return { jsonrpc: "2.0" as const, id, method, params: { ...params, _meta: envelope(meta) } };
}

/** POSTs `body` to `url` with conforming headers, overridden by `headers` (null removes one). */
export function post(url: string, body: unknown, headers: Record<string, string | null> = {}, signal?: AbortSignal): Promise<Response> {
  const b = body as { method?: string; params?: Record<string, unknown> };
  const base = typeof b?.method === "string" ? modernHeaders(b as { method: string }) : { "content-type": "application/json", "mcp-protocol-version": V };
  const merged = new Headers(base);
  for (const [k, v] of Object.entries(headers)) {
    if (v === null) merged.delete(k);
    else merged.set(k, v);
  }
  return fetch(`${url}/mcp`, { method: "POST", headers: merged, body: typeof body === "string" ? body : JSON.stringify(body), signal });
}

/**
 * Reads SSE `data:` payloads from a response body as parsed JSON, one at a time; `next()`
 * resolves `undefined` when the stream ends and rejects when nothing arrives within `timeoutMs`.
 */
export function sseMessages(response: Response, timeoutMs = 5000): { next(): Promise<any>; cancel(): Promise<void> } {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const queue: any[] = [];
  const read = async () => {
    while (queue.length === 0) {
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffer += value;
      let index;
      while ((index = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (data) queue.push(JSON.parse(data));
      }
    }
    return queue.shift();
  };
  return {
    async next() {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no SSE message within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        return await Promise.race([read(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

/** Records what handlers of {@link modernServer} saw. */
export interface Probe {
  aborted: number;
  started: number;
}

/** A server exercising every 2026 rule: progress, logs, capabilities, x-mcp-header, waiting. */
export function modernServer(probe: Probe = { aborted: 0, started: 0 }): McpServer {
  const server = new McpServer({ name: "tether-modern", version: "0.0.1" }, { instructions: "Test server", cache: { ttlMs: 1000 } });
  server.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: "text", text }] }));
  server.tool("progress", { description: "Sends two progress notifications" }, async (_args, ctx) => {
    ctx.progress(1, 2, "half");
    await new Promise((r) => setTimeout(r, 5));
    ctx.progress(2, 2, "done");
    return { content: [{ type: "text", text: "finished" }] };
  });
  server.tool("log", { description: "Logs at debug, info and error" }, (_args, ctx) => {
    ctx.log("debug", "d");
    ctx.log("info", "i");
    ctx.log("error", "e");
    return { content: [{ type: "text", text: "logged" }] };
  });
  server.tool("needs_elicitation", { description: "Requires the elicitation capability" }, (_args, ctx) => {
    requireClientCapabilities(ctx, { elicitation: {} });
    return { content: [{ type: "text", text: "has elicitation" }] };
  });
  server.tool("region", {
    inputSchema: {
      type: "object",
      properties: {
        region: { type: "string", "x-mcp-header": "Region" },
        count: { type: "integer", "x-mcp-header": "Count" },
        opts: { type: "object", properties: { dry: { type: "boolean", "x-mcp-header": "Dry" } } },
      },
    },
    cache: { ttlMs: 500, cacheScope: "private" },
  }, (args) => ({ content: [{ type: "text", text: JSON.stringify(args) }] }));
  server.tool("wait", { description: "Sends progress, then waits until aborted" }, (_args, ctx) => {
    probe.started++;
    ctx.progress(1);
    return new Promise((_resolve, reject) => {
      ctx.signal.addEventListener("abort", () => {
        probe.aborted++;
        reject(new Error("aborted"));
      }, { once: true });
    });
  });
  return server;
}
