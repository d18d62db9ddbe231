/**
 * Streamable HTTP for 2025 clients (2025-03-26 → 2025-11-25), on the shared session core.
 *
 * A session's messages travel on logical streams: one per POST that carries requests
 * (`p<n>`) and the standalone stream of GET (`g`). A logical stream may lose its HTTP
 * connection and get another one (resumption with `Last-Event-ID`); only the end of its
 * requests, or the session's close, ends it. The session itself ends only through
 * `Session.close()`: DELETE, the idle timeout, shutdown; never because a stream dropped.
 *
 * @module
 */
import {
  ErrorCode,
  errorResponse,
  isRequest,
  isResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  parseMessage,
  type RequestId,
} from "../jsonrpc.ts";
import { accepts, jsonRpcErrorResponse } from "../http.ts";
import { encodeEvent, SSE_HEADERS, SseStream } from "../sse.ts";
import type { EventStore, Replay } from "../event_store.ts";
import type { MessageSink, Session } from "../session.ts";
import { DEFAULT_HEADER_VERSION, isSessionVersion, negotiateVersion } from "../versions.ts";
import type { ResponseMode } from "../options.ts";
import { keepOpen, type PlatformArg, type TransportContext } from "./context.ts";

/** Most messages one batch may carry (2025-03-26 clients only). */
export const MAX_BATCH_MESSAGES = 100;

/** Seconds a client is asked to wait when the session cap is reached. */
const RETRY_AFTER_SECONDS = 10;

/** The first version whose clients get priming events and may be polled. */
const PRIMING_VERSION = "2025-11-25";

/** The last version that allows JSON-RPC batches. */
const LAST_BATCH_VERSION = "2025-03-26";

/** The id of the standalone (GET) stream. */
const STANDALONE_STREAM = "g";

const NO_SINK: MessageSink = { send: () => false };

/**
 * A message as JSON text. A result that cannot be serialised (a handler returned a BigInt or a
 * cycle) becomes an internal error, so the request is still answered; other messages: undefined.
 */
function encode(message: JsonRpcMessage): string | undefined {
  try {
    return JSON.stringify(message);
  } catch (error) {
    if (!isResponse(message)) return undefined;
    return JSON.stringify(errorResponse(message.id, ErrorCode.InternalError, `Response could not be serialized: ${String(error)}`));
  }
}

const streamsOf = new WeakMap<Session, SessionStreams>();

/** What stays of a Streamable HTTP session's streams, for tests and metrics. */
export interface StreamableStats {
  /** POST streams alive (the standalone stream lives as long as the session and is not counted). */
  postStreams: number;
  /** Open HTTP connections carrying them. */
  connections: number;
}

/**
 * The streams a Streamable HTTP session holds now; `undefined` for other sessions.
 * Tests use it to show that nothing per request stays behind.
 *
 * @example
 * ```ts ignore
 * streamableStats(handler.sessions.get(id)!); // { postStreams: 0, connections: 0 }
 * ```
 */
export function streamableStats(session: Session): StreamableStats | undefined {
  const streams = streamsOf.get(session);
  if (!streams) return undefined;
  let connections = 0;
  for (const channel of streams.channels.values()) if (channel.connected) connections++;
  const postStreams = streams.channels.size - (streams.channels.has(STANDALONE_STREAM) ? 1 : 0);
  return { postStreams, connections };
}

/**
 * Closes every SSE connection of a Streamable HTTP session without ending its streams or the
 * session (2025-11-25 polling, or draining a server before a restart): clients reconnect with
 * `Last-Event-ID` and receive what was sent meanwhile. Returns how many connections closed.
 *
 * @example
 * ```ts ignore
 * import { closeSseConnections } from "./streamable.ts";
 * for (const id of handler.sessions.ids()) closeSseConnections(handler.sessions.get(id)!);
 * ```
 */
export function closeSseConnections(session: Session): number {
  const streams = streamsOf.get(session);
  if (!streams) return 0;
  let closed = 0;
  for (const channel of [...streams.channels.values()]) if (channel.dropConnection()) closed++;
  return closed;
}

