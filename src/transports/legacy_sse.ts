/**
 * The 2024-11-05 HTTP+SSE transport: GET opens a session's event stream, whose first event
 * names the endpoint to POST messages to; responses travel on the stream.
 *
 * The stream is the session's life: when it ends, for whatever reason, the session closes.
 *
 * @module
 */
import { encodeMessage, ErrorCode, type JsonRpcMessage, parseMessage } from "../jsonrpc.ts";
import { accepts, jsonRpcErrorResponse, readJsonBody, sessionNotFoundResponse, tooManySessionsResponse } from "../http.ts";
import { SSE_HEADERS, type SseCloseReason, SseStream } from "../sse.ts";
import { SESSION_ID_PATTERN } from "../registry.ts";
import type { MessageSink, Session, SessionOwned } from "../session.ts";
import { principalOf } from "../request_principal.ts";
import { keepOpen, type PlatformArg, type TransportContext } from "./context.ts";

/**
 * Opens a legacy session: answers the GET with an SSE stream whose first event is `endpoint`.
 *
 * @example
 * ```ts ignore
 * const response = openLegacySession(ctx, request, undefined, "/messages");
 * ```
 */
export function openLegacySession(
  ctx: TransportContext,
  request: Request,
  platform: PlatformArg,
  messagesUrl: string,
): Response {
  if (!accepts(request.headers, "text/event-stream")) {
    return jsonRpcErrorResponse(406, ErrorCode.InvalidRequest, "Not Acceptable: the client must accept text/event-stream");
  }
  if (ctx.registry.full) return tooManySessionsResponse();
  // Legacy sessions end with their stream; the idle timeout does not apply to them.
  const session = ctx.registry.create("sse", { idleTimeoutMs: 0, principal: principalOf(request) });
  const stream = new LegacyStream(ctx, session, request.signal);
  session.defaultSink = new LegacySink(stream);
  session.own(stream);
  session.hold();
  if (request.signal.aborted) session.close("client-gone");
  else keepOpen(request, platform);
  stream.send({ event: "endpoint", data: `${messagesUrl}?sessionId=${session.id}` });
  return new Response(stream.readable, { headers: SSE_HEADERS });
}

/**
 * A legacy session's stream, which is the session's life: however it ends, the session
 * closes, and an aborted request closes the session (and with it the stream). It is its own
 * abort listener and what its session owns: an idle legacy session carries no closures.
 */
class LegacyStream extends SseStream implements SessionOwned {
  readonly #session: Session;
  readonly #signal: AbortSignal;

  constructor(ctx: TransportContext, session: Session, signal: AbortSignal) {
    super({ keepAliveMs: ctx.options.keepAliveMs, maxBufferedBytes: ctx.options.maxBufferedBytes });
    this.#session = session;
    this.#signal = signal;
    signal.addEventListener("abort", this, { once: true });
  }

  /** The request was aborted (the client went). */
  handleEvent(): void {
    this.#session.close("client-gone");
  }

  /** The session closed (for any reason): the stream ends. */
  sessionClosed(): void {
    this.close();
  }

  protected override onClosed(reason: SseCloseReason): void {
    this.#signal.removeEventListener("abort", this);
    this.#session.close(reason === "cancel" ? "client-gone" : reason === "closed" ? "closed" : "write-failed");
  }
}

/** Where a legacy session's messages go: `message` events on its stream. */
class LegacySink implements MessageSink {
  readonly #stream: SseStream;
  constructor(stream: SseStream) {
    this.#stream = stream;
  }
  /** Never throws: an unserialisable response becomes -32603, anything else is undeliverable. */
  send(message: JsonRpcMessage): boolean {
    const data = encodeMessage(message);
    return data !== undefined && this.#stream.sendMessage(data);
  }
}

/**
 * Accepts a message POSTed for a legacy session: 202 once a live session has it.
 *
 * @example
 * ```ts ignore
 * const response = await postLegacyMessage(ctx, request);
 * ```
 */
export async function postLegacyMessage(ctx: TransportContext, request: Request): Promise<Response> {
  const id = sessionIdParam(request.url);
  if (id === null || id === "") {
    return jsonRpcErrorResponse(400, ErrorCode.InvalidRequest, "Bad Request: missing sessionId query parameter");
  }
  if (!SESSION_ID_PATTERN.test(id)) {
    return jsonRpcErrorResponse(400, ErrorCode.InvalidRequest, "Bad Request: malformed sessionId");
  }
  const session = legacySession(ctx, id);
  if (!session) return sessionNotFoundResponse();
  const parsed = await readJsonBody(request, ctx.options.maxBodyBytes);
  if (parsed instanceof Response) return parsed;
  const message = parseMessage(parsed.body);
  if (!message) {
    return jsonRpcErrorResponse(400, ErrorCode.InvalidRequest, "Invalid Request: not a JSON-RPC 2.0 message");
  }
  // The session may have closed while the body was read. Only a session that is live now gets
  // the message, and only then is 202 the answer. (A closed session has left the registry and
  // has no sink: checking it is the same as looking its id up again.)
  const sink = session.defaultSink;
  if (session.closed || sink === undefined) return sessionNotFoundResponse();
  void session.receive(message, sink);
  return new Response("Accepted", ACCEPTED);
}

/** The 202 answer's init, shared: a Response copies its headers, so nothing can change it. */
const ACCEPTED: ResponseInit = { status: 202, headers: { "content-type": "text/plain" } };

/** Length of `?sessionId=` followed by a session id (32 hex digits, {@link SESSION_ID_PATTERN}). */
const PLAIN_QUERY_LENGTH = "?sessionId=".length + 32;

/**
 * The `sessionId` query parameter of a request URL, as `new URL(url).searchParams.get("sessionId")`
 * gives it, without building a URL (and its URLSearchParams) for the plain
 * `…/messages?sessionId=<id>` every message is posted to.
 *
 * @example
 * ```ts
 * import { sessionIdParam } from "./legacy_sse.ts";
 * sessionIdParam("http://127.0.0.1/messages?sessionId=0123456789abcdef0123456789abcdef"); // "0123456789abcdef0123456789abcdef"
 * sessionIdParam("http://127.0.0.1/messages?a=1&sessionId=x%79"); // "xy" (the URL parser decides)
 * sessionIdParam("http://127.0.0.1/messages"); // null
 * ```
 */
export function sessionIdParam(url: string): string | null {
  // The fast path takes only a query that is exactly `sessionId=` and 32 hex digits, at the end
  // of a URL with no `#` (so the `?` found starts the query, not a fragment): then the
  // parameter is those digits, as URLSearchParams would decode them (nothing to decode).
  const query = url.length - PLAIN_QUERY_LENGTH;
  if (query > 0 && url.charCodeAt(query) === 63 /* ? */ && url.startsWith("sessionId=", query + 1) && url.indexOf("?") === query && !url.includes("#")) {
    const id = url.slice(query + 11);
    if (SESSION_ID_PATTERN.test(id)) return id;
  }
  return new URL(url).searchParams.get("sessionId");
}

/** The live 2024-11-05 session with this id: another transport's session is not one (its answers would go astray). */
function legacySession(ctx: TransportContext, id: string): Session | undefined {
  const session = ctx.registry.get(id);
  return session && !session.closed && session.transport === "sse" ? session : undefined;
}
