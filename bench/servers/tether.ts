/**
 * Server under test: Tether. `MODE` = json | sse | auto picks the Streamable HTTP response mode
 * (ignored until the Streamable HTTP transport exists); the legacy endpoints are always served.
 */
import { z } from "zod";
import { createHandler, type HandlerOptions, McpServer } from "../../mod.ts";
import { env, host, now } from "./_host.ts";

const server = new McpServer({ name: "bench-tether", version: "1.0.0" });
server.tool("echo", { description: "Echoes its input", inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({
  content: [{ type: "text", text }],
}));

const mode = env("MODE", "auto");
// The option is spread in untyped so this file type-checks before and after the
// Streamable HTTP transport (and its response-mode option) lands.
const options = { responseMode: mode } as HandlerOptions;
const handler = createHandler(server, options);

await host(handler.fetch, {
  live: () => handler.sessions.size,
  gone: (id) => {
    const session = handler.sessions.get(id);
    if (!session) return Promise.resolve();
    // session.signal aborts inside Session.close(), the same synchronous call that removes it
    // from the registry: the time taken here is when the session went.
    return new Promise<number>((resolve) => session.signal.addEventListener("abort", () => resolve(now()), { once: true }));
  },
});
