/** Test helpers for the Streamable HTTP endpoint: raw POST/GET/DELETE and an SSE reader. */

/** Headers a 2025 client sends on a POST. */
export function postHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { "content-type": "application/json", accept: "application/json, text/event-stream", ...extra };
}

/** An initialize request for `version`. */
export function initializeMessage(version = "2025-11-25", id: number | string = 0): Record<string, unknown> {
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  };
}

/** POSTs one JSON body to `url`. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: postHeaders(headers), body: JSON.stringify(body) });
}

/** Initializes a session (and sends `notifications/initialized`); returns its id. */
export async function openSession(url: string, version = "2025-11-25"): Promise<string> {
  const res = await post(url, initializeMessage(version));
  if (res.status !== 200) throw new Error(`initialize: ${res.status} ${await res.text()}`);
  const id = res.headers.get("mcp-session-id");
  await res.body?.cancel();
  if (!id) throw new Error("no Mcp-Session-Id");
  const ack = await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, sessionHeaders(id, version));
  await ack.body?.cancel();
  return id;
}

/** The headers of a request in session `id`. */
export function sessionHeaders(id: string, version = "2025-11-25"): Record<string, string> {
  return { "mcp-session-id": id, "mcp-protocol-version": version };
}

/** One parsed SSE event. */
export interface Event {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

/** Reads SSE events from a response body, one at a time. */
export class SseReader {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  constructor(response: Response) {
    this.#reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next event (comments skipped), or undefined at the end of the stream. */
  async next(): Promise<Event | undefined> {
    while (true) {
      const end = this.#buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const event: Event = { data: "" };
        const data: string[] = [];
        let any = false;
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          any = true;
          if (field === "data") data.push(value);
          else if (field === "id") event.id = value;
          else if (field === "event") event.event = value;
          else if (field === "retry") event.retry = Number(value);
        }
        if (!any) continue;
        event.data = data.join("\n");
        return event;
      }
      const { done, value } = await this.#reader.read();
      if (done) return undefined;
      this.#buffer += value;
    }
  }

  /** The next event's data parsed as JSON (skips priming events). */
  async nextMessage(): Promise<Record<string, any> | undefined> {
    while (true) {
      const event = await this.next();
      if (!event) return undefined;
      if (event.data !== "") return JSON.parse(event.data);
    }
  }

  /** Stops reading (drops the connection). */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}
