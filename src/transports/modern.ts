/**
 * The 2026-07-28 transport: every request is one self-contained POST, classified modern by
 * {@link classifyEra} with its envelope already validated. No session is created or read:
 * the handler sees one {@link RequestContext} built from the envelope. The request lives
 * exactly as long as its response: it has one idempotent end, reached from completion,
 * the client closing the stream or aborting the request, a failed write, and shutdown.
 *
 * @module
 */
import { type Deadline, startDeadline } from "../security/limits.ts";
import { encodeMessage, ErrorCode, errorResponse, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse } from "../jsonrpc.ts";
import { accepts, jsonResponse, jsonRpcErrorResponse } from "../http.ts";
import { abortContext, finishContext, HandlerContext, type RequestContext } from "../context.ts";
import { envelopeChannel, SERVER_INFO_KEY } from "../envelope.ts";
import { checkParamHeaders, checkStandardHeaders, paramHeadersOf } from "../mcp_headers.ts";
import { honouredFilter, parseListenFilter } from "../listen.ts";
import { CACHEABLE_METHODS } from "../caching.ts";
import { encodeEvent, SSE_HEADERS, SseStream } from "../sse.ts";
import type { TrackedRequest } from "../inflight.ts";
import type { ResponseMode } from "../options.ts";
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

/**
 * The result of a successful response when {@link decorate} would only append `resultType` and
 * `_meta` to a copy of it: a plain object without those keys (nor `toJSON`), of a method
 * without caching hints. Its JSON is then spliced instead of copying the object.
 */
function plainCompleteResult(response: JsonRpcResponse, request: JsonRpcRequest): Record<string, unknown> | undefined {
  if (!("result" in response) || response.id === undefined || CACHEABLE_METHODS.has(request.method)) return undefined;
  const result = response.result;
  if (typeof result !== "object" || result === null) return undefined;
  const proto = Object.getPrototypeOf(result);
  if (proto !== Object.prototype && proto !== null) return undefined;
  if ("resultType" in result || "_meta" in result || "toJSON" in result) return undefined;
  return result;
}

