/**
 * The limit: a bare Deno.serve / Bun.serve handler with no MCP logic. It must be a floor for every
 * server under test, so it gives the answers they give on the benchmarked traffic with the least
 * work the runtime allows:
 *   - POST /mcp: parses the JSON-RPC body (JSON.parse of request.text()), answers `initialize`
 *     with a new session id, a notification with 202, any other request with the echo result
 *     (JSON, or one SSE event when `MODE=sse`); a request naming an unknown session gets the 404
 *     every real server gives (one Set lookup), so it does not answer more cheaply than they may;
 *   - DELETE /mcp: forgets the session (200), 404 when unknown;
 *   - GET /sse + POST /messages: the legacy pair, a plain stream per session.
 * What it leaves out on purpose, being avoidable work: `new URL()` (the path is read from the URL
 * text), per-response header objects (shared constants), building the answer as an object to
 * stringify (it is concatenated around JSON.stringify of the two values that vary).
 */
import { env, host, now } from "./_host.ts";

const sse = env("MODE", "json") === "sse";
const encoder = new TextEncoder();
const sessions = new Set<string>();
const legacy = new Map<string, ReadableStreamDefaultController<Uint8Array>>();
const waiters = new Map<string, (at: number) => void>();
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const JSON_HEADERS = { "content-type": "application/json" };
const ACCEPTED = { status: 202 };
const NOT_FOUND = { status: 404, headers: JSON_HEADERS };
const SESSION_NOT_FOUND = '{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}';
const INITIALIZE_RESULT = ',"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"bare","version":"1.0.0"}}}';

/** The JSON-RPC answer to `message`, as text. */
function answer(message: { id?: unknown; method?: string; params?: any }): string {
  const head = '{"jsonrpc":"2.0","id":' + JSON.stringify(message.id);
  if (message.method === "initialize") return head + INITIALIZE_RESULT;
  return head + ',"result":{"content":[{"type":"text","text":' + JSON.stringify(message.params?.arguments?.text) + "}]}}";
}

/** The path of an absolute URL string (`http://host:port/path?query`), without parsing it as a URL. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const query = url.indexOf("?", start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}

function sessionNotFound(): Response {
  return new Response(SESSION_NOT_FOUND, NOT_FOUND);
}

function endLegacy(id: string): void {
  if (!legacy.delete(id)) return;
  waiters.get(id)?.(now());
  waiters.delete(id);
}

async function streamable(request: Request): Promise<Response> {
  const method = request.method;
  if (method === "DELETE") {
    return sessions.delete(request.headers.get("mcp-session-id") ?? "") ? new Response(null) : sessionNotFound();
  }
  const sessionId = request.headers.get("mcp-session-id");
  if (sessionId !== null && !sessions.has(sessionId)) return sessionNotFound();
  if (method === "GET") {
    return new Response(new ReadableStream({ start: (c) => c.enqueue(encoder.encode(": open\n\n")) }), { headers: SSE_HEADERS });
  }
  const message = JSON.parse(await request.text());
  if (message.id === undefined) return new Response(null, ACCEPTED);
  if (message.method === "initialize") {
    const id = crypto.randomUUID();
    sessions.add(id);
    const body = answer(message);
    if (sse) return new Response(`event: message\ndata: ${body}\n\n`, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache", "mcp-session-id": id } });
    return new Response(body, { headers: { "content-type": "application/json", "mcp-session-id": id } });
  }
  if (sse) return new Response("event: message\ndata: " + answer(message) + "\n\n", { headers: SSE_HEADERS });
  return new Response(answer(message), { headers: JSON_HEADERS });
}

async function messages(request: Request): Promise<Response> {
  const controller = legacy.get(new URL(request.url).searchParams.get("sessionId") ?? "");
  if (!controller) return new Response("not found", { status: 404 });
  const message = JSON.parse(await request.text());
  if (message.id !== undefined) controller.enqueue(encoder.encode("event: message\ndata: " + answer(message) + "\n\n"));
  return new Response("Accepted", ACCEPTED);
}

function openLegacy(request: Request): Response {
  const id = crypto.randomUUID();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      legacy.set(id, controller);
      controller.enqueue(encoder.encode(`event: endpoint\ndata: /messages?sessionId=${id}\n\n`));
    },
    cancel: () => endLegacy(id),
  });
  // Both: runtimes differ in which of the two they deliver when the client goes away.
  request.signal.addEventListener("abort", () => endLegacy(id), { once: true });
  return new Response(stream, { headers: SSE_HEADERS });
}

function fetch(request: Request): Response | Promise<Response> {
  const path = pathOf(request.url);
  if (path === "/mcp") return streamable(request);
  if (path === "/messages") return messages(request);
  if (path === "/sse") return openLegacy(request);
  return new Response("not found", { status: 404 });
}

await host(fetch, {
  live: () => sessions.size + legacy.size,
  gone: (id) => {
    if (!legacy.has(id)) return Promise.resolve();
    return new Promise<number>((resolve) => waiters.set(id, resolve));
  },
});
