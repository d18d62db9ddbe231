/**
 * One Streamable HTTP POST carrying requests, from its arrival to its last response.
 *
 * @module
 */
import { ErrorCode, isResponse, type JsonRpcMessage, type RequestId } from "../jsonrpc.ts";
import { jsonRpcErrorResponse } from "../http.ts";
import type { MessageSink } from "../session.ts";
import type { ResponseMode } from "../options.ts";
import type { PlatformArg } from "./context.ts";
import { encode, type EventChannel, type SessionStreams } from "./session_streams.ts";

/** What a {@link PostExchange} needs. */
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
    const init = this.#init.headers();
    // Plain objects (what the transports pass) are extended as they are, without a Headers round trip.
    let headers: HeadersInit;
    if (typeof init === "object" && init !== null && Object.getPrototypeOf(init) === Object.prototype &&
      !Object.keys(init).some((name) => name.toLowerCase() === "content-type")) {
      headers = { ...init as Record<string, string>, "content-type": "application/json" };
    } else {
      const merged = new Headers(init);
      merged.set("content-type", "application/json");
      headers = merged;
    }
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
    this.#resolve(jsonRpcErrorResponse(404, ErrorCode.SessionNotFound, "Session closed"));
    this.#done = true;
    this.#channel = undefined;
    this.#init.onDone?.();
  }
}
