/**
 * The 2026-07-28 transport: every request is one self-contained POST, classified modern by
 * {@link classifyEra} with its envelope already validated. No session is created or read:
 * the handler sees one {@link RequestContext} built from the envelope. The request lives
 * exactly as long as its response: it has one idempotent end, reached from completion,
 * the client closing the stream or aborting the request, a failed write, and shutdown.
 *
 * @module
 */
import { startDeadline } from "../security/limits.ts";
import { encodeMessage, ErrorCode, errorResponse, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse } from "../jsonrpc.ts";
import { accepts, jsonResponse, jsonRpcErrorResponse } from "../http.ts";
import { createContext, type RequestContext } from "../context.ts";
import { envelopeChannel, SERVER_INFO_KEY } from "../envelope.ts";
import { checkParamHeaders, checkStandardHeaders, paramHeadersOf } from "../mcp_headers.ts";
import { honouredFilter, parseListenFilter } from "../listen.ts";
import { CACHEABLE_METHODS } from "../caching.ts";
import { SSE_HEADERS, SseStream } from "../sse.ts";
import type { ModernRoute } from "../era.ts";
import { principalOf } from "../request_principal.ts";
import type { McpServer } from "../server.ts";
import { keepOpen, type PlatformArg, type TransportContext } from "./context.ts";

/** Core methods that belong to 2024/2025 only; a 2026 request for them is an unknown method. */
const LEGACY_ONLY_METHODS: ReadonlySet<string> = new Set([
  "initialize",
  "ping",
  "logging/setLevel",
  "resources/subscribe",
  "resources/unsubscribe",
]);

/** Resource-not-found was `-32002` before 2026; 2026 answers `-32602`. */
const LEGACY_RESOURCE_NOT_FOUND = -32002;

/**
 * True when a 2026 request may call `method` on this server.
 *
 * @example
 * ```ts ignore
 * isModernMethod(server, "tools/list"); // true
 * isModernMethod(server, "initialize"); // false
 * ```
 */
export function isModernMethod(server: McpServer, method: string): boolean {
  if (method === "subscriptions/listen") return true;
  return server.hasMethod(method) && !LEGACY_ONLY_METHODS.has(method);
}

function headerMismatch(message: string, id: JsonRpcRequest["id"] | null): Response {
  return jsonRpcErrorResponse(400, ErrorCode.HeaderMismatch, message, { id });
}

/**
 * Serves one 2026 POST. Header rules first (unknown method 404/-32601, header mismatches
 * 400/-32020), then `subscriptions/listen` or the core, answered as JSON or as an SSE stream
 * scoped to the request according to `responseMode`.
 *
 * @example
 * ```ts ignore
 * const outcome = classifyEra({ httpMethod: "POST", headers: request.headers, body }, served);
 * if (outcome.kind === "modern") return serveModern(ctx, request, outcome, platform);
 * ```
 */
export function serveModern(ctx: TransportContext, request: Request, route: ModernRoute, platform?: PlatformArg): Promise<Response> | Response {
  if (route.messageKind === "notification") {
    // No 2026 client notification exists on HTTP; accept and ignore, after the one header check.
    const method = request.headers.get("mcp-method");
    if (method !== null && method !== route.message.method) {
      return headerMismatch(`Header mismatch: Mcp-Method header '${method}' does not match body value '${route.message.method}'`, null);
    }
    return new Response(null, { status: 202 });
  }
  const message = route.message;
  if (!isModernMethod(ctx.server, message.method)) {
    return jsonRpcErrorResponse(404, ErrorCode.MethodNotFound, `Method not found: ${message.method}`, { id: message.id });
  }
  const mismatch = checkStandardHeaders(request.headers, message, route.envelope.protocolVersion) ?? checkToolParamHeaders(ctx.server, request.headers, message);
  if (mismatch !== undefined) return headerMismatch(mismatch, message.id);
  if (message.method === "subscriptions/listen") return openListen(ctx, request, route, platform);
  return runRequest(ctx, request, route, platform);
}

function checkToolParamHeaders(server: McpServer, headers: Headers, message: JsonRpcRequest): string | undefined {
  if (message.method !== "tools/call") return undefined;
  const name = message.params?.name;
  const listing = typeof name === "string" ? server.toolListing(name) : undefined;
  if (!listing) return undefined;
  const annotations = paramHeadersOf(listing.inputSchema);
  if (annotations.length === 0) return undefined;
  const args = message.params?.arguments;
  return checkParamHeaders(headers, annotations, typeof args === "object" && args !== null ? args as Record<string, unknown> : {});
}

function openListen(ctx: TransportContext, request: Request, route: ModernRoute & { messageKind: "request" }, platform: PlatformArg): Response {
  const message = route.message;
  const filter = parseListenFilter(message.params);
  if (!filter) {
    return jsonRpcErrorResponse(400, ErrorCode.InvalidParams, "Invalid params: 'notifications' must be a subscription filter object", { id: message.id });
  }
  const opened = ctx.listens.open(message, honouredFilter(filter, ctx.server.capabilities()), request.signal);
  if (!opened.ok && opened.reason === "closed") return shuttingDown(message.id);
  if (!opened.ok) {
    // In band, as the SDK does: the HTTP exchange worked, the subscription did not.
    return jsonResponse(errorResponse(message.id, ErrorCode.InternalError, `Subscription limit reached (${ctx.listens.limit} open listens)`));
  }
  keepOpen(request, platform);
  return opened.response;
}

