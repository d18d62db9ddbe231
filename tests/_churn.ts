/** Test helper: a server whose tools record when they start and settle, for leak checks. */
import { z } from "zod";
import { McpServer } from "../mod.ts";
import { doneAfter } from "./_fixtures.ts";

export interface Tally {
  started: number;
  settled: number;
}

/** Tools: `slow` (waits for abort or ms), `ask` (waits on a sampling answer), `ticker` (progress until aborted or `ticks`), `echo`. */
export function churnServer(tally: Tally): McpServer {
  const server = new McpServer({ name: "churn", version: "1" });
  const tracked = <T>(work: () => Promise<T>): Promise<T> => {
    tally.started++;
    return work().finally(() => tally.settled++);
  };
  server.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: "text", text }] }));
  server.tool("slow", { inputSchema: z.object({ ms: z.number().default(60_000) }) }, ({ ms }, ctx) =>
    tracked(() => doneAfter(ms, ctx.signal)));
  server.tool("ask", {}, (_args, ctx) =>
    tracked(async () => {
      const answer = await ctx.request("sampling/createMessage", { messages: [], maxTokens: 1 });
      return { content: [{ type: "text", text: JSON.stringify(answer) }] };
    }));
  server.tool("ticker", { inputSchema: z.object({ ticks: z.number().optional() }) }, ({ ticks }, ctx) =>
    tracked(() =>
      new Promise((resolve, reject) => {
        let n = 0;
        const timer = setInterval(() => {
          ctx.progress(++n);
          if (ticks !== undefined && n >= ticks) {
            clearInterval(timer);
            resolve({ content: [{ type: "text", text: `${n} ticks` }] });
          }
        }, 1);
        ctx.signal.addEventListener("abort", () => {
          clearInterval(timer);
          reject(new Error("aborted"));
        }, { once: true });
      })
    ));
  return server;
}

import type { TetherHandler } from "../mod.ts";
import { initializeLegacy, openLegacy, type LegacyClient } from "./_legacy.ts";

/** A small seeded PRNG (mulberry32), so a failing soak can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Figures one churn run adds to. */
export interface ChurnStats {
  sessions: number;
  posts: number;
  /** Answers outside what the case allows (5xx, or 202 where 404 was due). */
  badStatuses: string[];
}

/** The points a legacy session can be dropped at. */
export const LEGACY_DROP_POINTS = ["before-endpoint", "after-endpoint", "after-initialize", "mid-call", "awaiting-sampling", "mid-progress", "after-echoes"] as const;

/**
 * Opens one legacy session in-process, drives it to a random point, drops it by cancel() or
 * abort at random, with echo POSTs racing the drop.
 */
export async function churnLegacySession(handler: TetherHandler, random: () => number, stats: ChurnStats): Promise<void> {
  stats.sessions++;
  const point = LEGACY_DROP_POINTS[Math.floor(random() * LEGACY_DROP_POINTS.length)];
  const byAbort = random() < 0.5;
  if (point === "before-endpoint") {
    const controller = new AbortController();
    const response = await handler.fetch(new Request("http://localhost/sse", { headers: { accept: "text/event-stream" }, signal: controller.signal }));
    if (byAbort) controller.abort();
    else await response.body?.cancel();
    return;
  }
  const client: LegacyClient = await openLegacy(handler);
  const racing: Promise<Response>[] = [];
  const post = (message: unknown) => {
    stats.posts++;
    const p = client.post(message);
    racing.push(p);
    return p;
  };
  const call = (id: number, name: string, args: Record<string, unknown> = {}) =>
    post({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args, _meta: { progressToken: id } } });
  if (point !== "after-endpoint") {
    stats.posts += 2;
    await initializeLegacy(client, { sampling: {} });
    if (point === "mid-call") {
      await call(1, "slow");
    } else if (point === "awaiting-sampling") {
      await call(1, "ask");
      await client.next(); // the sampling request
    } else if (point === "mid-progress") {
      await call(1, "ticker");
      await client.next(); // the first progress notification
    } else if (point === "after-echoes") {
      const n = 1 + Math.floor(random() * 3);
      for (let i = 1; i <= n; i++) {
        await call(i, "echo", { text: "x".repeat(Math.floor(random() * 100)) });
        await client.next();
      }
    }
  }
  for (let i = 0, n = Math.floor(random() * 3); i < n; i++) call(100 + i, "echo", { text: "race" });
  if (byAbort) client.abort();
  else await client.cancel();
  const late = await post({ jsonrpc: "2.0", id: 999, method: "ping" });
  if (late.status !== 404 && handler.sessions.get(client.sessionId) === undefined) stats.badStatuses.push(`late POST after drop: ${late.status}`);
  for (const response of await Promise.all(racing)) {
    if (response.status !== 202 && response.status !== 404) stats.badStatuses.push(`racing POST: ${response.status}`);
    await response.body?.cancel().catch(() => {});
  }
}

