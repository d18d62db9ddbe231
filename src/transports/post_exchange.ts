/**
 * One Streamable HTTP POST carrying requests, from its arrival to its last response.
 *
 * @module
 */
import { ErrorCode, isPlainRecord, isResponse, type JsonRpcMessage, type RequestId } from "../jsonrpc.ts";
import { jsonRpcErrorResponse } from "../http.ts";
import type { MessageSink } from "../session.ts";
import type { ResponseMode } from "../options.ts";
import { canKeepOpen, keepOpen, type PlatformArg } from "./context.ts";
import { encode, type EventChannel, type SessionStreams, type TrackedExchange } from "./session_streams.ts";
import { encodeEvent, encodeMessageEvent, SSE_HEADERS } from "../sse.ts";

/** The headers object of {@link NO_HEADERS}: recognised by identity, never rebuilt. */
const EMPTY_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The `headers` of an exchange that adds no response headers of its own (every POST on a known
 * session): shared, so the common answer reuses one headers object instead of merging per request.
 *
 * @example
 * ```ts
 * import { NO_HEADERS } from "./post_exchange.ts";
 * NO_HEADERS(); // {}
 * ```
 */
export const NO_HEADERS = (): HeadersInit => EMPTY_HEADERS;

/**
 * A 200 response of `body` with its content headers `own` and the transport's headers `base` (a
 * name in both keeps `own`'s value). `own` goes to the constructor and `base` is set afterwards:
 * Deno builds a Response given a string body and headers beyond one Content-Type into a native
 * response at once, which costs ~1.5 µs more per response over `Deno.serve` than setting the
 * same headers afterwards (measured: bench/README.md, "headers after construction"); on Bun
 * both cost the same.
 *
 * @example
 * ```ts
 * import { answerWith } from "./post_exchange.ts";
 * const response = answerWith("{}", { "content-type": "application/json" }, { "mcp-session-id": "abc" });
 * response.headers.get("mcp-session-id"); // "abc"
 * ```
 */
export function answerWith(body: string, own: Readonly<Record<string, string>>, base: HeadersInit): Response {
  const response = new Response(body, { headers: own });
  if (base === EMPTY_HEADERS) return response;
  const headers = response.headers;
  if (isPlainRecord(base)) {
    for (const name in base) if (!(name.toLowerCase() in own)) headers.set(name, base[name] as string);
  } else {
    new Headers(base).forEach((value, name) => {
      if (!(name in own)) headers.set(name, value);
    });
  }
  return response;
}

/** Not frozen: a frozen init object makes `new Response` slower on Deno (and no faster on Bun). Never mutated. */
const JSON_HEADERS: Readonly<Record<string, string>> = { "content-type": "application/json" };

/**
 * Exchanges still open when their turn ends, checked once by one timer for all of them (not a
 * timer per POST): see {@link PostExchange}.
 */
let turnQueue: PostExchange[] = [];
let turnArmed = false;

function checkAfterThisTurn(exchange: PostExchange): void {
  turnQueue.push(exchange);
  if (turnArmed) return;
  turnArmed = true;
  setTimeout(endOfTurn, 0);
}

/**
 * Exchanges made in this turn, watched for a few rounds of microtasks first: most requests are
 * answered within them, and then need no timer at all (a timer per turn is the main cost of an
 * SSE answer on Deno). Those still open after {@link MICROTASK_ROUNDS} rounds wait for the end
 * of the turn as before, so the outcome is the same: what is open when the turn ends is checked.
 */
let watched: PostExchange[] = [];
let watching = false;
let rounds = 0;
const MICROTASK_ROUNDS = 32;

function watchThisTurn(exchange: PostExchange): void {
  watched.push(exchange);
  if (watching) return;
  watching = true;
  rounds = 0;
  queueMicrotask(watchRound);
}

