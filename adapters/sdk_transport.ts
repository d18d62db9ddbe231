/**
 * The official SDK's `Transport` interface implemented over one Tether session, so that an SDK
 * `McpServer` (or low-level `Server`) connected to it lives exactly as long as the session:
 * `onclose` fires once, from the session's single close, however the session ends.
 *
 * Nothing is imported from `@modelcontextprotocol/sdk`: the shapes below are the parts of its
 * `Transport` contract this file needs, written out so that the entry type-checks and publishes
 * without the SDK (tests/sdk_types_check.ts proves, under tsc, that the class is an SDK
 * `Transport`).
 *
 * @module
 */
import { isNotification, isRequest, type JsonRpcMessage, type JsonRpcResponse, type RequestId } from "../src/jsonrpc.ts";
import { deliver as deliverTo, type MessageSink, type Session, SessionClosedError } from "../src/session.ts";
import type { MessageHandler } from "../src/message_handler.ts";

/**
 * The SDK's `AuthInfo`: what its tools see as `extra.authInfo`. A session principal of this shape
 * (e.g. from the Hono entry's `principal`) is passed on with every message.
 *
 * @example
 * ```ts
 * import type { SdkAuthInfo } from "./sdk_transport.ts";
 * const principal: SdkAuthInfo = { token: "opaque", clientId: "cli-7", scopes: ["mcp"] };
 * ```
 */
export interface SdkAuthInfo {
  /** The access token. */
  token: string;
  /** The client the token was issued to. */
  clientId: string;
  /** The token's scopes. */
  scopes: string[];
  /** Expiry, in seconds since the epoch. */
  expiresAt?: number;
  /** Anything else the issuer attached. */
  extra?: Record<string, unknown>;
}

/**
 * The SDK's `MessageExtraInfo`: what arrives with an inbound message.
 *
 * @example
 * ```ts
 * import type { SdkMessageExtraInfo } from "./sdk_transport.ts";
 * const extra: SdkMessageExtraInfo = { authInfo: { token: "t", clientId: "c", scopes: [] } };
 * ```
 */
export interface SdkMessageExtraInfo {
  /** Set when the session's principal is shaped like the SDK's `AuthInfo`. */
  authInfo?: SdkAuthInfo;
}

/**
 * The SDK's `TransportSendOptions` (the part Tether uses).
 *
 * @example
 * ```ts
 * import type { SdkSendOptions } from "./sdk_transport.ts";
 * const options: SdkSendOptions = { relatedRequestId: 7 }; // travels on request 7's stream
 * ```
 */
export interface SdkSendOptions {
  /** The inbound request this message belongs to: it travels on that request's stream. */
  relatedRequestId?: RequestId;
}

/** A request the SDK server is working on: where its response goes, and who waits for it. */
interface OpenRequest {
  sink: MessageSink;
  done(): void;
}

function looksLikeAuthInfo(value: unknown): value is SdkAuthInfo {
  const v = value as Partial<SdkAuthInfo> | null | undefined;
  return typeof v?.token === "string" && typeof v.clientId === "string" && Array.isArray(v.scopes);
}

/**
 * One session seen as an SDK `Transport`. It is also the session's {@link MessageHandler}:
 * inbound messages reach `onmessage`; what the SDK server sends goes to the sink of the request
 * it answers (by `relatedRequestId` or response id), else to the session's stream.
 *
 * `close()` closes the session; the session's close (from any cause: disconnect, DELETE, idle
 * timeout, shutdown) fires `onclose` exactly once.
 *
 * @example
 * ```ts ignore
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * // Inside a MessageHandlerFactory:
 * const transport = new SessionTransport(session);
 * await new McpServer({ name: "demo", version: "1.0.0" }).connect(transport);
 * ```
 */
export class SessionTransport implements MessageHandler {
  /** Called once when the session closes. Set by the SDK on `connect()`. */
  onclose?: () => void;
  /** Called on failures that do not close the session (e.g. a message that could not be delivered). */
  onerror?: (error: Error) => void;
  /** Receives every inbound message. Set by the SDK on `connect()`. */
  onmessage?: (message: JsonRpcMessage, extra?: SdkMessageExtraInfo) => void;
  /** The Tether session id. */
  readonly sessionId: string;

  readonly #session: Session;
  readonly #open = new Map<RequestId, OpenRequest>();
  #started = false;
  #closeFired = false;
  #initializeId: RequestId | undefined;
  /** Messages that arrived before `start()`: delivered in order once it runs. */
  #early: Array<() => void> = [];