/** The same text as `JSON.stringify(decorate(...))` for a {@link plainCompleteResult}. */
function completeResultJson(server: McpServer, id: NonNullable<JsonRpcResponse["id"]> | null, result: Record<string, unknown>): string {
  const body = JSON.stringify(result);
  const head = body.length > 2 ? `${body.slice(0, -1)},` : "{";
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${head}"resultType":"complete","_meta":{${SERVER_INFO_JSON_KEY}:${JSON.stringify(server.info)}}}}`;
}

const SERVER_INFO_JSON_KEY = JSON.stringify(SERVER_INFO_KEY);

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
  if (!ctx.inFlight.accepting) return Promise.resolve(shuttingDown(route.message.id));
  const exchange = new ModernExchange(ctx, request, route, platform);
  return exchange.response;
}

const JSON_HEADERS: Readonly<Record<string, string>> = { "content-type": "application/json" };

/**
 * One 2026 request from its arrival to its single end. Most are answered in the turn they
 * started in, and then cost no more than the handler: the client's abort signal (costly to
 * even read on some runtimes), the deadline, the runtime's idle limit and, in SSE mode, a live
 * stream are only taken on by a request that outlives that turn ({@link ModernExchange.outlived}).
 * A client that went away meanwhile cannot have been noticed by anything else either: nothing
 * but the request's own code ran, and its answer is simply not read.
 */
class ModernExchange implements TrackedRequest {
  readonly response: Promise<Response>;
  #resolve!: (response: Response) => void;
  readonly #ctx: TransportContext;
  readonly #request: Request;
  readonly #platform: PlatformArg;
  readonly #message: JsonRpcRequest;
  readonly #mode: ResponseMode;
  /** The handler's context; its signal is made only if the handler reads it (aborted through {@link abortContext}). */
  readonly #context: HandlerContext;
  #stream: SseStream | undefined;
  #deadline: Deadline | undefined;
  #onAbort: (() => void) | undefined;
  #answered = false;
  #ticket = -1;
  #ended = false;

  constructor(ctx: TransportContext, request: Request, route: ModernRoute & { messageKind: "request" }, platform: PlatformArg) {
    this.#ctx = ctx;
    this.#request = request;
    this.#platform = platform;
    const message = this.#message = route.message;
    this.#mode = accepts(request.headers, "text/event-stream") ? ctx.options.responseMode : "json";
    this.response = new Promise<Response>((resolve) => (this.#resolve = resolve));
    // The request's principal: from the auth hook, or one a host framework attached (2026 has no session to keep it).
    const channel = envelopeChannel(route.envelope, (m) => this.#sendRelated(m), ctx.principal ?? principalOf(request));
    const context = this.#context = new HandlerContext(channel, message);
    this.#ticket = ctx.inFlight.track(this);
    // A sync handler's response is sent within this call; only a handler's promise is waited for.
    const handled = ctx.server.dispatch(message, context);
    if (!(handled instanceof Promise)) {
      this.#handled(handled);
      return;
    }
    handled.then(
      (response) => this.#handled(response),
      (error) => this.#handled(errorResponse(message.id, ErrorCode.InternalError, `Internal error: ${error instanceof Error ? error.message : String(error)}`)),
    );
  }

  get over(): boolean {
    return this.#ended;
  }

  /** Still going after its first turn: now it needs what a long request needs. */
  outlived(): void {
    if (this.#ended) return;
    // A handler may take longer than the runtime's idle limit before its first byte.
    keepOpen(this.#request, this.#platform);
    const signal = this.#request.signal;
    if (signal.aborted) return this.#end("cancelled");
    this.#onAbort = () => this.#end("cancelled");
    signal.addEventListener("abort", this.#onAbort, { once: true });
    // A handler that runs past handlerTimeoutMs is aborted and answered with an error.
    const ms = this.#ctx.options.handlerTimeoutMs;
    if (ms > 0 && Number.isFinite(ms)) {
      const context = this.#context;
      const deadline = this.#deadline = startDeadline(ms, { abort: (reason) => abortContext(context, reason) });
      deadline.expired.then(() => {
        finishContext(context);
        if (!this.#ended) this.#respond(errorResponse(this.#message.id, ErrorCode.InternalError, `Request timed out after ${ms} ms`));
      });
    }
    if (this.#mode === "sse" && this.#stream === undefined) this.#openStream();
  }

  shutdown(): void {
    this.#end("shutdown");
  }

  /** A related message (progress, logs) before the response: it needs the stream. */
  #sendRelated(message: JsonRpcMessage): void {
    if (this.#ended || this.#mode === "json") return; // JSON mode has nowhere to put related notifications.
    const data = encodeMessage(message);
    if (data === undefined) return; // Unserialisable: dropped, as on the session transports.
    (this.#stream ?? this.#openStream()).send({ event: "message", data });
  }

  #openStream(): SseStream {
    const stream = this.#stream = new SseStream({
      keepAliveMs: this.#ctx.options.keepAliveMs,
      maxBufferedBytes: this.#ctx.options.maxBufferedBytes,
      // A stream that ends before the response was written is the client cancelling.
      onClose: () => this.#end("cancelled"),
    });
    this.#answer(new Response(stream.readable, { headers: SSE_HEADERS }));
    return stream;
  }

  #handled(response: JsonRpcResponse): void {
    finishContext(this.#context);
    if (!this.#ended) this.#respond(response);
  }

  /** Sends the response (decorated for 2026) and ends the request. */
  #respond(response: JsonRpcResponse): void {
    const message = this.#message;
    const server = this.#ctx.server;
    const plain = plainCompleteResult(response, message);
    let decorated = plain === undefined ? decorate(server, response, message, this.#context) : undefined;
    let data: string;
    try {
      data = plain === undefined ? JSON.stringify(decorated) : completeResultJson(server, response.id!, plain);
    } catch (error) {
      // A result that cannot be serialised (BigInt, cycles) is the server's error, not a hang.
      decorated = errorResponse(message.id, ErrorCode.InternalError, `Result could not be serialised: ${error instanceof Error ? error.message : String(error)}`);
      data = JSON.stringify(decorated);
    }
    if (this.#stream) this.#stream.send({ event: "message", data });
    // Answered within its first turn: the whole SSE body as one string, the bytes a stream would have carried.
    else if (this.#mode === "sse") this.#answer(new Response(encodeEvent({ event: "message", data }), { headers: SSE_HEADERS }));
    else this.#answer(new Response(data, { status: decorated === undefined ? 200 : statusOf(decorated), headers: JSON_HEADERS }));
    this.#end("completed");
  }

  #answer(response: Response): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#resolve(response);
  }

  /**
   * The single end of this request: idempotent, reached from completion, from every way the
   * client can go away (cancel, abort: the handler's signal aborts) and from shutdown.
   */
  #end(how: "completed" | "cancelled" | "shutdown"): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#deadline?.clear();
    if (this.#onAbort !== undefined) this.#request.signal.removeEventListener("abort", this.#onAbort);
    this.#ctx.inFlight.untrack(this, this.#ticket);
    if (how !== "completed") {
      abortContext(this.#context, new Error(how === "shutdown" ? "The server is shutting down" : "The client closed the request's stream"));
    }
    if (how === "shutdown") {
      // The client is still there: tell it why its request ends without a result.
      const error = errorResponse(this.#message.id, ErrorCode.InternalError, "Server shutting down");
      this.#stream?.send({ event: "message", data: JSON.stringify(error) });
      this.#answer(jsonResponse(error, { status: 503 }));
    }
    this.#stream?.close();
    // A client that went away reads nothing; the promise is settled all the same.
    this.#answer(new Response(null, { status: 499 }));
  }
}
