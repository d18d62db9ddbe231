/**
 * The seam between a session and what answers its messages. By default a session answers with
 * Tether's own server core; an adapter (such as the official SDK bridge) can supply a
 * {@link MessageHandler} per session instead, and the session hands it every inbound JSON-RPC
 * message while keeping its lifecycle (id, single close, idle clock, registry removal).
 *
 * @module
 */
import type { JsonRpcMessage } from "./jsonrpc.ts";
import type { MessageSink, Session } from "./session.ts";

/**
 * Answers the messages of one session in place of Tether's server core.
 *
 * @example
 * ```ts
 * import type { MessageHandler } from "./message_handler.ts";
 * const echo: MessageHandler = {
 *   receive(message, sink) {
 *     if ("method" in message && "id" in message) sink.send({ jsonrpc: "2.0", id: message.id, result: {} });
 *     return Promise.resolve();
 *   },
 * };
 * ```
 */
export interface MessageHandler {
  /**
   * Handles one inbound message. A request's response (and anything tied to it) goes to `sink`;
   * the promise settles once the request is over — answered, cancelled, or its session closed —
   * after which the session calls `sink.done(id)`. Must not reject. A request not over within
   * the handler's `handlerTimeoutMs` is answered by the session with the timeout error (-32603)
   * and then handed a `notifications/cancelled` for its id, as a client would send: the handler
   * must stop working on it, send nothing more for it, and settle its promise.
   */
  receive(message: JsonRpcMessage, sink: MessageSink): Promise<void>;
}

/**
 * Makes the {@link MessageHandler} of a new session. Called once, from the session's
 * constructor; what the handler holds should be registered with `session.own()` so that it ends
 * with the session's single close.
 *
 * @example
 * ```ts ignore
 * import { createHandler, McpServer } from "../mod.ts";
 * const handler = createHandler(new McpServer({ name: "x", version: "1" }), {
 *   messageHandler: (session) => ({ receive: async () => {} }),
 * });
 * ```
 */
export type MessageHandlerFactory = (session: Session) => MessageHandler;
