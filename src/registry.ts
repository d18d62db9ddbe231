/**
 * The session registry: the one owner of sessions. It creates them, finds them by id, and is
 * the only code that removes one, which it does when the session's `close()` tells it to.
 *
 * @module
 */
import type { McpServer } from "./server.ts";
import { type CloseReason, Session, type SessionTransport } from "./session.ts";
import type { MessageHandlerFactory } from "./message_handler.ts";

/** Options of a {@link SessionRegistry}. */
export interface RegistryOptions {
  /** Default timeout of server→client requests, in ms. Default 60,000. */
  requestTimeoutMs?: number;
  /** Idle timeout of sessions, in ms (0 = none). Default 30 minutes. */
  idleTimeoutMs?: number;
  /** Answers sessions' messages in place of the server core (e.g. the SDK bridge). */
  messageHandler?: MessageHandlerFactory;
  /** Live sessions beyond which {@link SessionRegistry.full} is true. Default 10,000. */
  maxSessions?: number;
}

/**
 * Makes a session id: 128 random bits from `crypto.getRandomValues`, as 32 hex characters.
 *
 * @example
 * ```ts
 * import { newSessionId } from "./registry.ts";
 * newSessionId(); // e.g. "9f86d081884c7d659a2feaa0c55ad015"
 * ```
 */
export function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** The shape of ids {@link newSessionId} makes. */
export const SESSION_ID_PATTERN: RegExp = /^[0-9a-f]{32}$/;

/**
 * Holds the live sessions.
 *
 * @example
 * ```ts
 * import { McpServer } from "./server.ts";
 * import { SessionRegistry } from "./registry.ts";
 * const registry = new SessionRegistry(new McpServer({ name: "demo", version: "1" }));
 * const session = registry.create("streamable");
 * registry.get(session.id) === session; // true
 * registry.closeAll("shutdown");
 * registry.size; // 0
 * ```
 */
export class SessionRegistry {
  readonly #sessions = new Map<string, Session>();
  readonly #server: McpServer;
  readonly #options: Required<Omit<RegistryOptions, "messageHandler">>;
  readonly #messageHandler: MessageHandlerFactory | undefined;

  constructor(server: McpServer, options: RegistryOptions = {}) {
    this.#server = server;
    this.#options = {
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 30 * 60_000,
      maxSessions: options.maxSessions ?? 10_000,
    };
    this.#messageHandler = options.messageHandler;
  }

  /** Number of live sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** True when the cap on live sessions is reached: transports refuse new sessions (503). */
  get full(): boolean {
    return this.#sessions.size >= this.#options.maxSessions;
  }

  /** Ids of the live sessions. */
  ids(): string[] {
    return [...this.#sessions.keys()];
  }

  /** The live sessions. */
  values(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /**
   * Creates and registers a session.
   * `idleTimeoutMs` overrides the registry default (legacy sessions live as long as their stream).
   */
  create(transport: SessionTransport, options: { principal?: unknown; idleTimeoutMs?: number } = {}): Session {
    const session = new Session({
      id: newSessionId(),
      transport,
      server: this.#server,
      principal: options.principal,
      requestTimeoutMs: this.#options.requestTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? this.#options.idleTimeoutMs,
      messageHandler: this.#messageHandler,
      onClosed: (closed) => {
        if (this.#sessions.get(closed.id) === closed) this.#sessions.delete(closed.id);
      },
    });
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, or `undefined` (unknown and closed ids look the same). */
  get(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  /** Closes every session through its own `close()`. */
  closeAll(reason: CloseReason = "shutdown"): void {
    for (const session of [...this.#sessions.values()]) session.close(reason);
  }
}
