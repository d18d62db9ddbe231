/**
 * A session: the protocol state of one 2024/2025 client connection, with one idempotent
 * `close()` that is the single cleanup point. Everything the session owns (streams, timers,
 * in-flight handlers, pending server→client requests) ends there, and only there.
 *
 * @module
 */
import {
  ErrorCode,
  errorResponse,
  isNotification,
  isRequest,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  McpError,
  type RequestId,
} from "./jsonrpc.ts";
import {
  abortContext,
  type ClientRequestOptions,
  finishContext,
  HandlerContext,
  type Implementation,
  LOGGING_LEVELS,
  type LoggingLevel,
  type RequestChannel,
  type ResourceSubscriptions,
} from "./context.ts";
import type { McpServer } from "./server.ts";
import { IdleLink, IdleQueue } from "./idle_queue.ts";
import { addDeadline, type DeadlineEntry, MAX_TIMER_MS, removeDeadline, startDeadline } from "./security/limits.ts";
import type { MessageHandler, MessageHandlerFactory } from "./message_handler.ts";
import { missingClientCapability } from "./client_capabilities.ts";

/**
 * Where a session sends messages: a stream, or the response to one POST.
 *
 * @example
 * ```ts
 * import type { JsonRpcMessage } from "./jsonrpc.ts";
 * import type { MessageSink } from "./session.ts";
 * const received: JsonRpcMessage[] = [];
 * const sink: MessageSink = { send: (message) => (received.push(message), true) };
 * ```
 */
export interface MessageSink {
  /**
   * Delivers a message; false when it could not be (the stream is gone). A `send` that throws
   * is taken as false: a server→client request rejects at once, notifications are dropped.
   */
  send(message: JsonRpcMessage): boolean;
  /**
   * Called once a request received with this sink is over, after its response was sent or
   * when it ended without one (cancelled). Lets a per-request sink finish.
   */
  done?(requestId: RequestId): void;
  /**
   * Closes the HTTP connection carrying this sink's stream without ending the stream, so the
   * client reconnects with `Last-Event-ID` (2025-11-25 polling). False when there is none.
   */
  closeConnection?(): boolean;
}

/**
 * Sends `message` to `sink`, treating a sink that throws as one that could not deliver (false):
 * a custom sink's failure must not escape into handlers, timers or the publish fan-out.
 *
 * @example
 * ```ts
 * import { deliver, type MessageSink } from "./session.ts";
 * const broken: MessageSink = { send: () => { throw new Error("socket gone"); } };
 * deliver(broken, { jsonrpc: "2.0", method: "notifications/tools/list_changed" }); // false
 * ```
 */
export function deliver(sink: MessageSink, message: JsonRpcMessage): boolean {
  try {
    return sink.send(message);
  } catch {
    return false;
  }
}

/** Calls `sink.done(id)`; a sink whose `done` throws must not turn the request's end into a rejection. */
function doneWith(sink: MessageSink, id: RequestId): void {
  try {
    sink.done?.(id);
  } catch {
    // The request is over all the same.
  }
}

/**
 * Which transport a session belongs to.
 *
 * @example
 * ```ts
 * import type { SessionTransport } from "./session.ts";
 * const transport: SessionTransport = "streamable"; // or "sse" for 2024-11-05 sessions
 * ```
 */
export type SessionTransport = "sse" | "streamable";

/**
 * Why a session closed.
 *
 * @example
 * ```ts
 * import type { CloseReason, Session } from "./session.ts";
 * function endedByClient(session: Session): boolean {
 *   const reason: CloseReason | undefined = session.closeReason;
 *   return reason === "client-gone" || reason === "deleted";
 * }
 * ```
 */
export type CloseReason = "client-gone" | "write-failed" | "deleted" | "idle" | "shutdown" | "closed";

