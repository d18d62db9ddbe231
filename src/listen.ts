/**
 * `subscriptions/listen` (2026-07-28): long-lived SSE streams carrying the change notifications
 * a client asked for. Each {@link Listen} has exactly one idempotent close, reached from every
 * way it can end (client cancel or abort, failed write, overflow, the server ending it,
 * shutdown); the {@link ListenRegistry} owns them and removes one only from that close.
 *
 * @module
 */
import { encodeMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResult } from "./jsonrpc.ts";
import type { Implementation } from "./context.ts";
import { SERVER_INFO_KEY, SUBSCRIPTION_ID_KEY } from "./envelope.ts";
import { SSE_HEADERS, SseStream } from "./sse.ts";

/**
 * Which notifications a listen stream carries.
 *
 * @example
 * ```ts
 * import type { ListenFilter } from "./listen.ts";
 * const filter: ListenFilter = { toolsListChanged: true, resourceSubscriptions: ["file:///config.json"] };
 * ```
 */
export interface ListenFilter {
  /** Carry `notifications/tools/list_changed`. */
  toolsListChanged?: boolean;
  /** Carry `notifications/prompts/list_changed`. */
  promptsListChanged?: boolean;
  /** Carry `notifications/resources/list_changed`. */
  resourcesListChanged?: boolean;
  /** URIs whose `notifications/resources/updated` the client wants. */
  resourceSubscriptions?: string[];
}

/**
 * Why a listen ended.
 *
 * @example
 * ```ts
 * import { ListenRegistry } from "./listen.ts";
 * const listens = new ListenRegistry({ keepAliveMs: 0 });
 * const opened = listens.open({ jsonrpc: "2.0", id: 1, method: "subscriptions/listen" }, {});
 * if (opened.ok) {
 *   opened.listen.close("ended");
 *   opened.listen.closeReason; // "ended"
 * }
 * ```
 */
export type ListenCloseReason = "client-gone" | "write-failed" | "ended" | "shutdown";

/**
 * Reads the `notifications` filter of a listen request; `undefined` when it is malformed.
 *
 * @example
 * ```ts
 * import { parseListenFilter } from "./listen.ts";
 * parseListenFilter({ notifications: { toolsListChanged: true } }); // { toolsListChanged: true }
 * parseListenFilter({}); // undefined
 * ```
 */
export function parseListenFilter(params: Record<string, unknown> | undefined): ListenFilter | undefined {
  const raw = params?.notifications;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const n = raw as Record<string, unknown>;
  const filter: ListenFilter = {};
  for (const key of ["toolsListChanged", "promptsListChanged", "resourcesListChanged"] as const) {
    if (n[key] === undefined) continue;
    if (typeof n[key] !== "boolean") return undefined;
    filter[key] = n[key];
  }
  if (n.resourceSubscriptions !== undefined) {
    if (!Array.isArray(n.resourceSubscriptions) || !n.resourceSubscriptions.every((u) => typeof u === "string")) return undefined;
    filter.resourceSubscriptions = [...new Set(n.resourceSubscriptions as string[])];
  }
  return filter;
}

/**
 * The part of `filter` this server can honour, given its capabilities: list changes only for
 * the features it has, resource updates only when it has resources.
 *
 * @example
 * ```ts
 * import { honouredFilter } from "./listen.ts";
 * honouredFilter({ toolsListChanged: true, promptsListChanged: true }, { tools: { listChanged: true } });
 * // { toolsListChanged: true }
 * ```
 */
export function honouredFilter(filter: ListenFilter, capabilities: Record<string, unknown>): ListenFilter {
  const out: ListenFilter = {};
  if (filter.toolsListChanged && capabilities.tools !== undefined) out.toolsListChanged = true;
  if (filter.promptsListChanged && capabilities.prompts !== undefined) out.promptsListChanged = true;
  if (filter.resourcesListChanged && capabilities.resources !== undefined) out.resourcesListChanged = true;
  if (filter.resourceSubscriptions && filter.resourceSubscriptions.length > 0 && capabilities.resources !== undefined) {
    out.resourceSubscriptions = [...filter.resourceSubscriptions];
  }
  return out;
}

