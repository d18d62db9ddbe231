/**
 * The logical SSE streams of a Streamable HTTP session: one per POST that carries requests
 * (`p<n>`) and the standalone stream of GET (`g`). A logical stream may lose its HTTP
 * connection and get another (resumption with `Last-Event-ID`); only the end of its requests,
 * or the session's close, ends it.
 *
 * @module
 */
import { encodeMessage, type JsonRpcMessage } from "../jsonrpc.ts";
import { encodeEvent, SSE_HEADERS, SseStream } from "../sse.ts";
import type { EventStore, Replay } from "../event_store.ts";
import type { MessageSink, Session, SessionOwned } from "../session.ts";
import { keepOpen, type PlatformArg, type TransportContext } from "./context.ts";

/** The id of the standalone (GET) stream. */
const STANDALONE_STREAM = "g";

/**
 * A message as JSON text (see {@link encodeMessage}).
 *
 * @example
 * ```ts
 * import { encode } from "./session_streams.ts";
 * encode({ jsonrpc: "2.0", id: 1, result: {} }); // '{"jsonrpc":"2.0","id":1,"result":{}}'
 * ```
 */
export const encode: (message: JsonRpcMessage) => string | undefined = encodeMessage;

/**
 * What {@link SessionStreams} needs of a POST exchange it tracks: list links it owns, and what
 * to call when the session closes first.
 *
 * @example
 * ```ts
 * import type { TrackedExchange } from "./session_streams.ts";
 * const exchange: TrackedExchange = { prevExchange: undefined, nextExchange: undefined, sessionClosed() {} };
 * ```
 */
export interface TrackedExchange {
  /** Set by the owning {@link SessionStreams} only. */
  prevExchange: TrackedExchange | undefined;
  /** Set by the owning {@link SessionStreams} only. */
  nextExchange: TrackedExchange | undefined;
  /** The session closed while the exchange was open. */
  sessionClosed(): void;
}

/**
 * The streams of a Streamable HTTP session; `undefined` for other sessions.
 *
 * @example
 * ```ts ignore
 * const streams = streamsOf(session);
 * ```
 */
export function streamsOf(session: Session): SessionStreams | undefined {
  const state = session.transportState;
  return state instanceof SessionStreams ? state : undefined;
}

/**
 * What stays of a Streamable HTTP session's streams, for tests and metrics.
 *
 * @example
 * ```ts
 * import type { StreamableStats } from "./session_streams.ts";
 * const idle: StreamableStats = { postStreams: 0, connections: 0 }; // what a quiet session holds
 * ```
 */
export interface StreamableStats {
  /** POST streams alive (the standalone stream, made by the first GET and kept until the session ends, is not counted). */
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
  const streams = streamsOf(session);
  if (!streams) return undefined;
  let connections = 0;
  let postStreams = 0;
  for (const channel of streams.channels()) {
    if (channel.connected) connections++;
    if (channel.id !== STANDALONE_STREAM) postStreams++;
  }
  return { postStreams, connections };
}

/**
 * Closes every SSE connection of a Streamable HTTP session without ending its streams or the
 * session (2025-11-25 polling, or draining a server before a restart): clients reconnect with
 * `Last-Event-ID` and receive what was sent meanwhile. Returns how many connections closed.
 *
 * @example
 * ```ts ignore
 * import { closeSseConnections } from "./session_streams.ts";
 * for (const id of handler.sessions.ids()) closeSseConnections(handler.sessions.get(id)!);
 * ```
 */
export function closeSseConnections(session: Session): number {
  const streams = streamsOf(session);
  if (!streams) return 0;
  let closed = 0;
  for (const channel of streams.channels()) if (channel.dropConnection()) closed++;
  return closed;
}

/**
 * One HTTP connection carrying an SSE stream; ends on cancel, abort, failed write or close.
 * It holds its session (no idle timeout while it is open) and is its own abort listener: an
 * idle connection carries no closures.
 */
class Connection extends SseStream {
  readonly #channel: EventChannel;
  readonly #signal: AbortSignal;
  readonly #held: boolean;

