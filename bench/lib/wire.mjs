// A minimal HTTP/1.1 client over node:net for the load-generating processes: keep-alive
// request/response on one socket, and long-lived SSE streams parsed as they arrive. Small on
// purpose, so the client costs far less per message than the servers it measures.
import net from "node:net";

const CRLF2 = Buffer.from("\r\n\r\n");

function parseHead(text) {
  const lines = text.split("\r\n");
  const status = Number(lines[0].split(" ")[1]);
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(":");
    if (colon > 0) headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
  }
  return { status, headers };
}

/** Decodes a chunked body incrementally; `push` returns the decoded bytes, `done` once the last chunk arrived. */
class Dechunker {
  #buffer = Buffer.alloc(0);
  #size = -1;
  done = false;
  push(data) {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, data]) : data;
    const out = [];
    while (!this.done) {
      if (this.#size < 0) {
        const end = this.#buffer.indexOf("\r\n");
        if (end < 0) break;
        this.#size = parseInt(this.#buffer.subarray(0, end).toString("latin1"), 16);
        this.#buffer = this.#buffer.subarray(end + 2);
        if (this.#size === 0) {
          this.done = true;
          break;
        }
      }
      if (this.#buffer.length < this.#size + 2) break;
      out.push(this.#buffer.subarray(0, this.#size));
      this.#buffer = this.#buffer.subarray(this.#size + 2);
      this.#size = -1;
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }
}

/** One keep-alive connection; requests are sent one at a time (`request` awaits the previous). */
export class Connection {
  #socket;
  #buffer = Buffer.alloc(0);
  #current; // { resolve, reject, head, body: Buffer[], length, dechunker }
  #ready;
  closed = false;

  constructor(port) {
    this.#socket = net.connect({ port, host: "127.0.0.1", noDelay: true });
    this.#ready = new Promise((resolve, reject) => {
      this.#socket.once("connect", resolve);
      this.#socket.once("error", reject);
    });
    this.#socket.on("data", (data) => this.#onData(data));
    this.#socket.on("error", () => {});
    this.#socket.on("close", () => {
      this.closed = true;
      this.#current?.reject(new Error("connection closed"));
      this.#current = undefined;
    });
  }

  /** Sends a request; resolves with `{ status, headers, body }` (body as a string). */
  async request(method, path, headers = {}, body = "") {
    await this.#ready;
    if (this.closed) throw new Error("connection closed");
    let head = `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    const payload = body === "" ? "" : body;
    if (payload !== "" || method === "POST") head += `content-length: ${Buffer.byteLength(payload)}\r\n`;
    return new Promise((resolve, reject) => {
      this.#current = { resolve, reject, head: undefined, body: [], length: 0 };
      this.#socket.write(head + "\r\n" + payload);
    });
  }

  close() {
    this.closed = true;
    this.#socket.destroy();
  }

  #onData(data) {
    const current = this.#current;
    if (!current) return;
    if (!current.head) {
      this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, data]) : data;
      const end = this.#buffer.indexOf(CRLF2);
      if (end < 0) return;
      current.head = parseHead(this.#buffer.subarray(0, end).toString("latin1"));
      data = this.#buffer.subarray(end + 4);
      this.#buffer = Buffer.alloc(0);
      const h = current.head.headers;
      if (h["transfer-encoding"]?.includes("chunked")) current.dechunker = new Dechunker();
      else current.remaining = Number(h["content-length"] ?? 0);
    }
    if (current.dechunker) {
      const bytes = current.dechunker.push(data);
      if (bytes.length) current.body.push(bytes);
      if (!current.dechunker.done) return;
    } else {
      current.body.push(data);
      current.remaining -= data.length;
      if (current.remaining > 0) return;
    }
    this.#current = undefined;
    current.resolve({ status: current.head.status, headers: current.head.headers, body: Buffer.concat(current.body).toString("utf8") });
  }
}

/**
 * A long-lived GET whose body is an SSE stream. `onEvent({ event, data })` runs per event;
 * `opened` resolves with the response head.
 */
export class EventStream {
  #socket;
  #buffer = Buffer.alloc(0);
  #dechunker;
  #text = "";
  #head;
  opened;
  ended;
  closed = false;

  /** `opened` resolves with `{ status }` once the status line arrived. */
  constructor(port, path, headers = {}, onEvent = () => {}) {
    this.onEvent = onEvent;
    this.#socket = net.connect({ port, host: "127.0.0.1", noDelay: true });
    let open, fail, end;
    this.opened = new Promise((resolve, reject) => ((open = resolve), (fail = reject)));
    this.ended = new Promise((resolve) => (end = resolve));
    this.opened.catch(() => {});
    this.#socket.on("error", (error) => fail(error));
    this.#socket.on("close", () => {
      this.closed = true;
      fail(new Error("closed before the response head"));
      end();
    });
    let head = `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    this.#socket.write(head + "\r\n");
    this.#socket.on("data", (data) => {
      if (!this.#head) {
        this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, data]) : data;
        // Opened at the status line: Bun sends the rest of the head only with the first body
        // bytes, and an idle stream may have none yet.
        const line = this.#buffer.indexOf("\r\n");
        if (line > 0) open({ status: Number(this.#buffer.subarray(0, line).toString("latin1").split(" ")[1]) });
        const at = this.#buffer.indexOf(CRLF2);
        if (at < 0) return;
        this.#head = parseHead(this.#buffer.subarray(0, at).toString("latin1"));
        data = this.#buffer.subarray(at + 4);
        this.#buffer = Buffer.alloc(0);
        if (this.#head.headers["transfer-encoding"]?.includes("chunked")) this.#dechunker = new Dechunker();
      }
      this.#feed(this.#dechunker ? this.#dechunker.push(data) : data);
    });
  }

  #feed(bytes) {
    if (!bytes.length) return;
    this.#text += bytes.toString("utf8");
    let at;
    while ((at = this.#text.indexOf("\n\n")) >= 0) {
      const block = this.#text.slice(0, at);
      this.#text = this.#text.slice(at + 2);
      let event = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += (data ? "\n" : "") + line.slice(line[5] === " " ? 6 : 5);
      }
      if (data !== "" || event !== "message") this.onEvent({ event, data });
    }
  }

  /** Drops the connection (FIN), as a client that goes away does. */
  close() {
    this.closed = true;
    this.#socket.destroy();
  }
}

/** Milliseconds, high resolution. */
export const now = () => performance.now();

/** Percentile of a sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