/**
 * True when a listen with `filter` should carry `notification`.
 *
 * @example
 * ```ts
 * import { filterAccepts } from "./listen.ts";
 * filterAccepts({ toolsListChanged: true }, { jsonrpc: "2.0", method: "notifications/tools/list_changed" }); // true
 * ```
 */
export function filterAccepts(filter: ListenFilter, notification: JsonRpcNotification): boolean {
  switch (notification.method) {
    case "notifications/tools/list_changed":
      return filter.toolsListChanged === true;
    case "notifications/prompts/list_changed":
      return filter.promptsListChanged === true;
    case "notifications/resources/list_changed":
      return filter.resourcesListChanged === true;
    case "notifications/resources/updated": {
      const uri = notification.params?.uri;
      return typeof uri === "string" && (filter.resourceSubscriptions?.includes(uri) ?? false);
    }
    default:
      return false;
  }
}

/**
 * Options of a {@link ListenRegistry}.
 *
 * @example
 * ```ts
 * import { ListenRegistry, type ListenRegistryOptions } from "./listen.ts";
 * const options: ListenRegistryOptions = { maxListens: 1_000, keepAliveMs: 15_000, maxBufferedBytes: 1024 * 1024 };
 * const listens = new ListenRegistry(options);
 * ```
 */
export interface ListenRegistryOptions {
  /** Open listens allowed at once; the next one gets an in-band error. Default 10,000. */
  maxListens?: number;
  /** Milliseconds between keep-alive comments (0 = none). Default 15,000. */
  keepAliveMs?: number;
  /** Unread bytes a listener may leave buffered before it is cut off. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** `serverInfo` stamped on the completion result. */
  serverInfo?: Implementation;
}

/**
 * One open listen stream. Created only by {@link ListenRegistry.open}.
 *
 * @example
 * ```ts
 * import { ListenRegistry } from "./listen.ts";
 * const listens = new ListenRegistry({ keepAliveMs: 0 });
 * const opened = listens.open({ jsonrpc: "2.0", id: "l1", method: "subscriptions/listen" }, { toolsListChanged: true });
 * if (opened.ok) {
 *   opened.listen.deliver({ jsonrpc: "2.0", method: "notifications/tools/list_changed" }); // true
 *   opened.listen.close(); // the completion result, then the end of the stream
 * }
 * ```
 */
export class Listen {
  /** The listen request's id: the subscription id on every message. */
  readonly id: JsonRpcRequest["id"];
  /** The honoured filter. */
  readonly filter: ListenFilter;
  readonly #stream: SseStream;
  readonly #release: (listen: Listen) => void;
  readonly #serverInfo?: Implementation;
  #detachAbort: () => void = () => {};
  #closeReason: ListenCloseReason | undefined;

  constructor(id: JsonRpcRequest["id"], filter: ListenFilter, options: ListenRegistryOptions, release: (listen: Listen) => void) {
    this.id = id;
    this.filter = filter;
    this.#release = release;
    this.#serverInfo = options.serverInfo;
    this.#stream = new SseStream({
      keepAliveMs: options.keepAliveMs,
      maxBufferedBytes: options.maxBufferedBytes,
      onClose: (reason) => this.close(reason === "cancel" ? "client-gone" : reason === "closed" ? "ended" : "write-failed"),
    });
  }

  /** The SSE body of the listen response. */
  get readable(): ReadableStream<Uint8Array> {
    return this.#stream.readable;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closeReason !== undefined;
  }

  /** Why it closed, once it has. */
  get closeReason(): ListenCloseReason | undefined {
    return this.#closeReason;
  }

  /** Ends the listen when `signal` aborts (the client went away). */
  bindAbort(signal: AbortSignal): void {
    if (this.closed) return;
    const onAbort = () => this.close("client-gone");
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    this.#detachAbort = () => signal.removeEventListener("abort", onAbort);
  }

  /** Sends `notification` (stamped with the subscription id) if the filter wants it. */
  deliver(notification: JsonRpcNotification): boolean {
    if (this.closed || !filterAccepts(this.filter, notification)) return false;
    return this.#send(stamp(notification, this.id));
  }

  /** Sends the acknowledgement; the registry does this before anything else. */
  acknowledge(): boolean {
    return this.#send({
      jsonrpc: "2.0",
      method: "notifications/subscriptions/acknowledged",
      params: { _meta: { [SUBSCRIPTION_ID_KEY]: this.id }, notifications: this.filter },
    });
  }

  /**
   * The single cleanup point. Idempotent. `ended` and `shutdown` first send the completion
   * result (the graceful end), then the stream closes and the registry forgets the listen.
   */
  close(reason: ListenCloseReason = "ended"): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    this.#detachAbort();
    if (reason === "ended" || reason === "shutdown") {
      const meta: Record<string, unknown> = { [SUBSCRIPTION_ID_KEY]: this.id };
      if (this.#serverInfo) meta[SERVER_INFO_KEY] = this.#serverInfo;
      const completion: JsonRpcResult = { jsonrpc: "2.0", id: this.id, result: { resultType: "complete", _meta: meta } };
      this.#stream.send({ event: "message", data: JSON.stringify(completion) });
    }
    this.#stream.close();
    this.#release(this);
  }

  #send(message: JsonRpcNotification): boolean {
    const data = encodeMessage(message);
    // An unserialisable notification is dropped; the listen stays healthy.
    return data !== undefined && this.#stream.send({ event: "message", data });
  }
}