/**
 * The error pending server→client requests reject with when their session closes.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { McpServer } from "./server.ts";
 * import { SessionClosedError } from "./session.ts";
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * server.tool("confirm", {}, async (_args, ctx) => {
 *   try {
 *     await ctx.elicit("Sure?", z.object({ ok: z.boolean() }));
 *   } catch (error) {
 *     if (error instanceof SessionClosedError) console.log("client went away:", error.reason);
 *     throw error;
 *   }
 *   return { content: [] };
 * });
 * ```
 */
export class SessionClosedError extends Error {
  /** Why the session closed. */
  readonly reason: CloseReason;
  /** The error for a session that closed for `reason`. */
  constructor(reason: CloseReason) {
    super(`Session closed (${reason})`);
    this.name = "SessionClosedError";
    this.reason = reason;
  }
}

/**
 * Something a session owns that is an object rather than a function: {@link Session.own}
 * calls its `sessionClosed()` once, when the session closes. (An owner that is an object
 * anyway needs no closure to be owned: an idle session should cost little.)
 *
 * @example
 * ```ts
 * import type { SessionOwned } from "./session.ts";
 * class Stream implements SessionOwned {
 *   ended = false;
 *   sessionClosed(): void {
 *     this.ended = true;
 *   }
 * }
 * ```
 */
export interface SessionOwned {
  /** The session closed: end what it owned. */
  sessionClosed(): void;
}

/**
 * Everything a session needs from its registry and handler.
 *
 * @example
 * ```ts
 * import { McpServer } from "./server.ts";
 * import { Session, type SessionInit } from "./session.ts";
 * const init: SessionInit = {
 *   id: "0123456789abcdef0123456789abcdef",
 *   transport: "streamable",
 *   server: new McpServer({ name: "demo", version: "1" }),
 *   requestTimeoutMs: 60_000,
 *   idleTimeoutMs: 0,
 *   onClosed: () => {},
 * };
 * new Session(init).close(); // normally the SessionRegistry makes sessions
 * ```
 */
export interface SessionInit {
  /** The session id (visible ASCII, ≥128 random bits). */
  id: string;
  /** The transport that owns the session. */
  transport: SessionTransport;
  /** The shared server definition. */
  server: McpServer;
  /** The authenticated principal that created the session, if any. */
  principal?: unknown;
  /** Default timeout of server→client requests. */
  requestTimeoutMs: number;
  /** Request handlers running longer than this are aborted and answered with an error; 0 or absent = never. */
  handlerTimeoutMs?: number;
  /** Close the session after this long with nothing in flight and no open stream; 0 = never. */
  idleTimeoutMs: number;
  /**
   * Where the session waits out `idleTimeoutMs`: the registry shares one per timeout among its
   * sessions (one timer for all). Absent, a session with an idle timeout makes its own.
   */
  idleQueue?: IdleQueue<Session>;
  /** Called exactly once, from `close()`: the registry's removal. */
  onClosed(session: Session): void;
  /** Answers this session's messages in place of the server core (e.g. the SDK bridge). */
  messageHandler?: MessageHandlerFactory;
}

/** Runs what `own()` registered. */
function runRelease(release: (() => void) | SessionOwned): void {
  if (typeof release === "function") release();
  else release.sessionClosed();
}

/** Runs what `own()` registered at the session's close. */
function releaseQuietly(release: (() => void) | SessionOwned): void {
  try {
    runRelease(release);
  } catch {
    // A release that throws must not keep the others alive.
  }
}

/**
 * What `receive()` returns for a message it is done with at once (shared: it is never rejected,
 * so a caller may skip attaching a rejection handler to it).
 *
 * @example
 * ```ts ignore
 * const received = session.receive(message, sink);
 * if (received !== RECEIVED) received.catch(reportFailure);
 * ```
 */
export const RECEIVED: Promise<void> = Promise.resolve();

/** Shared by every `own()`/`hold()` that has nothing to undo. */
const noop = (): void => {};

/** What a session without subscriptions answers for {@link Session.subscriptions}. */
const NO_SUBSCRIPTIONS: ReadonlySet<string> = new Set<string>();

/**
 * What the core may do with a session's subscriptions: nothing once the session is closed.
 * (Prototype methods: no closures per session.)
 */
