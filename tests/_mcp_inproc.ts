/**
 * Test helper: an in-process Streamable HTTP client that calls `handler.fetch` directly, for
 * hostile-input and churn tests. Detects whether the handler serves `/mcp` at all.
 */
import { createHandler, McpServer, type TetherHandler } from "../mod.ts";
import { sseReader } from "./_legacy.ts";

export const MCP_URL = "http://localhost/mcp";

export const MCP_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/** POSTs one JSON body to /mcp. */
export function mcpPost(handler: TetherHandler, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return handler.fetch(new Request(MCP_URL, { method: "POST", headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(body), signal }));
}

/** Initializes a Streamable HTTP session; returns its id, or `undefined` when /mcp is not served. */
export async function mcpInitialize(
  handler: TetherHandler,
  capabilities: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<string | undefined> {
  const response = await mcpPost(handler, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities, clientInfo: { name: "inproc", version: "1" } },
  }, headers);
  const id = response.headers.get("mcp-session-id") ?? undefined;
  await response.body?.cancel().catch(() => {});
  if (response.status !== 200 || id === undefined) return undefined;
  const ack = await mcpPost(handler, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": id, "mcp-protocol-version": "2025-06-18", ...headers });
  await ack.body?.cancel().catch(() => {});
  return id;
}

/** Ends a session with DELETE. */
export async function mcpDelete(handler: TetherHandler, id: string, headers: Record<string, string> = {}): Promise<Response> {
  const response = await handler.fetch(new Request(MCP_URL, { method: "DELETE", headers: { "mcp-session-id": id, ...headers } }));
  await response.body?.cancel().catch(() => {});
  return response;
}

/** True when the handler serves Streamable HTTP at /mcp (an initialize opens a session). */
export async function servesMcp(handler: TetherHandler): Promise<boolean> {
  const id = await mcpInitialize(handler);
  if (id === undefined) return false;
  await mcpDelete(handler, id);
  return true;
}

/** True when this build serves Streamable HTTP at /mcp, probed once with a throwaway handler. */
export async function buildServesMcp(): Promise<boolean> {
  const probe = createHandler(new McpServer({ name: "probe", version: "0" }));
  try {
    return await servesMcp(probe);
  } finally {
    await probe.close({ graceMs: 0 });
  }
}

/** The JSON-RPC messages of a /mcp answer: its JSON body, or every event of its SSE body. */
export async function mcpMessages(response: Response): Promise<Record<string, any>[]> {
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("application/json")) {
    const body = await response.json();
    return Array.isArray(body) ? body : [body];
  }
  if (!type.startsWith("text/event-stream") || !response.body) return [];
  const events = sseReader(response.body);
  const out: Record<string, any>[] = [];
  for (let event = await events.next(); event !== undefined; event = await events.next()) {
    if (event.data !== "") out.push(JSON.parse(event.data));
  }
  return out;
}
