/**
 * One Streamable HTTP POST carrying requests, from its arrival to its last response.
 *
 * @module
 */
import { ErrorCode, isResponse, type JsonRpcMessage, type RequestId } from "../jsonrpc.ts";
import { jsonRpcErrorResponse } from "../http.ts";
import type { MessageSink } from "../session.ts";
import type { ResponseMode } from "../options.ts";
import { canKeepOpen, keepOpen, type PlatformArg } from "./context.ts";
import { encode, type EventChannel, type SessionStreams } from "./session_streams.ts";
import { encodeEvent, SSE_HEADERS } from "../sse.ts";

/**
 * Response headers: `base` (from the transport) with `extra` set over it. Plain objects are
 * merged as they are, without a Headers round trip (the common case, on the hot path).
 */
function withHeaders(base: HeadersInit, extra: Readonly<Record<string, string>>): HeadersInit {
  if (typeof base === "object" && base !== null && Object.getPrototypeOf(base) === Object.prototype) {
    const names = Object.keys(base);
    if (!names.some((name) => name.toLowerCase() in extra)) return { ...base as Record<string, string>, ...extra };
  }
  const merged = new Headers(base);
  for (const name in extra) merged.set(name, extra[name]);
  return merged;
}

const JSON_HEADERS: Readonly<Record<string, string>> = { "content-type": "application/json" };

/**
 * What a {@link PostExchange} needs.
 *
 * @example
 * ```ts
 * import type { ExchangeInit } from "./post_exchange.ts";
 * // Built by the Streamable HTTP transport for each POST that carries requests.
 * function describeExchange(init: ExchangeInit): string {
 *   return `${init.requestIds.length} request(s), ${init.mode} mode`;
 * }
 * ```
 */
export interface ExchangeInit {
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
 *
 * @example
 * ```ts ignore
 * const exchange = new PostExchange({ streams, mode: "auto", requestIds: [1], batch: false, request, platform, prime: true, headers: () => ({}) });
 * void session.receive(message, exchange);
 * return exchange.response;
 * ```
 */
export class PostExchange implements MessageSink {
  readonly response: Promise<Response>;
  #resolve!: (response: Response) => void;
  readonly #init: ExchangeInit;
  readonly #pending: Set<RequestId>;
  /** Responses held for a JSON answer, with their JSON text. */
  #responses: Array<{ message: JsonRpcMessage; text: string }> = [];
  #channel: EventChannel | undefined;
  #done = false;
  readonly #disown: () => void;
  /** Runs once this turn is over, for an exchange not answered yet (see the constructor). */
  #turnTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(init: ExchangeInit) {
    this.#init = init;
    this.#pending = new Set(init.requestIds);
    this.response = new Promise((resolve) => (this.#resolve = resolve));
    this.#disown = init.streams.session.own(() => this.#sessionClosed());
    // Most requests are answered within this turn: JSON, or in SSE mode the whole SSE body as
    // one string (the same bytes as a stream, without a stream's cost). An exchange still open
    // after the turn lifts the runtime's idle limit for its request (a long request must not
    // be cut while its response is pending), and in SSE mode gets its live stream.
    if (init.mode === "sse" || canKeepOpen(init.platform)) {
      this.#turnTimer = setTimeout(() => {
        this.#turnTimer = undefined;
        if (this.#done) return;
        keepOpen(init.request, init.platform);
        if (init.mode === "sse" && !this.#channel) this.#openStream();
      }, 0);
    }
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
        this.#resolve(this.#init.mode === "sse" ? this.#sseAnswer() : this.#jsonAnswer());
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
      // No response at all (every request cancelled): not 202, which the spec keeps for POSTs of
      // notifications and responses only; a request is answered with JSON or an SSE stream, and
      // a cancelled one must get no response, so: an SSE stream over with no message (every
      // POST accepts text/event-stream), whatever the mode.
      this.#resolve(this.#init.mode === "sse" || this.#responses.length === 0 ? this.#sseAnswer() : this.#jsonAnswer());
    }
    this.#finish();
  }

  /**
   * The whole SSE answer of an exchange over before its stream was needed: what the stream
   * would have carried (a priming event or a comment, then each response as an event, stored
   * for resumption under a stream id of its own), as one body.
   */
  #sseAnswer(): Response {
    const { streams, prime } = this.#init;
    const streamId = streams.nextPostStreamId();
    let body = "";
    if (prime && streams.store) {
      const id = streams.append(streamId, null);
      const retry = streams.ctx.options.sseRetryMs;
      if (id !== undefined) body = encodeEvent(retry > 0 ? { id, data: "", retry } : { id, data: "" });
    }
    if (body === "") body = ": stream open\n\n";
    // Every SSE response lifts the idle limit of its request, as a live stream does.
    keepOpen(this.#init.request, this.#init.platform);
    for (const { message, text } of this.#responses) {
      body += encodeEvent({ event: "message", id: streams.append(streamId, message), data: text });
    }
    return new Response(body, { headers: withHeaders(this.#init.headers(), SSE_HEADERS) });
  }

  #jsonAnswer(): Response {
    const headers = withHeaders(this.#init.headers(), JSON_HEADERS);
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
    this.#stopTurnTimer();
    this.#disown();
    this.#channel?.finish();
    this.#channel = undefined;
    this.#responses = [];
    this.#init.onDone?.();
  }

  #stopTurnTimer(): void {
    if (this.#turnTimer !== undefined) clearTimeout(this.#turnTimer);
    this.#turnTimer = undefined;
  }

  #sessionClosed(): void {
    if (this.#done) return;
    this.#stopTurnTimer();
    // Only matters while no response was chosen yet; an open stream ends with the session.
    // (SSE mode answers with a stream, over at once, as its stream would have been.)
    this.#resolve(
      this.#init.mode === "sse" && !this.#channel
        ? new Response(": stream open\n\n", { headers: withHeaders(this.#init.headers(), SSE_HEADERS) })
        : jsonRpcErrorResponse(404, ErrorCode.SessionNotFound, "Session closed"),
    );
    this.#done = true;
    this.#channel = undefined;
    this.#init.onDone?.();
  }
}
