/**
 * A Server-Sent Events stream with exactly one close, reached from every way it can end:
 * the reader cancels, a write fails, the buffer of a reader that stopped reading overflows,
 * or the owner closes it.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * One SSE event.
 *
 * @example
 * ```ts
 * import { encodeEvent, type SseEvent } from "./sse.ts";
 * const event: SseEvent = { event: "message", id: "g_1", data: "{}" };
 * encodeEvent(event); // "event: message\nid: g_1\ndata: {}\n\n"
 * ```
 */
export interface SseEvent {
  /** The `event:` field; absent means the default `message`. */
  event?: string;
  /** The `id:` field. */
  id?: string;
  /** The `data:` payload; newlines become several `data:` lines. */
  data: string;
  /** The `retry:` field, in milliseconds. */
  retry?: number;
}

/**
 * Why a stream closed.
 *
 * @example
 * ```ts
 * import { type SseCloseReason, SseStream } from "./sse.ts";
 * const stream = new SseStream({ keepAliveMs: 0, onClose: (reason: SseCloseReason) => console.log(reason) });
 * stream.close(); // logs "closed"
 * ```
 */
export type SseCloseReason = "cancel" | "write-failed" | "overflow" | "closed";

/**
 * Options of an {@link SseStream}.
 *
 * @example
 * ```ts
 * import { SseStream, type SseStreamOptions } from "./sse.ts";
 * const options: SseStreamOptions = { keepAliveMs: 30_000, maxBufferedBytes: 256 * 1024 };
 * const stream = new SseStream(options);
 * stream.close();
 * ```
 */
export interface SseStreamOptions {
  /** Milliseconds between keep-alive comments; 0 (or anything past 2^31-1) disables them. Default 15,000. */
  keepAliveMs?: number;
  /** Bytes a reader may leave unread before the stream is cut off. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Called once, whatever closed the stream. */
  onClose?: (reason: SseCloseReason) => void;
}

/**
 * Encodes one SSE event as text.
 *
 * @example
 * ```ts
 * import { encodeEvent } from "./sse.ts";
 * encodeEvent({ event: "endpoint", data: "/messages?sessionId=abc" });
 * // "event: endpoint\ndata: /messages?sessionId=abc\n\n"
 * ```
 */
export function encodeEvent(event: SseEvent): string {
  let out = "";
  if (event.event !== undefined) out += `event: ${event.event}\n`;
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  if (event.retry !== undefined) out += `retry: ${event.retry}\n`;
  const data = event.data;
  out += data.includes("\n") || data.includes("\r")
    ? data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`).join("")
    : `data: ${data}\n`;
  return out + "\n";
}

/**
 * Encodes one `message` event carrying a JSON-RPC message's JSON text (the SSE answer's hot path:
 * no event object; same bytes as {@link encodeEvent}).
 *
 * @example
 * ```ts
 * import { encodeMessageEvent } from "./sse.ts";
 * encodeMessageEvent("p1_1", "{}"); // "event: message\nid: p1_1\ndata: {}\n\n"
 * ```
 */
export function encodeMessageEvent(id: string | undefined, data: string): string {
  // JSON text has no raw line breaks; anything else takes the general path.
  if (data.includes("\n") || data.includes("\r")) return encodeEvent({ event: "message", id, data });
  return id === undefined ? `event: message\ndata: ${data}\n\n` : `event: message\nid: ${id}\ndata: ${data}\n\n`;
}

/**
 * Headers every SSE response carries.
 *
 * @example
 * ```ts
 * import { SSE_HEADERS, SseStream } from "./sse.ts";
 * const stream = new SseStream({ keepAliveMs: 0 });
 * const response = new Response(stream.readable, { headers: SSE_HEADERS });
 * stream.close();
 * ```
 */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

/**
 * An SSE response body with a single idempotent close.
 *
 * @example
 * ```ts
 * import { SseStream } from "./sse.ts";
 * const stream = new SseStream({ onClose: (why) => console.log("closed:", why) });
 * const response = new Response(stream.readable, { headers: { "content-type": "text/event-stream" } });
 * stream.send({ event: "message", data: "{}" });
 * stream.close();
 * ```
 */
export class SseStream {
  /** The body to put in a `Response`. */
  readonly readable: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #closed = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #onClose?: (reason: SseCloseReason) => void;

  constructor(options: SseStreamOptions = {}) {
    this.#onClose = options.onClose;
    const limit = options.maxBufferedBytes ?? 1024 * 1024;
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => this.#finish("cancel"),
    }, new ByteLengthQueuingStrategy({ highWaterMark: limit }));
    const keepAliveMs = options.keepAliveMs ?? 15_000;
    // Past a timer's range (2^31-1 ms; `Infinity` included) an interval fires every millisecond: none then.
    if (keepAliveMs > 0 && keepAliveMs < 2 ** 31) this.#timer = setInterval(() => this.comment("keep-alive"), keepAliveMs);
  }

  /** True once the stream has closed, for whatever reason. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends an event; false when the stream is closed or the write failed (which closes it). */
  send(event: SseEvent): boolean {
    return this.#write(encodeEvent(event));
  }

  /** Sends a comment line (ignored by clients; used for keep-alive and to flush headers). */
  comment(text: string): boolean {
    return this.#write(`: ${text}\n\n`);
  }

  /** Ends the stream. Idempotent. */
  close(): void {
    this.#finish("closed");
  }

  #write(text: string): boolean {
    if (this.#closed) return false;
    try {
      this.#controller.enqueue(encoder.encode(text));
    } catch {
      this.#finish("write-failed");
      return false;
    }
    // A reader that stopped reading leaves bytes queued; past the limit it is cut off
    // rather than letting the server's memory grow.
    const desired = this.#controller.desiredSize;
    if (desired !== null && desired < 0) {
      this.#finish("overflow");
      return false;
    }
    return true;
  }

  #finish(reason: SseCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (reason !== "cancel") {
      try {
        if (reason === "overflow") this.#controller.error(new Error("SSE reader too slow"));
        else this.#controller.close();
      } catch {
        // Already closed or errored by the runtime.
      }
    }
    this.#onClose?.(reason);
  }
}