  /** Makes the transport of `session`; it registers its `onclose` with the session's close. */
  constructor(session: Session) {
    this.#session = session;
    this.sessionId = session.id;
    session.own(() => this.#sessionClosed());
  }

  /** Starts delivery; messages received before it are delivered now. */
  start(): Promise<void> {
    if (this.#started) return Promise.reject(new Error("SessionTransport already started"));
    this.#started = true;
    const early = this.#early;
    this.#early = [];
    for (const deliver of early) deliver();
    return Promise.resolve();
  }

  /** Sends a message from the SDK server to the client. Rejects once the session is closed. */
  send(message: JsonRpcMessage, options?: SdkSendOptions): Promise<void> {
    const session = this.#session;
    if (session.closed) return Promise.reject(new SessionClosedError(session.closeReason ?? "closed"));
    const outbound = message;
    let sink: MessageSink | undefined;
    if (!("method" in outbound)) {
      const id = outbound.id ?? undefined;
      const open = id === undefined ? undefined : this.#open.get(id);
      sink = open?.sink ?? session.defaultSink;
      this.#observeResponse(outbound);
      const delivered = sink ? deliverTo(sink, outbound) : false;
      open?.done();
      return delivered ? Promise.resolve() : Promise.reject(new Error("The response could not be delivered: its stream is closed"));
    }
    const related = options?.relatedRequestId;
    sink = (related === undefined ? undefined : this.#open.get(related)?.sink) ?? session.defaultSink;
    if (!sink) return Promise.reject(new Error(`No stream to send ${outbound.method} to the client`));
    return deliverTo(sink, outbound) ? Promise.resolve() : Promise.reject(new Error(`Could not deliver ${outbound.method}: the stream is closed`));
  }

  /**
   * Ends the session because its SDK server could not be made or connected: every request
   * waiting for it is answered with -32603 naming the cause, then the session closes.
   */
  fail(cause: unknown): void {
    const session = this.#session;
    if (session.closed) return;
    const message = `Internal error: the session's server could not start (${cause instanceof Error ? cause.message : String(cause)})`;
    // No version: the answers below name no session (as after a failed initialize).
    session.protocolVersion = undefined;
    for (const [id, open] of [...this.#open]) {
      deliverTo(open.sink, { jsonrpc: "2.0", id, error: { code: -32603, message } });
      open.done();
    }
    session.close("closed");
  }

  /** Closes the session (and so, once, this transport). */
  close(): Promise<void> {
    this.#session.close("closed");
    return Promise.resolve();
  }

  /**
   * Hands an inbound message to the SDK server. For a request, settles when the SDK server has
   * sent its response (or the request was cancelled, or the session closed).
   */
  receive(message: JsonRpcMessage, sink: MessageSink): Promise<void> {
    const session = this.#session;
    if (session.closed) return Promise.resolve();
    this.#observeInbound(message);
    let settled: Promise<void> = Promise.resolve();
    if (isRequest(message)) {
      const previous = this.#open.get(message.id);
      if (previous) {
        // A duplicate id: the SDK would answer under the same id, so only the first is tracked.
        deliverTo(sink, { jsonrpc: "2.0", id: message.id, error: { code: -32600, message: `Request id ${JSON.stringify(message.id)} is already in use` } });
        return Promise.resolve();
      }
      settled = new Promise<void>((resolve) => {
        const release = session.hold();
        const unown = session.own(() => done());
        const done = () => {
          if (this.#open.get(message.id) !== entry) return;
          this.#open.delete(message.id);
          unown();
          release();
          resolve();
        };
        const entry: OpenRequest = { sink, done };
        this.#open.set(message.id, entry);
      });
    } else if (isNotification(message) && message.method === "notifications/cancelled") {
      // The SDK aborts the handler and sends no response: the request is over.
      const id = message.params?.requestId;
      if (typeof id === "string" || typeof id === "number") queueMicrotask(() => this.#open.get(id)?.done());
    }
    const extra: SdkMessageExtraInfo = looksLikeAuthInfo(session.principal) ? { authInfo: session.principal } : {};
    const deliver = () => {
      if (session.closed) return;
      try {
        this.onmessage?.(message, extra);
      } catch (error) {
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      }
    };
    if (this.#started) deliver();
    else this.#early.push(deliver);
    return settled;
  }

  /** Keeps the session's protocol state current, for transports that consult it. */
  #observeInbound(message: JsonRpcMessage): void {
    const session = this.#session;
    if (isRequest(message) && message.method === "initialize" && this.#initializeId === undefined) {
      this.#initializeId = message.id;
      const params = message.params ?? {};
      session.clientInfo = params.clientInfo as Session["clientInfo"];
      session.clientCapabilities = (params.capabilities as Record<string, unknown> | undefined) ?? {};
      // Transports judge an initialize by the session's version as soon as it is handed over
      // (Tether's core negotiates synchronously); the SDK answers later. Take the requested
      // version now and the SDK's choice when its answer goes out.
      if (typeof params.protocolVersion === "string") session.protocolVersion ??= params.protocolVersion;
    } else if (isNotification(message) && message.method === "notifications/initialized" && session.protocolVersion !== undefined) {
      session.initialized = true;
    }
  }

  #observeResponse(message: JsonRpcResponse): void {
    if (this.#initializeId === undefined || message.id !== this.#initializeId) return;
    const version = "result" in message ? message.result?.protocolVersion : undefined;
    if (typeof version === "string") this.#session.protocolVersion = version;
    // A failed initialize leaves no session behind (as with Tether's core), once its answer is out.
    else {
      this.#session.protocolVersion = undefined;
      queueMicrotask(() => this.#session.close("closed"));
    }
  }

  #sessionClosed(): void {
    this.#early = [];
    if (this.#closeFired) return;
    this.#closeFired = true;
    try {
      this.onclose?.();
    } catch (error) {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