class SubscriptionsView {
  readonly #session: Session;
  readonly #set: Set<string>;
  constructor(session: Session, set: Set<string>) {
    this.#session = session;
    this.#set = set;
  }
  add(uri: string): void {
    if (!this.#session.closed) this.#set.add(uri);
  }
  delete(uri: string): boolean {
    return this.#set.delete(uri);
  }
  has(uri: string): boolean {
    return this.#set.has(uri);
  }
}

interface PendingRequest {
  resolve(result: Record<string, unknown>): void;
  reject(error: unknown): void;
}

/**
 * One client session. Created only by the {@link SessionRegistry}.
 *
 * @example
 * ```ts
 * import { McpServer } from "./server.ts";
 * import { SessionRegistry } from "./registry.ts";
 * const registry = new SessionRegistry(new McpServer({ name: "demo", version: "1" }));
 * const session = registry.create("sse");
 * session.close("closed");
 * registry.size; // 0
 * ```
 */
export class Session {
  /** The session id. */
  readonly id: string;
  /** The transport that owns the session. */
  readonly transport: SessionTransport;
  /** The principal that created the session (auth), if any. */
  readonly principal?: unknown;
  /** The negotiated version, once `initialize` succeeded. */
  protocolVersion?: string;
  /** The client's `clientInfo`. */
  clientInfo?: Implementation;
  /** The client's declared capabilities. */
  clientCapabilities: Record<string, unknown> = {};
  /** The level set by `logging/setLevel`; absent means every level is sent. */
  logLevel?: LoggingLevel;
  /** True once the client sent `notifications/initialized`. */
  initialized = false;
  /** Where messages not tied to a request go (the SSE stream, or the GET stream). */
  defaultSink?: MessageSink;
  /**
   * What the transport that made the session keeps for it (Streamable HTTP: the session's
   * streams), set once when the session is made. A field, not a WeakMap from sessions: an
   * entry there cost every session setup and every request's lookup more (ephemerons, ~0.5 µs
   * per setup on Deno).
   */
  transportState: object | undefined = undefined;

  readonly #server: McpServer;
  readonly #init: SessionInit;
  // What a session holds is made when first needed: an idle session (initialized, one open
  // stream) has none of these, and 10,000 idle sessions should cost as little as possible.
  #inFlightMap: Map<RequestId, { abort(reason?: unknown): void }> | undefined;
  #pendingMap: Map<RequestId, PendingRequest> | undefined;
  /**
   * What `own()` registered, in order: the first in a field of its own while it is all there
   * is (an idle session owns just its streams: no array), the others in an array.
   */
  #firstOwned: (() => void) | SessionOwned | undefined;
  #owned: Array<(() => void) | SessionOwned> | undefined;
  /** URIs this session subscribed to with `resources/subscribe`; emptied by `close()`. */
  #subscriptionSet: Set<string> | undefined;
  #lifetime: AbortController | undefined;
  #view: SubscriptionsView | undefined;
  #nextRequestId = 0;
  #holds = 0;
  /** The session's place in its idle queue; absent when it never times out. */
  readonly #idle: IdleLink<Session> | undefined;
  readonly #idleQueue: IdleQueue<Session> | undefined;
  #closeReason: CloseReason | undefined;
  readonly #delegate: MessageHandler | undefined;

  /**
   * Made by the {@link SessionRegistry} only. `id`, `transport` and `principal` are read here,
   * once; the rest of `init` is kept (a registry passes the same object to many sessions).
   */
  constructor(init: SessionInit) {
    this.id = init.id;
    this.transport = init.transport;
    this.principal = init.principal;
    this.#server = init.server;
    this.#init = init;
    const idleMs = init.idleTimeoutMs;
    if (idleMs > 0 && Number.isFinite(idleMs)) {
      this.#idleQueue = init.idleQueue?.ms === idleMs ? init.idleQueue : Session.idleQueue(idleMs);
      this.#idle = new IdleLink<Session>(this);
      this.#idleQueue.touch(this.#idle);
    }
    try {
      this.#delegate = init.messageHandler?.(this);
    } catch (error) {
      // The session is never registered: it must not stay in its idle queue (and keep the
      // queue's timer) until its idle timeout, nor keep what the factory had it own.
      this.close();
      throw error;
    }
  }

