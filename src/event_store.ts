/**
 * Resumability for Streamable HTTP: an {@link EventStore} keeps the messages sent on a
 * session's SSE streams so that a client that lost its connection can reconnect with
 * `Last-Event-ID` and receive what it missed on that stream only.
 *
 * @module
 */
import type { JsonRpcMessage } from "./jsonrpc.ts";

/**
 * One stored event, as replayed.
 *
 * @example
 * ```ts
 * import { MemoryEventStore, type StoredEvent } from "./event_store.ts";
 * const store = new MemoryEventStore();
 * const first = store.append("s1", "p1", null);
 * store.append("s1", "p1", { jsonrpc: "2.0", id: 1, result: {} });
 * const events: StoredEvent[] = store.replayAfter("s1", first)?.events ?? []; // [{ id: "p1_2", message: {...} }]
 * ```
 */
export interface StoredEvent {
  /** The SSE event id. */
  id: string;
  /**
   * The message; `null` for an event stored without one: a priming event (an id with empty
   * data), or the first event of a stream that had none (its id anchors resumption; nothing can
   * replay the message itself). Replay skips them.
   */
  message: JsonRpcMessage | null;
}

/**
 * What {@link EventStore.replayAfter} finds for a `Last-Event-ID`.
 *
 * @example
 * ```ts
 * import { MemoryEventStore, type Replay } from "./event_store.ts";
 * const store = new MemoryEventStore();
 * const id = store.append("s1", "g", null);
 * const replay: Replay | undefined = store.replayAfter("s1", id); // { streamId: "g", events: [] }
 * ```
 */
export interface Replay {
  /** The stream the event id belongs to. */
  streamId: string;
  /** The events stored on that stream after the given id, oldest first. */
  events: StoredEvent[];
}

/**
 * Where the messages of a session's SSE streams are kept for resumption.
 *
 * The methods are synchronous on purpose: an event's id must be known before the event is
 * written, and events must be written in order. A store backed by a database keeps a write
 * buffer of its own. A store that throws degrades to events without ids (no resumption).
 *
 * @example
 * ```ts
 * import type { EventStore } from "./event_store.ts";
 * // A store that keeps nothing: events get ids, but nothing can be replayed.
 * let n = 0;
 * const forgetful: EventStore = {
 *   append: (_session, stream) => `${stream}_${++n}`,
 *   replayAfter: () => undefined,
 *   dropSession: () => {},
 * };
 * ```
 */
export interface EventStore {
  /**
   * Stores one event of `streamId` in session `sessionId` and returns its id. Ids are unique
   * within the session, visible ASCII without spaces, and encode the stream they belong to.
   * `text`, when given, is the message's JSON text exactly as sent: a store may keep it instead
   * of the message (and parse it back when replaying).
   */
  append(sessionId: string, streamId: string, message: JsonRpcMessage | null, text?: string): string;
  /** The events after `lastEventId` on its stream; `undefined` when the id is unknown or evicted. */
  replayAfter(sessionId: string, lastEventId: string): Replay | undefined;
  /** Forgets everything of a session; called once, when the session closes. */
  dropSession(sessionId: string): void;
}

/**
 * Options of a {@link MemoryEventStore}.
 *
 * @example
 * ```ts
 * import { MemoryEventStore, type MemoryEventStoreOptions } from "./event_store.ts";
 * const options: MemoryEventStoreOptions = { maxEventsPerSession: 200 };
 * const store = new MemoryEventStore(options);
 * ```
 */
export interface MemoryEventStoreOptions {
  /** Events kept per session; the oldest are evicted first. Default 1,000. */
  maxEventsPerSession?: number;
}

/**
 * A session's events, in two parallel arrays rather than an object per event: a busy session keeps
 * up to `maxEventsPerSession` of them alive, and every object kept is work for the garbage
 * collector. An event's sequence number is its index plus `base`.
 */
