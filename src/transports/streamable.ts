/**
 * Streamable HTTP for 2025 clients (2025-03-26 → 2025-11-25), on the shared session core.
 *
 * Sessions by `Mcp-Session-Id`, the header rules, and the answers to POST, GET and DELETE.
 * A session's messages travel on the logical streams of `session_streams.ts`; each POST with
 * requests is a `PostExchange`. The session ends only through `Session.close()`: DELETE, the
 * idle timeout, shutdown; never because a stream dropped.
 *
 * @module
 */
import {
  ErrorCode,
  errorResponse,
  isRequest,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  parseMessage,
  type RequestId,
} from "../jsonrpc.ts";
import { accepts, acceptsValue, jsonRpcErrorResponse, sessionNotFoundResponse, tooManySessionsResponse } from "../http.ts";
import { type MessageSink, RECEIVED, type Session } from "../session.ts";
import { principalOf } from "../request_principal.ts";
import { DEFAULT_HEADER_VERSION, isSessionVersion, negotiateVersion } from "../versions.ts";
import type { PlatformArg, TransportContext } from "./context.ts";
import { checkBatchSize, tooManyStreamsResponse } from "../security/limits.ts";
import { SessionStreams, streamsOf } from "./session_streams.ts";
import { NO_HEADERS, PostExchange } from "./post_exchange.ts";


/**
 * Most messages one batch may carry by default (2025-03-26 clients only; option `maxBatchSize`).
 *
 * @example
 * ```ts
 * import { MAX_BATCH_MESSAGES } from "./streamable.ts";
 * MAX_BATCH_MESSAGES; // 100: a longer 2025-03-26 batch gets 400
 * ```
 */
export const MAX_BATCH_MESSAGES = 100;

/** The first version whose clients get priming events and may be polled. */
const PRIMING_VERSION = "2025-11-25";

/** The last version that allows JSON-RPC batches. */
const LAST_BATCH_VERSION = "2025-03-26";

const NO_SINK: MessageSink = { send: () => false };

function badRequest(message: string, id?: RequestId | null): Response {
  return jsonRpcErrorResponse(400, ErrorCode.InvalidRequest, `Bad Request: ${message}`, { id });
}

/** 405 for GET and DELETE where there are no sessions. */
function statelessMethodNotAllowed(): Response {
  return jsonRpcErrorResponse(405, ErrorCode.InvalidRequest, "Method Not Allowed: this server is stateless", {
    headers: { allow: "POST" },
  });
}

/** The session named by `Mcp-Session-Id`, or the error response (400 without it, 404 unknown). */
function lookupSession(ctx: TransportContext, headers: Headers): Session | Response {
  const id = headers.get("mcp-session-id");
  if (id === null || id === "") return badRequest("Mcp-Session-Id header is required");
  const session = ctx.registry.get(id);
  if (!session || session.closed || session.transport !== "streamable" || !streamsOf(session)) {
    return sessionNotFoundResponse();
  }
  return session;
}

/**
 * Checks `MCP-Protocol-Version`: absent means 2025-03-26 and is accepted; a value Tether does
 * not serve on sessions is a 400. A supported value other than the negotiated one is accepted
 * (the spec asks only that clients SHOULD send the negotiated one): what a request may do —
 * batches, priming events — always follows the session's negotiated version, never the header.
 */
function checkProtocolVersion(headers: Headers): Response | undefined {
  const version = headers.get("mcp-protocol-version");
  if (version === null || isSessionVersion(version)) return undefined;
  return badRequest(`Unsupported MCP-Protocol-Version: ${JSON.stringify(version)}`);
}

/** An `Accept` value last seen admitting both JSON and SSE: clients repeat theirs on every POST. */
let acceptedBoth: string | undefined;

/** Whether `Accept` admits both `application/json` and `text/event-stream` (a POST's answer may be either). */
function acceptsJsonAndSse(headers: Headers): boolean {
  const accept = headers.get("accept");
  if (accept === null) return false;
  if (accept === acceptedBoth) return true;
  if (!acceptsValue(accept, "application/json", false) || !acceptsValue(accept, "text/event-stream", false)) return false;
  acceptedBoth = accept;
  return true;
}