  /** True once `close()` ran. */
  get closed(): boolean {
    return this.#closeReason !== undefined;
  }

  /** Why the session closed, once it has. */
  get closeReason(): CloseReason | undefined {
    return this.#closeReason;
  }

  /** Aborted when the session closes. (Made on first use; after the close, already aborted.) */
  get signal(): AbortSignal {
    if (this.#lifetime === undefined) {
      this.#lifetime = new AbortController();
      if (this.#closeReason !== undefined) this.#lifetime.abort(new SessionClosedError(this.#closeReason));
    }
    return this.#lifetime.signal;
  }

  /** Number of requests being handled now. */
  get inFlightCount(): number {
    return this.#inFlightMap?.size ?? 0;
  }

  /** Number of things registered with {@link Session.own} and not yet released. */
  get ownedCount(): number {
    return (this.#firstOwned === undefined ? 0 : 1) + (this.#owned?.length ?? 0);
  }

  /** Number of server→client requests awaiting an answer. */
  get pendingCount(): number {
    return this.#pendingMap?.size ?? 0;
  }

  /** Requests being handled now, by id (made on first use). */
  get #inFlight(): Map<RequestId, { abort(reason?: unknown): void }> {
    return this.#inFlightMap ??= new Map();
  }

  /** Server→client requests awaiting an answer, by id (made on first use). */
  get #pending(): Map<RequestId, PendingRequest> {
    return this.#pendingMap ??= new Map();
  }

  /** What the core may do with the subscriptions (made on first use, one per session). */
  get #subscriptionsView(): SubscriptionsView {
    return this.#view ??= new SubscriptionsView(this, this.#subscriptionSet ??= new Set());
  }

  /**
   * Registers something the session owns (a stream, a listener); `release` runs once when the
   * session closes (or, for a {@link SessionOwned}, its `sessionClosed()`). Returns a function
   * that unregisters it early without running it.
   */
  own(release: (() => void) | SessionOwned): () => void {
    if (this.closed) {
      runRelease(release);
      return noop;
    }
    // The field only while nothing else is owned: releases run in the order they were owned.
    if (this.#firstOwned === undefined && this.#owned === undefined) this.#firstOwned = release;
    else (this.#owned ??= []).push(release);
    return () => this.#disown(release);
  }

  #disown(release: (() => void) | SessionOwned): void {
    if (this.#firstOwned === release) {
      this.#firstOwned = undefined;
      return;
    }
    const owned = this.#owned;
    const at = owned === undefined ? -1 : owned.indexOf(release);
    if (at < 0) return;
    if (owned!.length === 1) this.#owned = undefined;
    else owned!.splice(at, 1);
  }

  /**
   * Marks the session busy (an open stream, a request in progress) so the idle timeout does
   * not run; returns the idempotent release.
   */
  hold(): () => void {
    if (this.closed) return noop;
    // The session stays in its idle queue: when its time comes during a hold it just leaves,
    // and the release enters it again. (No queue churn per request.)
    this.#holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      this.touch();
    };
  }

