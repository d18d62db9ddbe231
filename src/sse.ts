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
  readonly #limit: number;
  /**
   * Byte lengths of the chunks still queued, oldest first, while there are two or more, and
   * the bytes queued: the queue counts chunks (the default strategy), so the bytes a reader
   * left unread are the sizes of the last chunks written.
   */
  #queued: number[] | undefined;
  #queuedBytes = 0;
  /** The size of the last chunk written. */
  #lastSize = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #onClose?: (reason: SseCloseReason) => void;

  constructor(options: SseStreamOptions = {}) {
    this.#onClose = options.onClose;
    this.#limit = options.maxBufferedBytes ?? 1024 * 1024;
    // The default strategy (count 1): a byte-length strategy with the limit as high-water mark
    // made Bun reserve a buffer per response (about 8 KB of RSS per idle stream at 1 MiB), and
    // any size strategy costs Deno a closure and an object per stream. The bound is kept by
    // counting bytes ourselves (see #write).
    this.readable = new ReadableStream<Uint8Array>(new SseStream.#Source(this));
    const keepAliveMs = options.keepAliveMs ?? 15_000;
    // Past a timer's range (2^31-1 ms; `Infinity` included) an interval fires every millisecond: none then.
    // One interval per stream, with the stream as its argument (no closure). Not one shared by
    // all streams: workerd cancels a timer when the request that set it ends, so a shared one
    // would stop every other stream's keep-alive along with the first stream.
    if (keepAliveMs > 0 && keepAliveMs < 2 ** 31) this.#timer = setInterval(SseStream.#keepAlive, keepAliveMs, this);
  }

  /** The underlying source of `readable`: prototype methods, so a stream makes no closures. */
  static readonly #Source = class implements UnderlyingDefaultSource<Uint8Array> {
    readonly #stream: SseStream;
    constructor(stream: SseStream) {
      this.#stream = stream;
    }
    start(controller: ReadableStreamDefaultController<Uint8Array>): void {
      this.#stream.#controller = controller;
    }
    cancel(): void {
      this.#stream.#finish("cancel");
    }
  };

  /** What every stream's keep-alive interval calls, with the stream as its argument. */
  static readonly #keepAlive = (stream: SseStream): void => {
    stream.comment("keep-alive");
  };

  /** True once the stream has closed, for whatever reason. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends an event; false when the stream is closed or the write failed (which closes it). */
  send(event: SseEvent): boolean {
    return this.#write(encodeEvent(event));
  }

  /**
   * Sends a `message` event without an id carrying `data` (a JSON-RPC message's JSON text):
   * the same bytes as `send({ event: "message", data })`, with no event object.
   */
  sendMessage(data: string): boolean {
    return this.#write(encodeMessageEvent(undefined, data));
  }

  /** Sends a comment line (ignored by clients; used for keep-alive and to flush headers). */
  comment(text: string): boolean {
    return this.#write(`: ${text}\n\n`);
  }

  /** Ends the stream. Idempotent. */
  close(): void {
    this.#finish("closed");
  }

  /**
   * Runs once, after the stream closed, whatever closed it: calls `onClose`. A subclass may
   * override it instead of passing `onClose`, so that a stream needs no closure of its own.
   */
  protected onClosed(reason: SseCloseReason): void {
    this.#onClose?.(reason);
  }

  #write(text: string): boolean {
    if (this.#closed) return false;
    const chunk = encoder.encode(text);
    try {
      this.#controller.enqueue(chunk);
    } catch {
      this.#finish("write-failed");
      return false;
    }
    // A reader that stopped reading leaves bytes queued; past the limit it is cut off
    // rather than letting the server's memory grow. desiredSize is 1 minus the chunks queued,
    // and the queued chunks are the last ones written: their sizes add up to the bytes queued.
    const desired = this.#controller.desiredSize;
    const chunks = desired === null ? 0 : 1 - desired;
    const size = chunk.byteLength;
    if (chunks <= 1) {
      // The usual case (the reader keeps up): no list of sizes is kept.
      this.#queued = undefined;
      this.#queuedBytes = chunks === 1 ? size : 0;
    } else {
      let queued = this.#queued;
      if (queued === undefined) {
        // The chunk written before this one is still queued too.
        queued = this.#queued = [this.#lastSize];
        this.#queuedBytes = this.#lastSize;
      }
      queued.push(size);
      this.#queuedBytes += size;
      const taken = queued.length - chunks; // the oldest ones, read since
      for (let i = 0; i < taken; i++) this.#queuedBytes -= queued[i];
      if (taken > 0) queued.splice(0, taken);
    }
    this.#lastSize = size;
    if (this.#queuedBytes > this.#limit) {
      this.#finish("overflow");
      return false;
    }
    return true;
  }

  #finish(reason: SseCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queued = undefined;
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
    this.onClosed(reason);
  }
}
