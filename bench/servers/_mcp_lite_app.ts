/**
 * mcp-lite as every benchmark runs it: its StreamableHttpTransport with an InMemorySessionAdapter
 * that counts sessions, and the same `echo` tool as the other servers under test. Shared by the
 * HTTP server (`servers/mcp_lite.ts`) and the in-process micro benchmarks (`MODE=mcp-lite`).
 * Its response mode follows the request's Accept header: JSON unless text/event-stream is accepted.
 */
import { z } from "zod";
import { InMemorySessionAdapter, McpServer, StreamableHttpTransport } from "mcp-lite";

/** Counts sessions so the harness can report live ones; the adapter keeps its map private. */
class CountingSessionAdapter extends InMemorySessionAdapter {
  readonly ids = new Set<string>();
  override create(id: string, meta: Parameters<InMemorySessionAdapter["create"]>[1]) {
    this.ids.add(id);
    return super.create(id, meta);
  }
  override delete(id: string) {
    this.ids.delete(id);
    return super.delete(id);
  }
}

/** An mcp-lite fetch handler with the `echo` tool, and the number of its live sessions. */
export function createMcpLite(): { fetch: (request: Request) => Promise<Response>; live: () => number } {
  const mcp = new McpServer({
    name: "bench-mcp-lite",
    version: "1.0.0",
    schemaAdapter: (schema) => z.toJSONSchema(schema as z.ZodType),
  });
  mcp.tool("echo", {
    description: "Echoes its input",
    inputSchema: z.object({ text: z.string() }),
    handler: ({ text }) => ({ content: [{ type: "text", text }] }),
  });
  const sessions = new CountingSessionAdapter({ maxEventBufferSize: 1024 });
  const transport = new StreamableHttpTransport({ sessionAdapter: sessions });
  const handle = transport.bind(mcp);
  return { fetch: (request) => handle(request), live: () => sessions.ids.size };
}