  /**
   * {@link Session.hold} for an open stream, which releases exactly once by itself (its single
   * close) with {@link Session.releaseStream}: no release function is made, and the session
   * leaves its idle queue while the stream is open (it would only expire to find itself busy). False
   * when the session is closed: then there is nothing to release.
   */
  holdStream(): boolean {
    if (this.closed) return false;
    this.#holds++;
    if (this.#idle !== undefined) this.#idleQueue!.remove(this.#idle);
    return true;
  }

  /** Ends a hold taken with {@link Session.holdStream} (once per `true` it returned). */
  releaseStream(): void {
    this.#holds--;
    this.touch();
  }

  /**
   * Restarts the idle clock (called on every request): the session moves to the end of its
   * idle queue, entering it if it is not busy.
   */
  touch(): void {
    const idle = this.#idle;
    if (idle === undefined) return;
    // A busy session out of the queue enters when its hold is released.
    if (idle.queued || (this.#holds === 0 && this.#closeReason === undefined)) this.#idleQueue!.touch(idle);
  }

  /**
   * The single cleanup point. Idempotent. Aborts in-flight handlers, rejects pending
   * server→client requests, ends owned streams and timers, and removes the session from its
   * registry.
   */
  close(reason: CloseReason = "closed"): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    if (this.#idle !== undefined) this.#idleQueue!.remove(this.#idle);
    // Made only when something is aborted or rejected with it: making an Error costs
    // microseconds (3-10 on Deno), and a session that is simply deleted has nothing to tell.
    let error: SessionClosedError | undefined;
    this.#lifetime?.abort(error ??= new SessionClosedError(reason));
    // The maps, where made, are emptied but kept: what finishes after the close (a handler's
    // finally, a pending request's settle) then finds them empty rather than making new ones.
    const inFlight = this.#inFlightMap;
    if (inFlight !== undefined) {
      for (const controller of inFlight.values()) controller.abort(error ??= new SessionClosedError(reason));
      inFlight.clear();
    }
    this.#subscriptionSet?.clear();
    this.#subscriptionSet = undefined;
    this.#view = undefined;
    const pendingMap = this.#pendingMap;
    if (pendingMap !== undefined) {
      const pending = [...pendingMap.values()];
      pendingMap.clear();
      for (const p of pending) p.reject(error ??= new SessionClosedError(reason));
    }
    const first = this.#firstOwned;
    const owned = this.#owned;
    this.#firstOwned = undefined;
    this.#owned = undefined;
    if (first !== undefined) releaseQuietly(first);
    if (owned !== undefined) for (const release of owned) releaseQuietly(release);
    this.defaultSink = undefined;
    this.#init.onClosed(this);
  }

  /**
   * Handles one inbound message. Requests run and their response goes to `sink` (unless the
   * request was cancelled); the returned promise settles when that is done. Never rejects.
   */
  receive(message: JsonRpcMessage, sink: MessageSink): Promise<void> {
    // Not async: a request whose handler answers synchronously is answered within this call,
    // with no async frame, no microtask turn and no handler deadline (it cannot outlive one).
    try {
      if (this.closed) return RECEIVED;
      this.touch();
      if (this.#delegate) return this.#delegateMessage(this.#delegate, message, sink);
      if (isRequest(message)) {
        const response = this.#handleRequest(message, sink);
        if (response instanceof Promise) return response.then((answer) => this.#respond(message.id, sink, answer));
        this.#respond(message.id, sink, response);
      } else if (isNotification(message)) {
        this.#handleNotification(message);
      } else {
        this.#handleResponse(message);
      }
      return RECEIVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Sends a request's response (none for a cancelled one, or once the session closed) and ends the request. */
  #respond(id: RequestId, sink: MessageSink, response: JsonRpcResponse | undefined): void {
    if (response && !this.closed) deliver(sink, response);
    doneWith(sink, id);
  }

  /** A message for the delegate: requests under the handler deadline, the rest as they are. */
  async #delegateMessage(delegate: MessageHandler, message: JsonRpcMessage, sink: MessageSink): Promise<void> {
    if (isRequest(message)) await this.#delegateRequest(delegate, message, sink);
    else await delegate.receive(message, sink);
  }

  /**
   * Sends a request to the client and resolves with its result. Rejects at once when the
   * client did not declare the capability the method needs, when the message cannot be
   * delivered, and when the session closes; rejects after `timeoutMs`.
   */
  request(
    method: string,
    params: Record<string, unknown> | undefined,
    sink: MessageSink | undefined,
    options: ClientRequestOptions = {},
  ): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new SessionClosedError(this.#closeReason!));
    const capability = missingClientCapability(method, params, this.clientCapabilities);
    if (capability !== undefined) {
      return Promise.reject(
        new McpError(ErrorCode.InvalidRequest, `Client does not support ${method} (no "${capability}" capability)`),
      );
    }
    const target = sink ?? this.defaultSink;
    if (!target) return Promise.reject(new Error(`No stream to send ${method} to the client`));
    const id = `tether-${++this.#nextRequestId}`;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.#init.requestTimeoutMs;
      const signal = options.signal;
      const release = this.hold();
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#pending.delete(id);
        release();
      };
      const giveUp = (error: unknown) => {
        if (!this.#pending.has(id)) return;
        settle();
        // Tell the client to stop working on it; best effort.
        deliver(target, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: id, reason: String(error) } });
        reject(error);
      };
      const onAbort = () => giveUp(signal?.reason ?? new Error("Aborted"));
      // Beyond a timer's range the request waits for its answer, the session's close or `signal`.
      const timer = timeoutMs > MAX_TIMER_MS ? undefined : setTimeout(() => giveUp(new McpError(ErrorCode.InternalError, `Request ${method} timed out after ${timeoutMs} ms`)), timeoutMs);
      this.#pending.set(id, {
        resolve: (result) => {
          settle();
          resolve(result);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      const request: JsonRpcRequest = params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params };
      // A sink that throws could not deliver either: nothing may stay pending until the timeout.
      if (!deliver(target, request)) {
        this.#pending.get(id)?.reject(new Error(`Could not deliver ${method}: the stream is closed`));
      }
    });
  }

  /** URIs this session is subscribed to (`resources/subscribe`). */
  get subscriptions(): ReadonlySet<string> {
    return this.#subscriptionSet ?? NO_SUBSCRIPTIONS;
  }

  /**
   * Sends a notification not tied to a request (list changes, resource updates).
   * `notifications/resources/updated` goes only to sessions subscribed to its URI.
   */
  notify(notification: JsonRpcNotification): boolean {
    if (this.closed || !this.initialized || !this.defaultSink) return false;
    if (notification.method === "notifications/resources/updated" && !this.#subscriptionSet?.has(String(notification.params?.uri))) {
      return false;
    }
    return deliver(this.defaultSink, notification);
  }

  /** The response to `request`: at once when its handler answered synchronously, else a promise of it. */
  #handleRequest(request: JsonRpcRequest, sink: MessageSink): JsonRpcResponse | undefined | Promise<JsonRpcResponse | undefined> {
    if (request.method === "initialize") return this.#initialize(request);
    if (this.protocolVersion === undefined && request.method !== "ping") {
      return errorResponse(request.id, ErrorCode.InvalidRequest, "Session not initialized: send initialize first");
    }
    if (request.method === "logging/setLevel") return this.#setLevel(request);
    if (this.#inFlight.has(request.id)) {
      return errorResponse(request.id, ErrorCode.InvalidRequest, `Request id ${JSON.stringify(request.id)} is already in use`);
    }
    const timeoutMs = this.#init.handlerTimeoutMs ?? 0;
    const run = new InboundRequest(this, sink, request, this.#subscriptionsView, timeoutMs);
    this.#inFlight.set(request.id, run);
    // The session is busy until the handler is over (a hold without a closure per request).
    this.#holds++;
    let handled: JsonRpcResponse | Promise<JsonRpcResponse>;
    try {
      handled = this.#server.dispatch(request, run.context);
    } catch (error) {
      this.#requestOver(request.id, run);
      throw error;
    }
    if (handled instanceof Promise) return this.#awaitRequest(request.id, run, handled);
    // Answered synchronously: nothing could have cancelled or timed it out but the handler itself.
    const response = run.outcome(handled);
    this.#requestOver(request.id, run);
    return response;
  }

  /** A request whose handler returned a promise: its answer, under the handler deadline. */
  async #awaitRequest(id: RequestId, run: InboundRequest, handled: Promise<JsonRpcResponse>): Promise<JsonRpcResponse | undefined> {
    try {
      return run.outcome(await run.answer(handled));
    } finally {
      this.#requestOver(id, run);
    }
  }