import { MCP_URL, mcpDelete, mcpInitialize, mcpPost } from "./_mcp_inproc.ts";
import { sseReader } from "./_legacy.ts";

/** The points a Streamable HTTP session can be dropped or abandoned at. */
export const STREAMABLE_DROP_POINTS = [
  "initialize-dropped",
  "after-initialize",
  "get-stream-dropped",
  "mid-call-stream",
  "awaiting-sampling",
  "answered-sampling",
  "after-calls",
  "deleted",
] as const;

/**
 * Opens one Streamable HTTP session in-process and drives it to a random point, where its
 * connections are dropped (cancel() or abort) and the session is either deleted or abandoned to
 * the idle timeout, with echo POSTs racing. (A dropped POST stream is not a cancellation: the
 * request runs on and the session outlives it, so tools here finish on their own.)
 */
export async function churnStreamableSession(handler: TetherHandler, random: () => number, stats: ChurnStats): Promise<void> {
  stats.sessions++;
  const point = STREAMABLE_DROP_POINTS[Math.floor(random() * STREAMABLE_DROP_POINTS.length)];
  const byAbort = random() < 0.5;
  const controller = new AbortController();
  const check = (what: string, response: Response, allowed: number[]) => {
    if (!allowed.includes(response.status)) stats.badStatuses.push(`${what}: ${response.status}`);
  };
  const dropBody = async (response: Response) => {
    if (byAbort) controller.abort();
    else await response.body?.cancel().catch(() => {});
  };
  if (point === "initialize-dropped") {
    stats.posts++;
    const response = await mcpPost(handler, {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "churn", version: "1" } },
    }, {}, controller.signal);
    check("initialize", response, [200]);
    await dropBody(response);
    return; // abandoned: the idle timeout ends it
  }
  stats.posts += 2;
  const id = await mcpInitialize(handler, { sampling: {} });
  if (id === undefined) {
    stats.badStatuses.push("initialize failed");
    return;
  }
  const headers = { "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" };
  const racing: Promise<Response>[] = [];
  const call = (requestId: number, name: string, args: Record<string, unknown> = {}, signal?: AbortSignal) => {
    stats.posts++;
    return mcpPost(handler, { jsonrpc: "2.0", id: requestId, method: "tools/call", params: { name, arguments: args, _meta: { progressToken: requestId } } }, headers, signal);
  };
  if (point === "get-stream-dropped") {
    const response = await handler.fetch(new Request(MCP_URL, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal }));
    check("GET", response, [200]);
    await dropBody(response);
  } else if (point === "mid-call-stream") {
    const response = await call(1, "ticker", { ticks: 3 }, controller.signal);
    check("ticker", response, [200]);
    if (response.body) await sseReader(response.body).next();
    await dropBody(response);
  } else if (point === "awaiting-sampling" || point === "answered-sampling") {
    const response = await call(1, "ask", {}, controller.signal);
    check("ask", response, [200]);
    const events = sseReader(response.body!);
    let event = await events.next();
    if (event?.data === "") event = await events.next(); // a priming event comes first for 2025-11-25
    const request = event === undefined ? undefined : JSON.parse(event.data);
    if (point === "answered-sampling" && request?.method === "sampling/createMessage") {
      stats.posts++;
      const answer = await mcpPost(handler, { jsonrpc: "2.0", id: request.id, result: { role: "assistant", content: { type: "text", text: "ok" }, model: "m" } }, headers);
      check("sampling answer", answer, [202]);
      await answer.body?.cancel().catch(() => {});
    }
    await dropBody(response);
  } else if (point === "after-calls") {
    for (let i = 1, n = 1 + Math.floor(random() * 3); i <= n; i++) {
      const response = await call(i, "echo", { text: "x".repeat(Math.floor(random() * 100)) });
      check("echo", response, [200]);
      await response.body?.cancel().catch(() => {});
    }
  }
  for (let i = 0, n = Math.floor(random() * 3); i < n; i++) racing.push(call(100 + i, "echo", { text: "race" }));
  if (point === "deleted" || random() < 0.5) {
    check("DELETE", await mcpDelete(handler, id), [200]);
    stats.posts++;
    const late = await mcpPost(handler, { jsonrpc: "2.0", id: 999, method: "ping" }, headers);
    check("POST after DELETE", late, [404]);
    await late.body?.cancel().catch(() => {});
  }
  for (const response of await Promise.all(racing)) {
    check("racing POST", response, [200, 404]);
    await response.body?.cancel().catch(() => {});
  }
}