/** One HTTP connection carrying an SSE stream; ends on cancel, abort, failed write or close. */
class Connection {
  readonly sse: SseStream;
  constructor(ctx: TransportContext, request: Request, platform: PlatformArg, onClosed: () => void) {
    const onAbort = () => this.sse.close();
    this.sse = new SseStream({
      keepAliveMs: ctx.options.keepAliveMs,
      maxBufferedBytes: ctx.options.maxBufferedBytes,
      onClose: () => {
        request.signal.removeEventListener("abort", onAbort);
        onClosed();
      },
    });
    request.signal.addEventListener("abort", onAbort, { once: true });
    if (request.signal.aborted) this.sse.close();
    keepOpen(request, platform);
  }
}

/** One logical SSE stream of a session; as a sink, it is the session's `defaultSink` (GET). */
class EventChannel implements MessageSink {
  readonly id: string;
  readonly #owner: SessionStreams;
  #connection: Connection | undefined;
  #everConnected = false;
  #finished = false;

  constructor(owner: SessionStreams, id: string) {
    this.#owner = owner;
    this.id = id;
  }

  get connected(): boolean {
    return this.#connection !== undefined;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /**
   * Gives the stream a new HTTP connection (replacing one still open) and answers with it.
   * The first chunk goes out at once (Bun sends no headers before it): replayed events, a
   * priming event for 2025-11-25 clients, or a comment.
   */
  connect(request: Request, platform: PlatformArg, init: { headers?: HeadersInit; prime: boolean; replay?: Replay }): Response {
    this.#connection?.sse.close();
    const session = this.#owner.session;
    const release = session.hold();
    const connection: Connection = new Connection(this.#owner.ctx, request, platform, () => {
      release();
      if (this.#connection === connection) this.#connection = undefined;
    });
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(SSE_HEADERS)) headers.set(k, v);
    const response = new Response(connection.sse.readable, { headers });
    if (connection.sse.closed) return response;
    this.#connection = connection;
    this.#everConnected = true;
    const store = this.#owner.store;
    let wrote = false;
    if (init.replay) {
      for (const event of init.replay.events) {
        const data = event.message === null ? undefined : encode(event.message);
        if (data !== undefined) wrote = connection.sse.send({ event: "message", id: event.id, data }) || wrote;
      }
    } else if (init.prime && store) {
      const retry = this.#owner.ctx.options.sseRetryMs;
      const id = this.#owner.append(this.id, null);
      if (id !== undefined) wrote = connection.sse.send(retry > 0 ? { id, data: "", retry } : { id, data: "" });
    }
    if (!wrote) connection.sse.comment("stream open");
    return response;
  }

  /**
   * Sends a message on the stream: stored for resumption (when a store is configured) and
   * written to the connection if there is one. True when the client has it or can resume it.
   */
  send(message: JsonRpcMessage): boolean {
    return this.sendEncoded(message, encode(message));
  }