interface SessionEvents {
  next: number;
  /** The sequence number of the event at index 0. */
  base: number;
  /** Events before this index are evicted (cut off in bulk, not shifted out one per append). */
  head: number;
  streams: Array<string | undefined>;
  /** The message's JSON text when the caller gave it (one string, not an object graph), else the message; null for a priming event. */
  payloads: Array<string | JsonRpcMessage | null>;
}

/**
 * The default store: bounded, in memory, per session; a session's events go when it closes.
 * Event ids are `<streamId>_<n>` with `n` counting up per session.
 *
 * @example
 * ```ts
 * import { MemoryEventStore } from "./event_store.ts";
 * const store = new MemoryEventStore({ maxEventsPerSession: 100 });
 * const first = store.append("s1", "p1", null); // "p1_1": a priming event
 * store.append("s1", "p1", { jsonrpc: "2.0", id: 1, result: {} });
 * store.replayAfter("s1", first); // { streamId: "p1", events: [{ id: "p1_2", message: {...} }] }
 * store.dropSession("s1");
 * ```
 */
export class MemoryEventStore implements EventStore {
  readonly #sessions = new Map<string, SessionEvents>();
  readonly #max: number;

  /** A store keeping at most `maxEventsPerSession` events per session (default 1,000). */
  constructor(options: MemoryEventStoreOptions = {}) {
    this.#max = Math.max(1, options.maxEventsPerSession ?? 1000);
  }

  /** Number of sessions with stored events. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Number of events stored for a session. */
  eventCount(sessionId: string): number {
    const entry = this.#sessions.get(sessionId);
    return entry ? entry.streams.length - entry.head : 0;
  }

  append(sessionId: string, streamId: string, message: JsonRpcMessage | null, text?: string): string {
    let entry = this.#sessions.get(sessionId);
    if (!entry) {
      entry = { next: 1, base: 1, head: 0, streams: [], payloads: [] };
      this.#sessions.set(sessionId, entry);
    }
    const seq = entry.next++;
    const { streams, payloads } = entry;
    streams.push(streamId);
    payloads.push(message === null ? null : text ?? message);
    if (streams.length - entry.head > this.#max) {
      // A full session evicts one event per append: clearing its slots is O(1), and the cleared
      // slots are cut off together once there are #max of them (a splice per append copied the
      // whole array every time: ~5 µs and 8 KB of garbage per event on Deno at the default size).
      streams[entry.head] = undefined;
      payloads[entry.head++] = null;
      if (entry.head >= this.#max) {
        streams.splice(0, entry.head);
        payloads.splice(0, entry.head);
        entry.base += entry.head;
        entry.head = 0;
      }
    }
    return `${streamId}_${seq}`;
  }

  replayAfter(sessionId: string, lastEventId: string): Replay | undefined {
    const match = /^(.+)_(\d+)$/.exec(lastEventId);
    const entry = this.#sessions.get(sessionId);
    if (!match || !entry) return undefined;
    const streamId = match[1];
    // The id must still be stored: after eviction we cannot know what the client missed.
    const index = Number(match[2]) - entry.base;
    const { streams, payloads } = entry;
    if (!(index >= entry.head && index < streams.length) || streams[index] !== streamId) return undefined;
    const events: StoredEvent[] = [];
    for (let i = index + 1; i < streams.length; i++) {
      if (streams[i] !== streamId) continue;
      const payload = payloads[i];
      events.push({ id: `${streamId}_${i + entry.base}`, message: typeof payload === "string" ? JSON.parse(payload) as JsonRpcMessage : payload });
    }
    return { streamId, events };
  }

  dropSession(sessionId: string): void {
    // Every session's close calls this; most stored nothing (JSON answers store no events).
    // With nothing stored there is nothing to look up: a lookup by a string key that has not
    // been hashed yet costs ~0.3 µs on Deno, and session ids are no longer hashed elsewhere.
    if (this.#sessions.size > 0) this.#sessions.delete(sessionId);
  }
}