  /** The request `run` is over: no deadline, out of the in-flight requests, the hold released. */
  #requestOver(id: RequestId, run: InboundRequest): void {
    run.end();
    if (this.#inFlight.get(id) === run) this.#inFlight.delete(id);
    this.#holds--;
    this.touch();
  }

  /**
   * A request answered by the delegate, under the same handler deadline as the core's: past it
   * the delegate is told to stop as a client would (`notifications/cancelled`), and the request
   * is answered with the core's timeout error.
   */
  async #delegateRequest(delegate: MessageHandler, request: JsonRpcRequest, sink: MessageSink): Promise<void> {
    const ms = this.#init.handlerTimeoutMs ?? 0;
    const deadline = startDeadline(ms, new AbortController());
    try {
      const timedOut = await Promise.race([delegate.receive(request, sink).then(() => false), deadline.expired.then(() => true)]);
      if (timedOut && !this.closed) {
        const reason = `Request timed out after ${ms} ms`;
        deliver(sink, errorResponse(request.id, ErrorCode.InternalError, reason));
        void delegate.receive({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: request.id, reason } }, sink);
      }
    } finally {
      deadline.clear();
      doneWith(sink, request.id);
    }
  }

  #initialize(request: JsonRpcRequest): JsonRpcResponse {
    if (this.protocolVersion !== undefined) {
      return errorResponse(request.id, ErrorCode.InvalidRequest, "Session already initialized");
    }
    try {
      const outcome = this.#server.initialize(request.params);
      this.protocolVersion = outcome.protocolVersion;
      this.clientInfo = outcome.clientInfo;
      this.clientCapabilities = outcome.clientCapabilities;
      return { jsonrpc: "2.0", id: request.id, result: outcome.result };
    } catch (error) {
      if (error instanceof McpError) return errorResponse(request.id, error.code, error.message, error.data);
      return errorResponse(request.id, ErrorCode.InternalError, String(error));
    }
  }

  #setLevel(request: JsonRpcRequest): JsonRpcResponse {
    const level = request.params?.level;
    if (typeof level !== "string" || !(LOGGING_LEVELS as readonly string[]).includes(level)) {
      return errorResponse(request.id, ErrorCode.InvalidParams, `Invalid log level: ${JSON.stringify(level)}`);
    }
    this.logLevel = level as LoggingLevel;
    return { jsonrpc: "2.0", id: request.id, result: {} };
  }

  #handleNotification(notification: JsonRpcNotification): void {
    switch (notification.method) {
      case "notifications/initialized":
        if (this.protocolVersion !== undefined) this.initialized = true;
        return;
      case "notifications/cancelled": {
        const id = notification.params?.requestId;
        if (typeof id !== "string" && typeof id !== "number") return;
        const controller = this.#inFlight.get(id);
        if (!controller) return; // Unknown or finished: ignored, as the spec says.
        this.#inFlight.delete(id);
        controller.abort(new Error(String(notification.params?.reason ?? "Cancelled by the client")));
        return;
      }
      default:
        return;
    }
  }

  #handleResponse(response: JsonRpcResponse): void {
    if (response.id === undefined || response.id === null) return;
    const pending = this.#pending.get(response.id);
    if (!pending) return;
    if ("result" in response) pending.resolve(response.result);
    else pending.reject(new McpError(response.error.code, response.error.message, response.error.data));
  }

  /**
   * An idle queue for sessions with this idle timeout (finite, positive): a registry makes one
   * per timeout and hands it to its sessions in their {@link SessionInit}.
   *
   * @example
   * ```ts
   * import { Session } from "./session.ts";
   * const queue = Session.idleQueue(30 * 60_000);
   * queue.size; // 0: sessions enter when made
   * ```
   */
  static idleQueue(ms: number): IdleQueue<Session> {
    return new IdleQueue<Session>(ms, Session.#idleExpired);
  }

  /** What an idle queue calls when a session's time is up (it has left the queue). */
  static readonly #idleExpired = (session: Session): void => {
    // A busy session enters again when the hold is released.
    if (session.#holds === 0) session.close("idle");
  };
}