  /** {@link EventChannel.send} with the message's JSON text already made. */
  sendEncoded(message: JsonRpcMessage, text: string | undefined): boolean {
    if (this.#finished || !this.#everConnected || text === undefined) return false;
    const id = this.#owner.append(this.id, message);
    const connection = this.#connection;
    if (connection && connection.sse.send({ event: "message", id, data: text })) return true;
    return id !== undefined;
  }

  /** Closes the current connection, not the stream (polling); false when there is none. */
  dropConnection(): boolean {
    const connection = this.#connection;
    if (!connection) return false;
    connection.sse.close();
    return true;
  }

  /** Ends the stream and its connection. Idempotent. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#connection?.sse.close();
    this.#owner.forget(this);
  }
}

/** The logical streams of one session; created with the session, ended by its close. */
class SessionStreams {
  readonly session: Session;
  readonly ctx: TransportContext;
  readonly store: EventStore | undefined;
  readonly channels = new Map<string, EventChannel>();
  #nextStream = 0;

  constructor(session: Session, ctx: TransportContext, store: EventStore | undefined) {
    this.session = session;
    this.ctx = ctx;
    this.store = store;
    streamsOf.set(session, this);
    session.own(() => {
      for (const channel of [...this.channels.values()]) channel.finish();
      this.store?.dropSession(session.id);
    });
  }

  /** The standalone stream (GET), created on first use; it lives as long as the session. */
  standalone(): EventChannel {
    let channel = this.channels.get(STANDALONE_STREAM);
    if (!channel) {
      channel = new EventChannel(this, STANDALONE_STREAM);
      this.channels.set(channel.id, channel);
    }
    return channel;
  }

  /** A new stream for one POST; it ends after the POST's last response. */
  openPostStream(): EventChannel {
    const channel = new EventChannel(this, `p${++this.#nextStream}`);
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** Stores an event; undefined without a store or when the store fails (the event then has no id). */
  append(streamId: string, message: JsonRpcMessage | null): string | undefined {
    if (!this.store) return undefined;
    try {
      return this.store.append(this.session.id, streamId, message);
    } catch {
      return undefined;
    }
  }

  forget(channel: EventChannel): void {
    if (this.channels.get(channel.id) === channel) this.channels.delete(channel.id);
  }
}

interface ExchangeInit {
  streams: SessionStreams;
  mode: ResponseMode;
  requestIds: RequestId[];
  batch: boolean;
  request: Request;
  platform: PlatformArg;
  /** Whether SSE streams of this POST start with a priming event. */
  prime: boolean;
  /** Response headers, decided when the response is made. */
  headers: () => HeadersInit;
  /** Runs once when the exchange ends (stateless mode closes its session here). */
  onDone?: () => void;
}

/**
 * One POST carrying requests: the sink of its requests. Decides the response's form (JSON or
 * SSE), delivers each message to exactly one place, and leaves nothing behind once the last
 * request is over.
 */
class PostExchange implements MessageSink {
  readonly response: Promise<Response>;
  #resolve!: (response: Response) => void;
  readonly #init: ExchangeInit;
  readonly #pending: Set<RequestId>;
  /** Responses held for a JSON answer, with their JSON text. */
  #responses: Array<{ message: JsonRpcMessage; text: string }> = [];
  #channel: EventChannel | undefined;
  #done = false;
  readonly #disown: () => void;

  constructor(init: ExchangeInit) {
    this.#init = init;
    this.#pending = new Set(init.requestIds);
    this.response = new Promise((resolve) => (this.#resolve = resolve));
    this.#disown = init.streams.session.own(() => this.#sessionClosed());
    if (init.mode === "sse") this.#openStream();
  }

  send(message: JsonRpcMessage): boolean {
    if (this.#done) return false;
    const final = isResponse(message) && message.id != null && this.#pending.has(message.id);
    const text = encode(message);
    if (final) this.#pending.delete((message as { id: RequestId }).id);
    if (this.#channel) {
      const delivered = this.#channel.sendEncoded(message, text);
      if (this.#pending.size === 0) this.#finish();
      return delivered;
    }
    if (final) {
      this.#responses.push({ message, text: text! });
      if (this.#pending.size === 0) {
        this.#resolve(this.#jsonAnswer());
        this.#finish();
      }
      return true;
    }
    // A notification or request before the last response.
    if (this.#init.mode === "json") {
      // JSON responses have no room for it: it goes to the standalone stream, if open.
      return this.#init.streams.session.defaultSink?.send(message) ?? false;
    }
    this.#openStream();
    return this.#channel!.send(message);
  }

  done(requestId: RequestId): void {
    // A request that ended without a response (cancelled) is over too.
    if (this.#done || !this.#pending.delete(requestId) || this.#pending.size > 0) return;
    if (!this.#channel) {
      this.#resolve(this.#responses.length > 0 ? this.#jsonAnswer() : new Response(null, { status: 202, headers: this.#init.headers() }));
    }
    this.#finish();
  }

  #jsonAnswer(): Response {
    const headers = new Headers(this.#init.headers());
    headers.set("content-type", "application/json");
    const texts = this.#responses.map((r) => r.text);
    const body = this.#init.batch ? `[${texts.join(",")}]` : texts[0];
    return new Response(body, { headers });
  }

  closeConnection(): boolean {
    if (this.#done) return false;
    // Undecided (auto mode): commit to a stream whose priming event lets the client resume.
    if (!this.#channel && this.#init.mode !== "json" && this.#init.prime && this.#init.streams.store) this.#openStream();
    return this.#channel?.dropConnection() ?? false;
  }

  #openStream(): void {
    const { streams, request, platform, prime } = this.#init;
    const channel = streams.openPostStream();
    this.#channel = channel;
    this.#resolve(channel.connect(request, platform, { headers: this.#init.headers(), prime }));
    // Responses that came first (a batch) go out before what made the stream necessary.
    const earlier = this.#responses;
    this.#responses = [];
    for (const { message, text } of earlier) channel.sendEncoded(message, text);
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#disown();
    this.#channel?.finish();
    this.#channel = undefined;
    this.#responses = [];
    this.#init.onDone?.();
  }

  #sessionClosed(): void {
    if (this.#done) return;
    // Only matters while no response was chosen yet; an open stream ends with the session.
    this.#resolve(sessionNotFound("Session closed"));
    this.#done = true;
    this.#channel = undefined;
    this.#init.onDone?.();
  }
}

function sessionNotFound(message = "Session not found"): Response {
  return jsonRpcErrorResponse(404, ErrorCode.SessionNotFound, message);
}

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
function lookupSession(ctx: TransportContext, request: Request): Session | Response {
  const id = request.headers.get("mcp-session-id");
  if (id === null || id === "") return badRequest("Mcp-Session-Id header is required");
  const session = ctx.registry.get(id);
  if (!session || session.closed || session.transport !== "streamable" || !streamsOf.has(session)) {
    return sessionNotFound();
  }
  return session;
}

/**
 * Checks `MCP-Protocol-Version`: absent means 2025-03-26 (accepted); an unsupported value, or
 * one other than the session's negotiated version, is a 400.
 */
function checkProtocolVersion(request: Request, session: Session | undefined): Response | undefined {
  const version = request.headers.get("mcp-protocol-version");
  if (version === null) return undefined;
  if (!isSessionVersion(version)) return badRequest(`Unsupported MCP-Protocol-Version: ${JSON.stringify(version)}`);
  if (session?.protocolVersion !== undefined && version !== session.protocolVersion) {
    return badRequest(`MCP-Protocol-Version ${version} does not match the negotiated version ${session.protocolVersion}`);
  }
  return undefined;
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
export function postStreamable(ctx: TransportContext, request: Request, platform: PlatformArg, body: unknown): Response | Promise<Response> {
  const headers = request.headers;
  if (!accepts(headers, "application/json", false) || !accepts(headers, "text/event-stream", false)) {
    return jsonRpcErrorResponse(406, ErrorCode.InvalidRequest, "Not Acceptable: the client must accept both application/json and text/event-stream");
  }
  const batch = Array.isArray(body);
  const raw: unknown[] = batch ? body as unknown[] : [body];
  if (raw.length === 0) return badRequest("an empty batch");
  if (raw.length > MAX_BATCH_MESSAGES) return badRequest(`a batch may carry at most ${MAX_BATCH_MESSAGES} messages`);
  const messages: JsonRpcMessage[] = [];
  for (const value of raw) {
    const message = parseMessage(value);
    if (!message) {
      const id = (value as { id?: unknown } | null)?.id;
      return badRequest("not a JSON-RPC 2.0 message", typeof id === "string" || typeof id === "number" ? id : null);
    }
    messages.push(message);
  }
  const requests = messages.filter(isRequest);
  if (new Set(requests.map((r) => r.id)).size !== requests.length) return badRequest("request ids in a batch must be unique");
  const initialize = requests.find((r) => r.method === "initialize");
  if (initialize && batch) return badRequest("initialize must not be sent in a batch");
  const versionError = checkProtocolVersion(request, undefined);
  if (versionError) return versionError;

  if (ctx.options.stateless) return postStateless(ctx, request, platform, messages, batch, initialize);
  if (initialize) return initializeSession(ctx, request, platform, initialize);

  const found = lookupSession(ctx, request);
  if (found instanceof Response) return found;
  const session = found;
  const mismatch = checkProtocolVersion(request, session);
  if (mismatch) return mismatch;
  if (batch && session.protocolVersion !== undefined && session.protocolVersion > LAST_BATCH_VERSION) {
    return badRequest(`batches are not allowed in protocol version ${session.protocolVersion}`);
  }
  return dispatch(streamsOf.get(session)!, messages, batch, request, platform, () => ({}));
}

function initializeSession(ctx: TransportContext, request: Request, platform: PlatformArg, initialize: JsonRpcRequest): Response | Promise<Response> {
  if (ctx.registry.full) {
    return jsonRpcErrorResponse(503, ErrorCode.InternalError, "Service Unavailable: too many sessions, try again later", {
      id: initialize.id,
      headers: { "retry-after": String(RETRY_AFTER_SECONDS) },
    });
  }
  const session = ctx.registry.create("streamable");
  const streams = new SessionStreams(session, ctx, ctx.options.eventStore || undefined);
  session.defaultSink = streams.standalone();
  const version = negotiateVersion(initialize.params?.protocolVersion);
  // A failed initialize closes its session: a JSON response then names none. (An SSE
  // response is made before the outcome is known; the id it names answers 404 afterwards.)
  const sseFirst = ctx.options.responseMode === "sse";
  const headers = (): HeadersInit =>
    session.closed || (!sseFirst && session.protocolVersion === undefined) ? {} : { "mcp-session-id": session.id };
  const response = dispatch(streams, [initialize], false, request, platform, headers, version);
  return Promise.resolve(response).then((r) => {
    if (session.protocolVersion === undefined) session.close("closed");
    return r;
  });
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
  // Each POST gets a session of its own that closes when the POST is answered.
  const session = ctx.registry.create("streamable", { idleTimeoutMs: 0 });
  const streams = new SessionStreams(session, ctx, undefined);
  if (!initialize) {
    session.protocolVersion = headerVersion;
    session.initialized = true;
  }
  const response = dispatch(streams, messages, batch, request, platform, () => ({}), undefined, () => session.close("closed"));
  if (response instanceof Response) session.close("closed");
  return response;
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
  const requestIds = messages.filter(isRequest).map((r) => r.id);
  if (requestIds.length === 0) {
    for (const message of messages) void session.receive(message, session.defaultSink ?? NO_SINK);
    return new Response(null, { status: 202 });
  }
  // A long request must not be cut by the runtime's idle limit while the response is pending.
  keepOpen(request, platform);
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
    // receive() does not reject; should it ever, the request is still answered.
    session.receive(message, exchange).catch((error) => {
      exchange.send(errorResponse(message.id, ErrorCode.InternalError, `Internal error: ${String(error)}`));
    });
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
  if (!accepts(request.headers, "text/event-stream", false)) {
    return jsonRpcErrorResponse(406, ErrorCode.InvalidRequest, "Not Acceptable: the client must accept text/event-stream");
  }
  const found = lookupSession(ctx, request);
  if (found instanceof Response) return found;
  const session = found;
  const mismatch = checkProtocolVersion(request, session);
  if (mismatch) return mismatch;
  session.touch();
  const streams = streamsOf.get(session)!;
  const prime = (session.protocolVersion ?? DEFAULT_HEADER_VERSION) >= PRIMING_VERSION;
  const lastEventId = request.headers.get("last-event-id");
  if (lastEventId !== null && streams.store) {
    const replay = streams.store.replayAfter(session.id, lastEventId);
    if (!replay) return badRequest("unknown or expired Last-Event-ID");
    const channel = streams.channels.get(replay.streamId);
    if (channel && !channel.finished) return channel.connect(request, platform, { prime, replay });
    // The stream is over: replay what the client missed, then end.
    let text = "";
    for (const event of replay.events) {
      const data = event.message === null ? undefined : encode(event.message);
      if (data !== undefined) text += encodeEvent({ event: "message", id: event.id, data });
    }
    return new Response(text || ": stream over\n\n", { headers: SSE_HEADERS });
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
  const found = lookupSession(ctx, request);
  if (found instanceof Response) return found;
  const mismatch = checkProtocolVersion(request, found);
  if (mismatch) return mismatch;
  found.close("deleted");
  return new Response(null, { status: 200 });
}
