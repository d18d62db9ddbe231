/**
 * A server written with the official SDK (`@modelcontextprotocol/sdk`), served by Tether: one SDK
 * `McpServer` per session, and Tether's lifecycle (404 after disconnect, idle timeout, no leaks).
 *
 *   deno run --allow-net --allow-env --allow-read --unstable-no-legacy-abort examples/sdk_bridge.ts
 *   bun run examples/sdk_bridge.ts
 *
 * (Type-checked by tsc; `deno check` cannot resolve the SDK's subpath types, so deno.json
 * excludes this file from it.)
 */
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { createSdkHandler } from "../adapters/sdk.ts";
import { listen } from "./_listen.ts";

const handler = createSdkHandler((session) => {
  const server = new McpServer({ name: "sdk-over-tether", version: "0.1.0" });
  server.registerTool("add", {
    description: "Adds two numbers",
    inputSchema: { a: z.number(), b: z.number() },
  }, ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }));
  server.registerTool("session", { description: "This session's id" }, () => ({
    content: [{ type: "text", text: session.id }],
  }));
  return server;
});

listen(handler.fetch, ["/sse"]);
