/**
 * The session registry: the one owner of sessions. It creates them, finds them by id, and is
 * the only code that removes one, which it does when the session's `close()` tells it to.
 *
 * @module
 */
import type { McpServer } from "./server.ts";
import { type CloseReason, Session, type SessionInit, type SessionTransport } from "./session.ts";
import type { IdleQueue } from "./idle_queue.ts";
import { principalId } from "./security/auth.ts";
import { defaultPrincipalId } from "./request_state.ts";
import type { MessageHandlerFactory } from "./message_handler.ts";

/**
 * Options of a {@link SessionRegistry}.
 *
 * @example
 * ```ts
 * import { McpServer } from "./server.ts";
 * import { type RegistryOptions, SessionRegistry } from "./registry.ts";
 * const options: RegistryOptions = { idleTimeoutMs: 60_000, maxSessions: 100 };
 * const registry = new SessionRegistry(new McpServer({ name: "demo", version: "1" }), options);
 * ```
 */
export interface RegistryOptions {
  /** Default timeout of server→client requests, in ms. Default 60,000. */
  requestTimeoutMs?: number;
  /** Idle timeout of sessions, in ms (0 = none). Default 30 minutes. */
  idleTimeoutMs?: number;
  /** Answers sessions' messages in place of the server core (e.g. the SDK bridge). */
  messageHandler?: MessageHandlerFactory;
  /** Live sessions at most; `create()` beyond it throws {@link SessionRefusedError}. Default 10,000. */
  maxSessions?: number;
  /** Request handlers running longer than this are aborted and answered with an error (0 = never). */
  handlerTimeoutMs?: number;
}

/**
 * Thrown by {@link SessionRegistry.create} when no session may be created: the live-session
 * limit is reached, or the handler is shutting down. The handler answers it with 503.
 *
 * @example
 * ```ts
 * import { McpServer } from "./server.ts";
 * import { SessionRefusedError, SessionRegistry } from "./registry.ts";
 * const registry = new SessionRegistry(new McpServer({ name: "demo", version: "1" }), { maxSessions: 0 });
 * try {
 *   registry.create("sse");
 * } catch (error) {
 *   if (error instanceof SessionRefusedError) console.log(error.reason); // "limit"
 * }
 * ```
 */
export class SessionRefusedError extends Error {
  /** Why no session was created. */
  readonly reason: "limit" | "shutdown";
  /** The error for a refusal because of the session cap (`limit`) or a shutdown. */
  constructor(reason: "limit" | "shutdown") {
    super(reason === "limit" ? "Too many live sessions" : "Server is shutting down");
    this.name = "SessionRefusedError";
    this.reason = reason;
  }
}

/**
 * The identity sessions are bound by: a principal's `id` when it has one (the `auth` hook's
 * principals), else its stable JSON (principals a host framework attached); "" for none.
 */
function principalKey(principal: unknown): string {
  if (principal === undefined || principal === null) return "";
  const id = principalId(principal);
  return id !== undefined ? `id:${id}` : defaultPrincipalId(principal);
}

/**
 * The number a session id's first 7 hex digits make (28 bits: a small integer). Any string
 * gives some number: a client's id that is not one of ours finds no session with it, or one
 * whose full id differs.
 */
function idPrefix(id: string): number {
  let n = 0;
  for (let i = 0; i < 7; i++) {
    const c = id.charCodeAt(i);
    n = (n << 4) | (c <= 57 ? c - 48 : c - 87);
  }
  return n;
}

/**
 * The live sessions, by id. Ids are random, so the number their first hex digits make spreads
 * as well as a hash of the whole id would; keying by it spares hashing a new string per
 * operation, and every request brings its id as a new string (on Deno that hash costs about
 * 0.3 µs; a small-integer key almost nothing). An id whose number a live session already has
 * (about 1 in 27,000 at 10,000 sessions) goes to a second map keyed by the id itself.
 */
class SessionTable {
  readonly #byPrefix = new Map<number, Session>();
  #clashing: Map<string, Session> | undefined;

  get size(): number {
    return this.#byPrefix.size + (this.#clashing?.size ?? 0);
  }

  get(id: string): Session | undefined {
    const session = this.#byPrefix.get(idPrefix(id));
    if (session !== undefined && session.id === id) return session;
    return this.#clashing?.get(id);
  }

