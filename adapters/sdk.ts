/**
 * Serve servers written with the official SDK (`@modelcontextprotocol/sdk`) on Tether's session
 * core: one SDK server per session, made by your factory, connected to a transport that is the
 * session. SDK users keep their tools and get Tether's lifecycle: a session ends through one
 * close (disconnect, DELETE, idle timeout, shutdown), its SDK server sees `onclose` once, and the
 * id answers 404 afterwards.
 *
 * `@modelcontextprotocol/sdk` (v1) is a peer dependency of this entry only; nothing of it is
 * imported here (you bring your SDK server).
 *
 * @example
 * ```ts ignore
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import { createSdkHandler } from "@tether/mcp/sdk";
 *
 * const handler = createSdkHandler(() => {
 *   const server = new McpServer({ name: "demo", version: "1.0.0" });
 *   server.registerTool("ping", { description: "Answers pong" }, () => ({ content: [{ type: "text", text: "pong" }] }));
 *   return server;
 * });
 * Deno.serve({ hostname: "127.0.0.1", port: 8787 }, handler.fetch);
 * ```
 *
 * @module
 */
import { createHandler, type TetherHandler } from "../src/handler.ts";
import type { HandlerOptions } from "../src/options.ts";
import type { MessageHandlerFactory } from "../src/message_handler.ts";
import { McpServer as TetherServer } from "../src/server.ts";
import type { Session } from "../src/session.ts";
import { SessionTransport } from "./sdk_transport.ts";

export { type SdkAuthInfo, type SdkMessageExtraInfo, type SdkSendOptions, SessionTransport } from "./sdk_transport.ts";
// Re-exported so that this entry's documentation links every type its signatures use.
export type { HandlerOptions, MessageHandlerFactory, Session, TetherHandler };
export type { MessageHandler } from "../src/message_handler.ts";
export type { MessageSink } from "../src/session.ts";
export type { JsonRpcMessage, RequestId } from "../src/jsonrpc.ts";

/**
 * What the factory returns: anything that connects to an SDK `Transport` — the SDK's `McpServer`
 * or its low-level `Server`.
 *
 * @example
 * ```ts ignore
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * const server: SdkServer = new McpServer({ name: "demo", version: "1.0.0" });
 * ```
 */
export interface SdkServer {
  /** Connects the server to a transport (the SDK calls `transport.start()`). */
  // deno-lint-ignore no-explicit-any
  connect(transport: any): Promise<void>;
}

/**
 * Makes the SDK server of one session. It receives the session (its `id`, and the `principal`
 * that authenticated it) and may be async.
 *
 * @example
 * ```ts ignore
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * const factory: SdkServerFactory = (session) => new McpServer({ name: `demo for ${session.id}`, version: "1.0.0" });
 * ```
 */
export type SdkServerFactory = (session: Session) => SdkServer | Promise<SdkServer>;

/**
 * The {@link MessageHandlerFactory} that gives each session its own SDK server. Use it with
 * `createHandler`'s `messageHandler` option when you need the Tether handler itself; otherwise
 * {@link createSdkHandler} does it for you.
 *
 * A factory that throws or whose server fails to connect ends the session: requests waiting
 * for it are answered with -32603 naming the cause.
 *
 * @example
 * ```ts ignore
 * import { createHandler, McpServer as TetherServer } from "@tether/mcp";
 * import { sdkMessageHandler } from "@tether/mcp/sdk";
 * const handler = createHandler(new TetherServer({ name: "unused", version: "0" }), {
 *   messageHandler: sdkMessageHandler(() => makeSdkServer()),
 * });
 * ```
 */
export function sdkMessageHandler(factory: SdkServerFactory): MessageHandlerFactory {
  return (session) => {
    const transport = new SessionTransport(session);
    const fail = (error: unknown) => transport.fail(error);
    try {
      Promise.resolve(factory(session))
        .then((server) => (session.closed ? undefined : server.connect(transport)))
        .catch(fail);
    } catch (error) {
      // The session is still being constructed: end it once that is done.
      queueMicrotask(() => fail(error));
    }
    return transport;
  };
}

/**
 * Creates a Tether fetch handler whose sessions are answered by SDK servers from `factory`.
 * Options are those of `createHandler` (paths, limits, timeouts). It serves the session
 * generations — Streamable HTTP (2025) and HTTP+SSE (2024-11-05) — and not the sessionless
 * 2026-07-28 one, which the SDK v1 does not speak.
 *
 * @example
 * ```ts ignore
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import { createSdkHandler } from "@tether/mcp/sdk";
 * const handler = createSdkHandler(() => new McpServer({ name: "demo", version: "1.0.0" }));
 * Bun.serve({ hostname: "127.0.0.1", port: 8787, fetch: handler.fetch });
 * ```
 */
export function createSdkHandler(factory: SdkServerFactory, options: Omit<HandlerOptions, "messageHandler"> = {}): TetherHandler {
  // The Tether server core answers nothing here; the handler needs one for its fan-out only.
  const placeholder = new TetherServer({ name: "tether-sdk-bridge", version: "0" });
  // 2026-07-28 requests are sessionless and answered by the server core, which has nothing here;
  // the SDK (v1) speaks the session generations only.
  const generations = (options.generations ?? ["streamable", "sse"]).filter((g) => g !== "modern");
  return createHandler(placeholder, { ...options, generations, messageHandler: sdkMessageHandler(factory) });
}
