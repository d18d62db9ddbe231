/**
 * Server under test: mcp-lite's StreamableHttpTransport with its InMemorySessionAdapter, called
 * as a plain fetch handler. Its response mode follows the request's Accept header (JSON unless
 * text/event-stream is accepted), so `MODE` only matters to the load generator.
 */
import { z } from "zod";
import { InMemorySessionAdapter, McpServer, StreamableHttpTransport } from "mcp-lite";
import { host } from "./_host.ts";

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

await host((request) => handle(request), { live: () => sessions.ids.size });
