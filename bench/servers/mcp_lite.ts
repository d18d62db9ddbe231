/**
 * Server under test: mcp-lite's StreamableHttpTransport with its InMemorySessionAdapter, called
 * as a plain fetch handler (built in `_mcp_lite_app.ts`). Its response mode follows the request's
 * Accept header (JSON unless text/event-stream is accepted), so `MODE` only matters to the load
 * generator.
 */
import { createMcpLite } from "./_mcp_lite_app.ts";
import { host } from "./_host.ts";

const mcpLite = createMcpLite();
await host(mcpLite.fetch, { live: mcpLite.live });