/**
 * One request a session is handling: the channel its context reports through, what
 * cancellation and session close abort, and its handler deadline. One object per request:
 * no AbortController unless the handler reads its signal, no timer, no race of promises.
 */
class InboundRequest implements RequestChannel, DeadlineEntry {
  readonly context: HandlerContext;
  deadlineAt = 0;
  readonly #session: Session;
  readonly #sink: MessageSink;
  readonly #id: RequestId;
  readonly #timeoutMs: number;
  #aborted = false;
  #timedOut = false;
  #settle: ((response: JsonRpcResponse | undefined) => void) | undefined = undefined;
  readonly subscriptions: ResourceSubscriptions;

  constructor(session: Session, sink: MessageSink, request: JsonRpcRequest, subscriptions: ResourceSubscriptions, timeoutMs: number) {
    this.#session = session;
    this.#sink = sink;
    this.#id = request.id;
    this.subscriptions = subscriptions;
    this.#timeoutMs = timeoutMs > 0 && Number.isFinite(timeoutMs) ? timeoutMs : 0;
    this.context = new HandlerContext(this, request);
  }

  // RequestChannel: read from the session when asked (the log level may change meanwhile).
  get protocolVersion(): string {
    return this.#session.protocolVersion ?? "2024-11-05";
  }
  get clientInfo(): Implementation | undefined {
    return this.#session.clientInfo;
  }
  get clientCapabilities(): Record<string, unknown> {
    return this.#session.clientCapabilities;
  }
  get logLevel(): LoggingLevel | undefined {
    return this.#session.logLevel;
  }
  get sessionId(): string {
    return this.#session.id;
  }
  get principal(): unknown {
    return this.#session.principal;
  }
  send(message: JsonRpcMessage): void {
    deliver(this.#sink, message);
  }
  request(method: string, params: Record<string, unknown> | undefined, options?: ClientRequestOptions): Promise<Record<string, unknown>> {
    return this.#session.request(method, params, this.#sink, options);
  }
  closeConnection(): boolean {
    return this.#sink.closeConnection?.() ?? false;
  }

  /** Cancellation and session close: the handler's signal aborts and no response is sent. */
  abort(reason?: unknown): void {
    this.#aborted = true;
    abortContext(this.context, reason);
  }

  /** The handler ran too long: it is aborted, and the request is answered with an error now. */
  expire(): void {
    this.#timedOut = true;
    abortContext(this.context, new Error(`Handler timed out after ${this.#timeoutMs} ms`));
    this.#settle?.(errorResponse(this.#id, ErrorCode.InternalError, `Request timed out after ${this.#timeoutMs} ms`));
  }

  /**
   * `handled`, or, with a handler deadline, a promise that also settles when the deadline
   * passes first (one promise, no race).
   */
  answer(handled: Promise<JsonRpcResponse>): Promise<JsonRpcResponse | undefined> {
    if (this.#timeoutMs === 0) return handled;
    addDeadline(this.#timeoutMs, this);
    return new Promise<JsonRpcResponse | undefined>((resolve, reject) => {
      this.#settle = resolve;
      handled.then(resolve, reject);
    });
  }

  /** What to send: the timeout error once the deadline passed; nothing for a cancelled request. */
  outcome(response: JsonRpcResponse | undefined): JsonRpcResponse | undefined {
    if (this.#timedOut) return errorResponse(this.#id, ErrorCode.InternalError, `Request timed out after ${this.#timeoutMs} ms`);
    return this.#aborted ? undefined : response;
  }

  /** The request is over: no deadline, no more progress or logs. */
  end(): void {
    // A deadline never started (a sync answer), or stopped before it was timed, has nothing to remove.
    if (this.deadlineAt !== 0) removeDeadline(this.#timeoutMs, this);
    this.#settle = undefined;
    finishContext(this.context);
  }
}