/** The 406 of a POST whose `Accept` does not admit both answers a POST may get. */
function notAcceptableResponse(): Response {
  return jsonRpcErrorResponse(406, ErrorCode.InvalidRequest, "Not Acceptable: the client must accept both application/json and text/event-stream");
}

/**
 * Answers a POST to the MCP endpoint from a 2025 client. The body has been read and parsed
 * by the endpoint (`body` is the parsed JSON).
 *
 * @example
 * ```ts ignore
 * const response = await postStreamable(ctx, request, platform, JSON.parse(text));
 * ```
 */
export function postStreamable(
  ctx: TransportContext,
  request: Request,
  platform: PlatformArg,
  body: unknown,
  headers: Headers = request.headers,
): Response | Promise<Response> {
  if (!acceptsJsonAndSse(headers)) {
    return notAcceptableResponse();
  }
  if (!Array.isArray(body)) {
    // One message (nearly every POST): no batch bookkeeping.
    // (A batch limit below one refuses even a single message, as for a batch of one.)
    if (!(ctx.options.maxBatchSize >= 1)) return checkBatchSize([body], ctx.options.maxBatchSize)!;
    const message = parseMessage(body);
    if (!message) return notJsonRpc(body);
    const versionError = checkProtocolVersion(headers);
    if (versionError) return versionError;
    return postOneMessage(ctx, request, platform, message, headers);
  }
  const raw = body as unknown[];
  if (raw.length === 0) return badRequest("an empty batch");
  const tooMany = checkBatchSize(raw, ctx.options.maxBatchSize);
  if (tooMany) return tooMany;
  const messages: JsonRpcMessage[] = [];
  for (const value of raw) {
    const message = parseMessage(value);
    if (!message) return notJsonRpc(value);
    messages.push(message);
  }
  const requests = messages.filter(isRequest);
  if (requests.length > 1 && new Set(requests.map((r) => r.id)).size !== requests.length) return badRequest("request ids in a batch must be unique");
  const initialize = requests.find((r) => r.method === "initialize");
  if (initialize) return badRequest("initialize must not be sent in a batch");
  const versionError = checkProtocolVersion(headers);
  if (versionError) return versionError;

  if (ctx.options.stateless) return postStateless(ctx, request, platform, messages, true, undefined);

  const found = lookupSession(ctx, headers);
  if (found instanceof Response) return found;
  const session = found;
  if (session.protocolVersion !== undefined && session.protocolVersion > LAST_BATCH_VERSION) {
    return badRequest(`batches are not allowed in protocol version ${session.protocolVersion}`);
  }
  return dispatch(streamsOf(session)!, messages, true, request, platform, NO_HEADERS);
}

/**
 * {@link postStreamable} for one message already known to be a valid JSON-RPC request or
 * notification (`initialize` too), whose `MCP-Protocol-Version` header is absent or a session
 * version (see `sessionMessageOf` in `era.ts`): the checks left, in the same order.
 *
 * @example
 * ```ts ignore
 * const message = sessionMessageOf(body, headers);
 * if (message) return postSessionMessage(ctx, request, platform, message, headers);
 * ```
 */
export function postSessionMessage(
  ctx: TransportContext,
  request: Request,
  platform: PlatformArg,
  message: JsonRpcRequest | JsonRpcNotification,
  headers: Headers,
): Response | Promise<Response> {
  if (!acceptsJsonAndSse(headers)) {
    return notAcceptableResponse();
  }
  if (!(ctx.options.maxBatchSize >= 1)) return checkBatchSize([message], ctx.options.maxBatchSize)!;
  return postOneMessage(ctx, request, platform, message, headers);
}

/** One message that passed every check: a stateless answer, a new session (`initialize`), or the session's. */
function postOneMessage(ctx: TransportContext, request: Request, platform: PlatformArg, message: JsonRpcMessage, headers: Headers): Response | Promise<Response> {
  const initialize = isRequest(message) && message.method === "initialize" ? message : undefined;
  if (ctx.options.stateless) return postStateless(ctx, request, platform, [message], false, initialize);
  if (initialize) return initializeSession(ctx, request, platform, initialize);
  return postToSession(ctx, request, platform, message, headers);
}

