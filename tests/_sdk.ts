/**
 * The official SDK v1 (`@modelcontextprotocol/sdk`) modules the tests use, imported by their
 * public paths and re-exported with their types. Deno's type checker cannot follow the SDK's
 * `./*` export to its declarations (its `types` condition maps `client/index.js` to
 * `dist/esm/client/index.js.d.ts`, which does not exist), so each import names its real `.d.ts`
 * with `@ts-types`. Runtimes and tsc ignore the directive: what runs is the SDK's own module.
 */
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.d.ts"
export { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/client/sse.d.ts"
export { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.d.ts"
export { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/server/mcp.d.ts"
export { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/server/index.d.ts"
export type { Server } from "@modelcontextprotocol/sdk/server/index.js";
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/shared/transport.d.ts"
export type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/types.d.ts"
export * from "@modelcontextprotocol/sdk/types.js";
