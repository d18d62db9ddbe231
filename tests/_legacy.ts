/**
 * Test helper: an in-process 2024-11-05 client that talks to `handler.fetch` directly (no
 * sockets), so hostile-input and churn tests can run many cases quickly through the same
 * cancel/abort paths a real connection takes.
 */
import type { TetherHandler } from "../mod.ts";

export interface SseEventParsed {
  event: string;
  data: string;
  id?: string;
}

/** Parses an SSE body into events (comments skipped). */
export function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const queue: SseEventParsed[] = [];
  return {
    reader,
    /** The next event, or `undefined` when the stream ended. */
    async next(): Promise<SseEventParsed | undefined> {
      while (queue.length === 0) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event: SseEventParsed = { event: "message", data: "" };
          const data: string[] = [];
          let any = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) continue;
            const i = line.indexOf(":");
            const field = i < 0 ? line : line.slice(0, i);
            const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
            if (field === "event") event.event = value;
            else if (field === "data") data.push(value);
            else if (field === "id") event.id = value;
            else continue;
            any = true;
          }
          if (!any) continue;
          event.data = data.join("\n");
          queue.push(event);
        }
      }
      return queue.shift();
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

export const ORIGIN = "http://localhost";

export interface LegacyClient {
  response: Response;
  sessionId: string;
  endpoint: string;
  /** The next server→client JSON-RPC message on the stream. */
  next(): Promise<Record<string, any> | undefined>;
  /** POSTs a message (object or raw string) to the session's endpoint. */
  post(message: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Drops the connection by cancelling the body. */
  cancel(): Promise<void>;
  /** Drops the connection by aborting the request signal. */
  abort(): void;
}

/** Opens a legacy session in-process and reads the `endpoint` event. */
export async function openLegacy(handler: TetherHandler, headers: Record<string, string> = {}): Promise<LegacyClient> {
  const controller = new AbortController();
  const response = await handler.fetch(
    new Request(`${ORIGIN}/sse`, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal }),
  );
  if (response.status !== 200 || !response.body) throw new Error(`GET /sse answered ${response.status}: ${await response.text()}`);
  const events = sseReader(response.body);
  const first = await events.next();
  if (first?.event !== "endpoint") throw new Error(`expected the endpoint event, got ${JSON.stringify(first)}`);
  const endpoint = first.data;
  const sessionId = new URL(endpoint, ORIGIN).searchParams.get("sessionId")!;
  return {
    response,
    sessionId,
    endpoint,
    async next() {
      const event = await events.next();
      return event === undefined ? undefined : JSON.parse(event.data);
    },
    post: (message, extra = {}) =>
      handler.fetch(
        new Request(new URL(endpoint, ORIGIN), {
          method: "POST",
          headers: { "content-type": "application/json", ...headers, ...extra },
          body: typeof message === "string" ? message : JSON.stringify(message),
        }),
      ),
    cancel: () => events.cancel(),
    abort: () => controller.abort(),
  };
}

/** `initialize` + `notifications/initialized` on a legacy client; returns the initialize result. */
export async function initializeLegacy(client: LegacyClient, capabilities: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const posted = await client.post({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2024-11-05", capabilities, clientInfo: { name: "t", version: "1" } },
  });
  if (posted.status !== 202) throw new Error(`initialize POST answered ${posted.status}`);
  const response = await client.next();
  await client.post({ jsonrpc: "2.0", method: "notifications/initialized" });
  return response!;
}