/** One message, not `initialize`, for the session `Mcp-Session-Id` names. */
function postToSession(ctx: TransportContext, request: Request, platform: PlatformArg, message: JsonRpcMessage, headers: Headers): Response | Promise<Response> {
  const found = lookupSession(ctx, headers);
  if (found instanceof Response) return found;
  return dispatchOne(streamsOf(found)!, message, request, platform);
}

function notJsonRpc(value: unknown): Response {
  const id = (value as { id?: unknown } | null)?.id;
  return badRequest("not a JSON-RPC 2.0 message", typeof id === "string" || typeof id === "number" ? id : null);
}

function initializeSession(ctx: TransportContext, request: Request, platform: PlatformArg, initialize: JsonRpcRequest): Response | Promise<Response> {
  if (ctx.registry.full) return tooManySessionsResponse(initialize.id);
  const session = ctx.registry.create("streamable", { principal: principalOf(request) });
  const streams = new SessionStreams(session, ctx, ctx.options.eventStore || undefined);
  // Messages not tied to a request go to the standalone stream, made when a GET opens it.
  session.defaultSink = streams;
  const version = negotiateVersion(initialize.params?.protocolVersion);
  // A failed initialize closes its session: a JSON response then names none. (An SSE
  // response is made before the outcome is known; the id it names answers 404 afterwards.)
  const sseFirst = ctx.options.responseMode === "sse";
  const headers = (): HeadersInit =>
    session.closed || (!sseFirst && session.protocolVersion === undefined) ? {} : { "mcp-session-id": session.id };
  // Once the initialize response is out: a session that did not initialize goes.
  const closeIfFailed = () => {
    if (session.protocolVersion === undefined) session.close("closed");
  };
  return dispatch(streams, [initialize], false, request, platform, headers, version, closeIfFailed);
}

function postStateless(
  ctx: TransportContext,
  request: Request,
  platform: PlatformArg,
  messages: JsonRpcMessage[],
  batch: boolean,
  initialize: JsonRpcRequest | undefined,
): Response | Promise<Response> {
  const headerVersion = request.headers.get("mcp-protocol-version") ?? DEFAULT_HEADER_VERSION;
  if (batch && headerVersion > LAST_BATCH_VERSION) return badRequest(`batches are not allowed in protocol version ${headerVersion}`);
  // Each POST gets a session of its own that closes when the POST is answered, or when its
  // client goes (abort or a dropped stream): without a session nobody could resume the answer.
  const session = ctx.registry.create("streamable", { idleTimeoutMs: 0, principal: principalOf(request) });
  const streams = new SessionStreams(session, ctx, undefined, () => session.close("client-gone"));
  const onAbort = () => session.close("client-gone");
  request.signal.addEventListener("abort", onAbort, { once: true });
  session.own(() => request.signal.removeEventListener("abort", onAbort));
  if (!initialize) {
    session.protocolVersion = headerVersion;
    session.initialized = true;
  }
  const response = dispatch(streams, messages, batch, request, platform, NO_HEADERS, undefined, () => session.close("closed"));
  // Answered without an exchange left open (202, a refusal, a sync answer): nothing more comes.
  // (A Response whose exchange is still open, a stream chosen before the handler's first await,
  // closes the session through onDone when its last response is sent.)
  if (response instanceof Response && streams.openExchanges === 0) session.close("closed");
  return response;
}

/** One message on a known session: a notification or response (202), or one request. */
function dispatchOne(streams: SessionStreams, message: JsonRpcMessage, request: Request, platform: PlatformArg): Promise<Response> | Response {
  const session = streams.session;
  if (!isRequest(message)) {
    void session.receive(message, session.defaultSink ?? NO_SINK);
    return new Response(null, { status: 202 });
  }
  const refused = streamCapRefusal(streams);
  if (refused) return refused;
  const exchange = new PostExchange({
    streams,
    mode: streams.ctx.options.responseMode,
    requestIds: [message.id],
    batch: false,
    request,
    platform,
    prime: (session.protocolVersion ?? DEFAULT_HEADER_VERSION) >= PRIMING_VERSION,
    headers: NO_HEADERS,
  });
  receiveRequest(session, message, exchange);
  return exchange.response;
}

/**
 * The 429 when the session already holds as many POSTs carrying requests as it may (each may
 * become a stream: the exchanges its streams track), else undefined.
 */