function watchRound(): void {
  let open = 0;
  for (let i = 0; i < watched.length; i++) if (!watched[i].isDone) watched[open++] = watched[i];
  watched.length = open;
  if (open > 0 && ++rounds < MICROTASK_ROUNDS) {
    queueMicrotask(watchRound);
    return;
  }
  watching = false;
  const still = watched;
  watched = [];
  for (const exchange of still) checkAfterThisTurn(exchange);
}

function endOfTurn(): void {
  turnArmed = false;
  const queue = turnQueue;
  turnQueue = [];
  for (const exchange of queue) exchange.turnOver();
}

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
 * Cheap for the common case (one request, answered within its turn): no set of pending ids, no
 * closure registered with the session (its {@link SessionStreams} tracks open exchanges in an
 * intrusive list and ends them when the session closes), no timer of its own.
 *
 * @example
 * ```ts ignore
 * const exchange = new PostExchange({ streams, mode: "auto", requestIds: [1], batch: false, request, platform, prime: true, headers: () => ({}) });
 * void session.receive(message, exchange);
 * return exchange.response;
 * ```
 */
export class PostExchange implements MessageSink, TrackedExchange {
  /**
   * The answer, once chosen and while nobody waits for it (see {@link response}): a request
   * answered within the call that made its exchange needs no promise.
   */
  #answer: Response | undefined = undefined;
  /** The promise handed out by {@link response} before the answer was chosen, and its resolver. */
  #promise: Promise<Response> | undefined = undefined;
  #resolveWaiting: ((response: Response) => void) | undefined = undefined;
  readonly #init: ExchangeInit;
  /** The request ids not answered yet: one id held as it is, several in a set (batches). */
  #single: RequestId | undefined;
  #pending: Set<RequestId> | undefined;
  #left: number;
  /** Responses held for a JSON answer, with their JSON text. */
  #responses: Array<{ message: JsonRpcMessage; text: string }> = [];
  #channel: EventChannel | undefined;
  #done = false;
  /** Whether {@link response} was read (and the exchange, if still open, watched). */
  #read = false;
  /** Links of the session's list of open exchanges (owned by {@link SessionStreams}). */
  prevExchange: TrackedExchange | undefined = undefined;
  nextExchange: TrackedExchange | undefined = undefined;

  constructor(init: ExchangeInit) {
    this.#init = init;
    const ids = init.requestIds;
    this.#left = ids.length;
    if (ids.length === 1) this.#single = ids[0];
    else this.#pending = new Set(ids);
    if (!init.streams.track(this)) this.sessionClosed();
  }