  add(session: Session): void {
    const prefix = idPrefix(session.id);
    if (!this.#byPrefix.has(prefix)) this.#byPrefix.set(prefix, session);
    else (this.#clashing ??= new Map()).set(session.id, session);
  }

  /** Removes `session` if it is the live session with its id. */
  remove(session: Session): void {
    const prefix = idPrefix(session.id);
    if (this.#byPrefix.get(prefix) === session) this.#byPrefix.delete(prefix);
    else if (this.#clashing?.get(session.id) === session) {
      this.#clashing.delete(session.id);
      if (this.#clashing.size === 0) this.#clashing = undefined;
    }
  }

  /** The live sessions, as they are while iterated (as a Map's values are). */
  *values(): IterableIterator<Session> {
    yield* this.#byPrefix.values();
    if (this.#clashing !== undefined) yield* this.#clashing.values();
  }

  /** A snapshot of the live sessions. */
  list(): Session[] {
    const all = [...this.#byPrefix.values()];
    if (this.#clashing !== undefined) all.push(...this.#clashing.values());
    return all;
  }
}

/** What every view of one registry shares. */
interface RegistryState {
  readonly sessions: SessionTable;
  refusing: boolean;
  /** One idle queue per idle timeout, shared by every view of the registry: one timer each. */
  readonly idleQueues: Map<number, IdleQueue<Session>>;
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
  const bytes = crypto.getRandomValues(idBytes);
  // The hex digits are written as ASCII codes and decoded at once: one flat string, rather
  // than a rope of 16 pieces (and its garbage) kept as the session's id and map key.
  for (let i = 0; i < 16; i++) {
    idText[2 * i] = HEX_DIGITS[bytes[i] >> 4];
    idText[2 * i + 1] = HEX_DIGITS[bytes[i] & 15];
  }
  return idDecoder.decode(idText);
}

/** ASCII codes of the hex digits 0-9a-f. */
const HEX_DIGITS = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
/** Scratch space of newSessionId (used synchronously, so shared). */
const idBytes = new Uint8Array(16);
const idText = new Uint8Array(32);
const idDecoder = new TextDecoder();

/**
 * The shape of ids {@link newSessionId} makes.
 *
 * @example
 * ```ts
 * import { newSessionId, SESSION_ID_PATTERN } from "./registry.ts";
 * SESSION_ID_PATTERN.test(newSessionId()); // true
 * SESSION_ID_PATTERN.test("../etc/passwd"); // false
 * ```
 */
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
  readonly #state: RegistryState;
  readonly #sessions: SessionTable;
  readonly #server: McpServer;
  readonly #options: Required<Omit<RegistryOptions, "messageHandler">>;
  readonly #messageHandler: MessageHandlerFactory | undefined;
  /** Set on a principal's view: the principal its sessions are bound to. The root view sees all. */
  readonly #view: { principal: unknown } | undefined;

  constructor(server: McpServer, options: RegistryOptions = {}, view?: { state: RegistryState; principal: unknown }) {
    this.#server = server;
    this.#options = {
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 30 * 60_000,
      maxSessions: options.maxSessions ?? 10_000,
      handlerTimeoutMs: options.handlerTimeoutMs ?? 0,
    };
    this.#messageHandler = options.messageHandler;
    this.#state = view?.state ?? { sessions: new SessionTable(), refusing: false, idleQueues: new Map() };
    this.#sessions = this.#state.sessions;
    this.#view = view && { principal: view.principal };
  }

  /**
   * The registry as one principal sees it: `get()` finds only sessions bound to that principal
   * (another's id looks exactly like an unknown one) and `create()` binds new sessions to it.
   * The handler hands transports this view, so binding holds on every endpoint.
   */
  forPrincipal(principal: unknown): SessionRegistry {
    return new SessionRegistry(this.#server, { ...this.#options, messageHandler: this.#messageHandler }, { state: this.#state, principal });
  }

  /** From now on `create()` throws {@link SessionRefusedError} (graceful shutdown). */
  refuseNewSessions(): void {
    this.#state.refusing = true;
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
    return this.#sessions.list().map((session) => session.id);
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
    if (this.#state.refusing) throw new SessionRefusedError("shutdown");
    if (this.#sessions.size >= this.#options.maxSessions) throw new SessionRefusedError("limit");
    const init = this.#initFor(options.idleTimeoutMs ?? this.#options.idleTimeoutMs);
    // A Session reads id, transport and principal once, in its constructor; the rest of the
    // init it keeps is the same for every session of this registry with this idle timeout.
    init.id = newSessionId();
    init.transport = transport;
    init.principal = options.principal ?? this.#view?.principal;
    const session = new Session(init);
    init.principal = undefined;
    this.#sessions.add(session);
    return session;
  }

  /** One SessionInit per idle timeout (usually two: the default, and 0 for legacy sessions). */
  readonly #inits = new Map<number, SessionInit>();

  #initFor(idleTimeoutMs: number): SessionInit {
    let init = this.#inits.get(idleTimeoutMs);
    if (init === undefined) {
      init = {
        id: "",
        transport: "streamable",
        server: this.#server,
        principal: undefined,
        requestTimeoutMs: this.#options.requestTimeoutMs,
        handlerTimeoutMs: this.#options.handlerTimeoutMs,
        idleTimeoutMs,
        idleQueue: this.#idleQueueFor(idleTimeoutMs),
        messageHandler: this.#messageHandler,
        onClosed: this.#forget,
      };
      // Bounded: callers pass the registry's default or 0, but an odd value must not grow it.
      if (this.#inits.size < 8) this.#inits.set(idleTimeoutMs, init);
    }
    return init;
  }

  /** The shared idle queue for sessions with this timeout; none when they never time out. */
  #idleQueueFor(idleTimeoutMs: number): IdleQueue<Session> | undefined {
    if (!(idleTimeoutMs > 0 && Number.isFinite(idleTimeoutMs))) return undefined;
    const queues = this.#state.idleQueues;
    let queue = queues.get(idleTimeoutMs);
    if (queue === undefined) {
      queue = Session.idleQueue(idleTimeoutMs);
      // Bounded like the inits: past that, an odd timeout gets a queue of its own.
      if (queues.size < 8) queues.set(idleTimeoutMs, queue);
    }
    return queue;
  }

  /** A closed session's removal: one function per registry view, not one per session. */
  readonly #forget = (closed: Session): void => {
    this.#sessions.remove(closed);
  };

  /**
   * The live session with this id, or `undefined`. Unknown, closed and (on a principal's view)
   * other principals' ids all look the same.
   */
  get(id: string): Session | undefined {
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (this.#view && principalKey(session.principal) !== principalKey(this.#view.principal)) return undefined;
    return session;
  }

  /** Closes every session through its own `close()`. */
  closeAll(reason: CloseReason = "shutdown"): void {
    for (const session of this.#sessions.list()) session.close(reason);
  }
}
