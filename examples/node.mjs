// Tether on Node 20+ through @hono/node-server, using the built package (`npm run build` first;
// `npm run start:node` does both). "mcp-tether" resolves to this package's dist/ by name.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createHandler, McpServer } from "mcp-tether";
import { tether } from "mcp-tether/hono";

const server = new McpServer({ name: "tether-node-example", version: "0.1.0" });
server.tool("echo", {
  description: "Echoes its text",
  inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
}, ({ text }) => ({ content: [{ type: "text", text: String(text) }] }));

const port = Number(process.env.PORT ?? 8787);

// Either the bare handler…
//   serve({ fetch: createHandler(server).fetch, hostname: "127.0.0.1", port });
// …or inside a Hono app, as here.
void createHandler;
const app = new Hono();
app.get("/", (c) => c.text("Tether on Node"));
app.use(tether(server));
serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, (info) => {
  console.log(`http://127.0.0.1:${info.port}/sse`);
});