  /**
   * The POST's response: the `Response` itself when it was chosen before this is first read
   * (a request answered synchronously), else a promise of it. Read once, after the exchange's
   * requests were handed to the session, in the turn that made the exchange.
   */
  get response(): Response | Promise<Response> {
    if (!this.#read) {
      this.#read = true;
      // Most requests are answered within this turn: JSON, or in SSE mode the whole SSE body as
      // one string (the same bytes as a stream, without a stream's cost). An exchange still open
      // after the turn lifts the runtime's idle limit for its request (a long request must not
      // be cut while its response is pending), and in SSE mode gets its live stream. (Read in
      // the turn that made the exchange: one already over, as a sync answer's is, needs no watch.)
      if (!this.#done && (this.#init.mode === "sse" || canKeepOpen(this.#init.platform))) watchThisTurn(this);
    }
    if (this.#answer !== undefined) return this.#answer;
    return this.#promise ??= new Promise((resolve) => (this.#resolveWaiting = resolve));
  }

  /** Chooses the POST's response (once: later choices are ignored, as a settled promise ignores them). */
  #resolve(response: Response): void {
    if (this.#resolveWaiting !== undefined) {
      this.#resolveWaiting(response);
      this.#resolveWaiting = undefined;
      this.#answer = response;
    } else if (this.#answer === undefined && this.#promise === undefined) {
      this.#answer = response;
    }
  }

  /** True once the exchange is over (its last response sent, or its session closed). */
  get isDone(): boolean {
    return this.#done;
  }

  /** Called once the turn that made the exchange is over (see {@link checkAfterThisTurn}). */
  turnOver(): void {
    if (this.#done) return;
    keepOpen(this.#init.request, this.#init.platform);
    if (this.#init.mode === "sse" && !this.#channel) this.#openStream();
  }

  /** Takes `id` off the pending requests; false when it was not pending. */
  #settle(id: RequestId): boolean {
    if (this.#pending === undefined) {
      if (this.#left === 0 || id !== this.#single) return false;
    } else if (!this.#pending.delete(id)) {
      return false;
    }
    this.#left--;
    return true;
  }

  send(message: JsonRpcMessage): boolean {
    if (this.#done) return false;
    const id = (message as { id?: RequestId | null }).id;
    const final = id != null && isResponse(message) && this.#settle(id);
    const text = encode(message);
    if (this.#channel) {
      const delivered = this.#channel.sendEncoded(message, text);
      if (this.#left === 0) this.#finish();
      return delivered;
    }
    if (final) {
      this.#responses.push({ message, text: text! });
      if (this.#left === 0) {
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
    if (this.#done || !this.#settle(requestId) || this.#left > 0) return;
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
   *
   * Unprimed, a lone response is neither stored nor given an id: a client resumes a stream from
   * the id of an event it received, and gets what followed it, so the first event of a stream with
   * no priming event can never be replayed. (Storing it anyway kept every such response alive until
   * evicted: with 64 busy sessions, 64,000 of them, ~6 µs of garbage collection per POST on Bun.)
   * In an unprimed batch the first response keeps its id, for the others to be resumed from, but
   * is stored without its message (an anchor), as on a live stream.
   */
  #sseAnswer(): Response {
    const { streams, prime } = this.#init;
    const responses = this.#responses;
    // Every SSE response lifts the idle limit of its request, as a live stream does.
    keepOpen(this.#init.request, this.#init.platform);
    let streamId: string | undefined;
    let body = "";
    if (prime && streams.store) {
      streamId = streams.nextPostStreamId();
      const id = streams.append(streamId, null);
      const retry = streams.ctx.options.sseRetryMs;
      if (id !== undefined) body = encodeEvent(retry > 0 ? { id, data: "", retry } : { id, data: "" });
    }
    const primed = body !== "";
    if (!primed) body = ": stream open\n\n";
    const storedAs = primed || responses.length > 1 ? streamId ?? streams.nextPostStreamId() : undefined;
    for (let i = 0; i < responses.length; i++) {
      const { message, text } = responses[i];
      let id: string | undefined;
      // Unprimed, the first event is the stream's anchor: its id, without its message (see above).
      if (storedAs !== undefined) id = primed || i > 0 ? streams.append(storedAs, message, text) : streams.append(storedAs, null);
      body += encodeMessageEvent(id, text);
    }
    return answerWith(body, SSE_HEADERS, this.#init.headers());
  }

  #jsonAnswer(): Response {
    const responses = this.#responses;
    if (!this.#init.batch) return answerWith(responses[0].text, JSON_HEADERS, this.#init.headers());
    let body = "[";
    for (let i = 0; i < responses.length; i++) body += (i === 0 ? "" : ",") + responses[i].text;
    return answerWith(body + "]", JSON_HEADERS, this.#init.headers());
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
    this.#init.streams.untrack(this);
    this.#channel?.finish();
    this.#channel = undefined;
    this.#responses = [];
    this.#init.onDone?.();
  }

  /** The session closed while the exchange was open (called by its {@link SessionStreams}). */
  sessionClosed(): void {
    if (this.#done) return;
    // Only matters while no response was chosen yet; an open stream ends with the session.
    // (SSE mode answers with a stream, over at once, as its stream would have been.)
    this.#resolve(
      this.#init.mode === "sse" && !this.#channel
        ? answerWith(": stream open\n\n", SSE_HEADERS, this.#init.headers())
        : jsonRpcErrorResponse(404, ErrorCode.SessionNotFound, "Session closed"),
    );
    this.#done = true;
    this.#channel = undefined;
    this.#init.onDone?.();
  }
}