function streamCapRefusal(streams: SessionStreams): Response | undefined {
  const maxStreams = streams.ctx.options.maxStreamsPerSession;
  return streams.session.closed || streams.openExchanges >= maxStreams ? tooManyStreamsResponse(maxStreams) : undefined;
}

/** Hands a request to the session; receive() does not reject, but should it ever, the request is still answered. */
function receiveRequest(session: Session, message: JsonRpcRequest, exchange: PostExchange): void {
  const received = session.receive(message, exchange);
  // (Done with at once, as a sync handler's request is: nothing can reject, no handler to attach.)
  if (received === RECEIVED) return;
  received.catch((error) => {
    exchange.send(errorResponse(message.id, ErrorCode.InternalError, `Internal error: ${String(error)}`));
  });
}

/** Hands the messages of one POST to the session and answers: 202, JSON or SSE. */
function dispatch(
  streams: SessionStreams,
  messages: JsonRpcMessage[],
  batch: boolean,
  request: Request,
  platform: PlatformArg,
  headers: () => HeadersInit,
  primingVersion?: string,
  onDone?: () => void,
): Promise<Response> | Response {
  const session = streams.session;
  const requestIds: RequestId[] = [];
  for (const message of messages) if (isRequest(message)) requestIds.push(message.id);
  if (requestIds.length === 0) {
    for (const message of messages) void session.receive(message, session.defaultSink ?? NO_SINK);
    return new Response(null, { status: 202 });
  }
  const refused = streamCapRefusal(streams);
  if (refused) return refused;
  // (The runtime's idle limit is lifted by the exchange, once it outlives its turn.)
  const version = primingVersion ?? session.protocolVersion ?? DEFAULT_HEADER_VERSION;
  const exchange = new PostExchange({
    streams,
    mode: streams.ctx.options.responseMode,
    requestIds,
    batch,
    request,
    platform,
    prime: version >= PRIMING_VERSION,
    headers,
    onDone,
  });
  for (const message of messages) {
    if (!isRequest(message)) {
      void session.receive(message, session.defaultSink ?? NO_SINK);
      continue;
    }
    receiveRequest(session, message, exchange);
  }
  return exchange.response;
}

/**
 * Answers a GET to the MCP endpoint: the standalone stream, or the resumption of a stream
 * after `Last-Event-ID`.
 *
 * @example
 * ```ts ignore
 * const response = getStreamable(ctx, request, platform);
 * ```
 */
export function getStreamable(ctx: TransportContext, request: Request, platform: PlatformArg): Response {
  if (ctx.options.stateless) return statelessMethodNotAllowed();
  const headers = request.headers;
  if (!accepts(headers, "text/event-stream", false)) {
    return jsonRpcErrorResponse(406, ErrorCode.InvalidRequest, "Not Acceptable: the client must accept text/event-stream");
  }
  const found = lookupSession(ctx, headers);
  if (found instanceof Response) return found;
  const session = found;
  const versionError = checkProtocolVersion(headers);
  if (versionError) return versionError;
  session.touch();
  const streams = streamsOf(session)!;
  const prime = (session.protocolVersion ?? DEFAULT_HEADER_VERSION) >= PRIMING_VERSION;
  const lastEventId = headers.get("last-event-id");
  if (lastEventId !== null && streams.store) {
    return streams.resume(request, platform, lastEventId, prime) ?? badRequest("unknown or expired Last-Event-ID");
  }
  const standalone = streams.standalone();
  if (standalone.connected) {
    return jsonRpcErrorResponse(409, ErrorCode.InvalidRequest, "Conflict: only one standalone SSE stream is allowed per session");
  }
  return standalone.connect(request, platform, { prime });
}

/**
 * Answers a DELETE to the MCP endpoint: the session closes (200); afterwards its id gets 404.
 *
 * @example
 * ```ts ignore
 * const response = deleteStreamable(ctx, request);
 * ```
 */
export function deleteStreamable(ctx: TransportContext, request: Request): Response {
  if (ctx.options.stateless) return statelessMethodNotAllowed();
  const headers = request.headers;
  const found = lookupSession(ctx, headers);
  if (found instanceof Response) return found;
  const versionError = checkProtocolVersion(headers);
  if (versionError) return versionError;
  found.close("deleted");
  return new Response(null, { status: 200 });
}