  constructor(channel: EventChannel, ctx: TransportContext, request: Request, platform: PlatformArg) {
    super({ keepAliveMs: ctx.options.keepAliveMs, maxBufferedBytes: ctx.options.maxBufferedBytes });
    this.#channel = channel;
    this.#held = channel.session.holdStream();
    this.#signal = request.signal;
    this.#signal.addEventListener("abort", this, { once: true });
    if (this.#signal.aborted) this.close();
    else keepOpen(request, platform);
  }

  /** The request was aborted (the client went). */
  handleEvent(): void {
    this.close();
  }

  protected override onClosed(): void {
    this.#signal.removeEventListener("abort", this);
    if (this.#held) this.#channel.session.releaseStream();
    this.#channel.connectionClosed(this);
  }
}

/**
 * One logical SSE stream of a session (a POST's, or the standalone one a GET opens, to which the
 * session's `defaultSink` sends).
 *
 * @example
 * ```ts ignore
 * const channel = streams.openPostStream();
 * const response = channel.connect(request, platform, { prime: true });
 * channel.send({ jsonrpc: "2.0", id: 1, result: {} });
 * channel.finish();
 * ```
 */
export class EventChannel implements MessageSink {
  readonly id: string;
  readonly #owner: SessionStreams;
  #connection: Connection | undefined;
  #everConnected = false;
  #finished = false;
  /** An event id of this stream reached a connection: the client may resume from it. */
  #resumable = false;

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

  /** The session the stream belongs to. */
  get session(): Session {
    return this.#owner.session;
  }

  /** Called once by a connection of this stream when it has closed. */
  connectionClosed(connection: SseStream): void {
    if (this.#connection === connection) this.#connection = undefined;
    if (!this.#finished) this.#owner.onConnectionLost?.(this);
  }

  /**
   * Gives the stream a new HTTP connection (replacing one still open) and answers with it.
   * The first chunk goes out at once (Bun sends no headers before it): replayed events, a
   * priming event for 2025-11-25 clients, or a comment.
   */
  connect(request: Request, platform: PlatformArg, init: { headers?: HeadersInit; prime: boolean; replay?: Replay }): Response {
    this.#connection?.close();
    const connection = new Connection(this, this.#owner.ctx, request, platform);
    let headers: HeadersInit = SSE_HEADERS;
    if (init.headers !== undefined) {
      const merged = new Headers(init.headers);
      for (const [k, v] of Object.entries(SSE_HEADERS)) merged.set(k, v);
      headers = merged;
    }
    const response = new Response(connection.readable, { headers });
    if (connection.closed) return response;
    this.#connection = connection;
    this.#everConnected = true;
    const store = this.#owner.store;
    let wrote = false;
    if (init.replay) {
      for (const event of init.replay.events) {
        const data = event.message === null ? undefined : encode(event.message);
        if (data !== undefined) wrote = connection.send({ event: "message", id: event.id, data }) || wrote;
      }
    } else if (init.prime && store) {
      const retry = this.#owner.ctx.options.sseRetryMs;
      const id = this.#owner.append(this.id, null);
      if (id !== undefined) {
        wrote = connection.send(retry > 0 ? { id, data: "", retry } : { id, data: "" });
        if (wrote) this.#resumable = true;
      }
    }
    if (!wrote) connection.comment("stream open");
    return response;
  }

  /**
   * Sends a message on the stream: stored for resumption (when a store is configured) and
   * written to the connection if there is one. True when the client has it or can resume it.
   *
   * A client resumes from the id of an event it received and gets what followed. So on a stream
   * whose ids have not reached the client yet (no priming event), the first event written is
   * stored without its message, as the anchor to resume from: nothing could ever replay that
   * message, and keeping it would only hold memory. Before that, with no connection open, a
   * message is lost (false) and nothing is stored.
   */
  send(message: JsonRpcMessage): boolean {
    return this.sendEncoded(message, encode(message));
  }

  /** {@link EventChannel.send} with the message's JSON text already made. */
  sendEncoded(message: JsonRpcMessage, text: string | undefined): boolean {
    if (this.#finished || !this.#everConnected || text === undefined) return false;
    const connection = this.#connection;
    if (!this.#resumable) {
      if (!connection) return false;
      const anchor = this.#owner.append(this.id, null);
      if (!connection.send({ event: "message", id: anchor, data: text })) return false;
      if (anchor !== undefined) this.#resumable = true;
      return true;
    }
    const id = this.#owner.append(this.id, message, text);
    if (connection && connection.send({ event: "message", id, data: text })) return true;
    return id !== undefined;
  }

  /** Closes the current connection, not the stream (polling); false when there is none. */
  dropConnection(): boolean {
    const connection = this.#connection;
    if (!connection) return false;
    connection.close();
    return true;
  }

  /** Ends the stream and its connection. Idempotent. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#connection?.close();
    this.#owner.forget(this);
  }
}

/**
 * The logical streams of one session; created with the session, ended by its close.
 *
 * @example
 * ```ts ignore
 * const streams = new SessionStreams(session, ctx, new MemoryEventStore());
 * session.defaultSink = streams; // the standalone stream, once a GET opened it
 * ```
 */
export class SessionStreams implements SessionOwned, MessageSink {
  readonly session: Session;
  readonly ctx: TransportContext;
  readonly store: EventStore | undefined;
  /** The standalone stream, once a GET asked for it. */
  #standalone: EventChannel | undefined;
  /** The POST streams alive, by id; made for the first one (an idle session has none). */
  #posts: Map<string, EventChannel> | undefined;
  #nextStream = 0;
  /** POST exchanges not over yet: an intrusive list (no allocation per POST), ended by the session's close. */
  #exchanges: TrackedExchange | undefined;
  #exchangeCount = 0;

  /** Called when a stream loses its connection while it goes on (stateless mode ends its session). */
  readonly onConnectionLost?: (channel: EventChannel) => void;

  constructor(session: Session, ctx: TransportContext, store: EventStore | undefined, onConnectionLost?: (channel: EventChannel) => void) {
    this.session = session;
    this.ctx = ctx;
    this.store = store;
    this.onConnectionLost = onConnectionLost;
    session.transportState = this;
    session.own(this);
  }

  /** The session closed: every stream ends, and what the store kept of the session goes. */
  sessionClosed(): void {
    // (Most sessions close with no stream alive: no list of none is made for them.)
    if (this.#posts?.size || this.#standalone) for (const channel of this.channels()) channel.finish();
    this.#endExchanges();
    this.store?.dropSession(this.session.id);
  }

  /** The streams alive now (a copy: finishing one while going through them is safe). */
  channels(): EventChannel[] {
    const all = this.#posts ? [...this.#posts.values()] : [];
    if (this.#standalone) all.push(this.#standalone);
    return all;
  }

  /** The stream alive with this id, if any. */
  channel(id: string): EventChannel | undefined {
    return id === STANDALONE_STREAM ? this.#standalone : this.#posts?.get(id);
  }

  /** POST exchanges of this session not over yet (what the cap on streams per session counts). */
  get openExchanges(): number {
    return this.#exchangeCount;
  }

  /** Tracks an open POST exchange until {@link SessionStreams.untrack}; false once the session is closed. */
  track(exchange: TrackedExchange): boolean {
    if (this.session.closed) return false;
    const head = this.#exchanges;
    exchange.nextExchange = head;
    exchange.prevExchange = undefined;
    if (head) head.prevExchange = exchange;
    this.#exchanges = exchange;
    this.#exchangeCount++;
    return true;
  }

  /** Stops tracking an exchange. Idempotent. */
  untrack(exchange: TrackedExchange): void {
    const { prevExchange: prev, nextExchange: next } = exchange;
    if (prev) prev.nextExchange = next;
    else if (this.#exchanges === exchange) this.#exchanges = next;
    else return; // Not tracked (any more).
    if (next) next.prevExchange = prev;
    exchange.prevExchange = exchange.nextExchange = undefined;
    this.#exchangeCount--;
  }

  #endExchanges(): void {
    let exchange = this.#exchanges;
    this.#exchanges = undefined;
    this.#exchangeCount = 0;
    while (exchange) {
      const next = exchange.nextExchange;
      exchange.prevExchange = exchange.nextExchange = undefined;
      try {
        exchange.sessionClosed();
      } catch {
        // One failing exchange must not keep the others open.
      }
      exchange = next;
    }
  }

  /**
   * As the session's `defaultSink`: the standalone stream, once a GET has opened it. Before that
   * nothing can be delivered, as on a stream never connected; so most sessions, which never
   * open one, make no stream object at all.
   */
  send(message: JsonRpcMessage): boolean {
    return this.#standalone?.send(message) ?? false;
  }

  /** The standalone stream (GET), created on first use; it lives as long as the session. */
  standalone(): EventChannel {
    return this.#standalone ??= new EventChannel(this, STANDALONE_STREAM);
  }

  /** A new stream for one POST; it ends after the POST's last response. */
  openPostStream(): EventChannel {
    const channel = new EventChannel(this, this.nextPostStreamId());
    (this.#posts ??= new Map()).set(channel.id, channel);
    return channel;
  }

  /**
   * The id of a new POST stream, for one answered whole (all its events known before the
   * response is made): its events are stored under it, and no channel is kept for it.
   */
  nextPostStreamId(): string {
    return `p${++this.#nextStream}`;
  }

  /** Stores an event; undefined without a store or when the store fails (the event then has no id). */
  append(streamId: string, message: JsonRpcMessage | null, text?: string): string | undefined {
    if (!this.store) return undefined;
    try {
      return this.store.append(this.session.id, streamId, message, text);
    } catch {
      return undefined;
    }
  }

  /**
   * Answers a GET with `Last-Event-ID`: replays what followed that event on its stream, then
   * continues live (the stream is still going) or ends (it is over). `undefined` when the id is
   * unknown or evicted.
   */
  resume(request: Request, platform: PlatformArg, lastEventId: string, prime: boolean): Response | undefined {
    let replay: Replay | undefined;
    try {
      replay = this.store?.replayAfter(this.session.id, lastEventId);
    } catch {
      replay = undefined;
    }
    if (!replay) return undefined;
    const channel = this.channel(replay.streamId);
    if (channel && !channel.finished) return channel.connect(request, platform, { prime, replay });
    let text = "";
    for (const event of replay.events) {
      const data = event.message === null ? undefined : encode(event.message);
      if (data !== undefined) text += encodeEvent({ event: "message", id: event.id, data });
    }
    return new Response(text || ": stream over\n\n", { headers: SSE_HEADERS });
  }

  forget(channel: EventChannel): void {
    if (this.#standalone === channel) this.#standalone = undefined;
    else if (this.#posts?.get(channel.id) === channel) {
      this.#posts.delete(channel.id);
      if (this.#posts.size === 0) this.#posts = undefined;
    }
  }
}