/** Adds what every 2026 result carries: `resultType`, the server's identity, caching hints. */
function decorate(server: McpServer, response: JsonRpcResponse, request: JsonRpcRequest, context: RequestContext): JsonRpcResponse {
  if (!("result" in response)) {
    if (response.error.code === LEGACY_RESOURCE_NOT_FOUND && request.method === "resources/read") {
      return { ...response, error: { ...response.error, code: ErrorCode.InvalidParams } };
    }
    return response;
  }
  const result: Record<string, unknown> = { ...response.result };
  if (result.resultType === undefined) result.resultType = "complete";
  if (result.resultType === "complete" && CACHEABLE_METHODS.has(request.method)) {
    const hint = server.cacheHint(request.method, request.params ?? {}, context);
    if (typeof result.ttlMs !== "number") result.ttlMs = hint.ttlMs;
    if (result.cacheScope !== "public" && result.cacheScope !== "private") result.cacheScope = hint.cacheScope;
  }
  const meta = typeof result._meta === "object" && result._meta !== null ? result._meta as Record<string, unknown> : {};
  result._meta = { ...meta, [SERVER_INFO_KEY]: server.info };
  return { jsonrpc: "2.0", id: response.id, result };
}

/** Errors raised before any work was streamed keep the status the spec gives them. */
function statusOf(response: JsonRpcResponse): number {
  if ("error" in response && response.error.code === ErrorCode.MissingRequiredClientCapability) return 400;
  return 200;
}

/** 503 for a 2026 request that arrives once shutdown began: nothing would end it. */
function shuttingDown(id: JsonRpcRequest["id"]): Response {
  return jsonRpcErrorResponse(503, ErrorCode.InternalError, "Service Unavailable: the server is shutting down", { id });
}

function runRequest(ctx: TransportContext, request: Request, route: ModernRoute & { messageKind: "request" }, platform: PlatformArg): Promise<Response> {
  const message = route.message;
  if (!ctx.inFlight.accepting) return Promise.resolve(shuttingDown(message.id));
  // A handler may take longer than the runtime's idle limit before its first byte.
  keepOpen(request, platform);
  const wantsStream = accepts(request.headers, "text/event-stream");
  const mode = wantsStream ? ctx.options.responseMode : "json";
  const controller = new AbortController();
  // A handler that runs past handlerTimeoutMs is aborted and answered with an error.
  const deadline = startDeadline(ctx.options.handlerTimeoutMs, controller);
  let stream: SseStream | undefined;
  let ended = false;
  let resolveResponse!: (response: Response) => void;
  const responded = new Promise<Response>((resolve) => (resolveResponse = resolve));
  let answered = false;
  const answer = (response: Response) => {
    if (answered) return;
    answered = true;
    resolveResponse(response);
  };

  // The single end of this request: idempotent, reached from completion, from every way the
  // client can go away (cancel: the handler's signal aborts) and from shutdown.
  const end = (how: "completed" | "cancelled" | "shutdown") => {
    if (ended) return;
    ended = true;
    deadline.clear();
    request.signal.removeEventListener("abort", onAbort);
    removeFromInFlight();
    if (how !== "completed") {
      controller.abort(new Error(how === "shutdown" ? "The server is shutting down" : "The client closed the request's stream"));
    }
    if (how === "shutdown") {
      // The client is still there: tell it why its request ends without a result.
      const error = errorResponse(message.id, ErrorCode.InternalError, "Server shutting down");
      stream?.send({ event: "message", data: JSON.stringify(error) });
      answer(jsonResponse(error, { status: 503 }));
    }
    stream?.close();
    // A client that went away reads nothing; the promise is settled all the same.
    answer(new Response(null, { status: 499 }));
  };
  const onAbort = () => end("cancelled");
  const removeFromInFlight = ctx.inFlight.add(() => end("shutdown"));
  request.signal.addEventListener("abort", onAbort, { once: true });

  const openStream = (): SseStream => {
    stream = new SseStream({
      keepAliveMs: ctx.options.keepAliveMs,
      maxBufferedBytes: ctx.options.maxBufferedBytes,
      // A stream that ends before the response was written is the client cancelling.
      onClose: () => end("cancelled"),
    });
    answer(new Response(stream.readable, { headers: SSE_HEADERS }));
    return stream;
  };
  const sendOnStream = (m: JsonRpcMessage) => {
    if (ended || mode === "json") return; // JSON mode has nowhere to put related notifications.
    const data = encodeMessage(m);
    if (data === undefined) return; // Unserialisable: dropped, as on the session transports.
    (stream ?? openStream()).send({ event: "message", data });
  };
  if (mode === "sse") openStream();

  // The request's principal: from the auth hook, or one a host framework attached (2026 has no session to keep it).
  const channel = envelopeChannel(route.envelope, sendOnStream, ctx.principal ?? principalOf(request));
  const { context, finish } = createContext(channel, message, controller.signal);
  if (request.signal.aborted) end("cancelled");
  void (async () => {
    const timedOut = deadline.expired.then(() =>
      errorResponse(message.id, ErrorCode.InternalError, `Request timed out after ${ctx.options.handlerTimeoutMs} ms`)
    );
    const response = ended ? undefined : await Promise.race([ctx.server.handle(message, context), timedOut]);
    finish();
    if (ended || response === undefined) return;
    let decorated = decorate(ctx.server, response, message, context);
    let data: string;
    try {
      data = JSON.stringify(decorated);
    } catch (error) {
      // A result that cannot be serialised (BigInt, cycles) is the server's error, not a hang.
      decorated = errorResponse(message.id, ErrorCode.InternalError, `Result could not be serialised: ${error instanceof Error ? error.message : String(error)}`);
      data = JSON.stringify(decorated);
    }
    if (stream) stream.send({ event: "message", data });
    else answer(new Response(data, { status: statusOf(decorated), headers: { "content-type": "application/json" } }));
    end("completed");
  })();
  return responded;
}