function stamp(notification: JsonRpcNotification, id: JsonRpcRequest["id"]): JsonRpcNotification {
  const params = notification.params ?? {};
  const meta = typeof params._meta === "object" && params._meta !== null ? params._meta as Record<string, unknown> : {};
  return { jsonrpc: "2.0", method: notification.method, params: { ...params, _meta: { ...meta, [SUBSCRIPTION_ID_KEY]: id } } };
}

/**
 * The outcome of {@link ListenRegistry.open}.
 *
 * @example
 * ```ts
 * import { ListenRegistry, type ListenOpenResult } from "./listen.ts";
 * const listens = new ListenRegistry({ keepAliveMs: 0, maxListens: 0 });
 * const opened: ListenOpenResult = listens.open({ jsonrpc: "2.0", id: 1, method: "subscriptions/listen" }, {});
 * opened.ok; // false: the cap is reached
 * ```
 */
export type ListenOpenResult = { ok: true; listen: Listen; response: Response } | { ok: false; reason: "limit" | "closed" };

/**
 * The one owner of open listens.
 *
 * @example
 * ```ts
 * import { ListenRegistry } from "./listen.ts";
 * const listens = new ListenRegistry({ keepAliveMs: 0 });
 * const opened = listens.open({ jsonrpc: "2.0", id: 1, method: "subscriptions/listen" }, { toolsListChanged: true });
 * listens.publish({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
 * listens.closeAll(); // sends each listen its completion result, then closes it
 * listens.size; // 0
 * ```
 */
export class ListenRegistry {
  readonly #open = new Set<Listen>();
  readonly #options: ListenRegistryOptions;
  #refusing = false;

  constructor(options: ListenRegistryOptions = {}) {
    this.#options = options;
  }

  /** Number of open listens. */
  get size(): number {
    return this.#open.size;
  }

  /** The cap on open listens. */
  get limit(): number {
    return this.#options.maxListens ?? 10_000;
  }

  /**
   * Opens a listen for `request` with the already-honoured `filter`: the acknowledgement is
   * the first thing on its stream. Refused when the cap is reached.
   */
  open(request: JsonRpcRequest, filter: ListenFilter, signal?: AbortSignal): ListenOpenResult {
    // After shutdown began nothing would ever close a new listen.
    if (this.#refusing) return { ok: false, reason: "closed" };
    if (this.#open.size >= this.limit) return { ok: false, reason: "limit" };
    const listen = new Listen(request.id, filter, this.#options, (l) => this.#open.delete(l));
    this.#open.add(listen);
    listen.acknowledge();
    if (signal) listen.bindAbort(signal);
    return { ok: true, listen, response: new Response(listen.readable, { headers: SSE_HEADERS }) };
  }

  /** From now on `open()` refuses (graceful shutdown); open listens go on until `closeAll()`. */
  refuseNew(): void {
    this.#refusing = true;
  }

  /** Delivers a notification to every listen whose filter wants it. */
  publish(notification: JsonRpcNotification): void {
    for (const listen of [...this.#open]) listen.deliver(notification);
  }

  /** Ends every listen gracefully (completion result, then close). */
  closeAll(reason: "shutdown" | "ended" = "shutdown"): void {
    for (const listen of [...this.#open]) listen.close(reason);
  }
}
