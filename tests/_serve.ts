/**
 * Test helper: serves a fetch handler on 127.0.0.1 with an OS-chosen port, on Deno or Bun.
 * Always call `close()` (tests do it in `finally` or `after`).
 */
import type { TetherHandler } from "../mod.ts";

export interface Served {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Stops the listener and closes the handler's sessions. */
  close(): Promise<void>;
}

type Fetch = (request: Request, platform?: unknown) => Response | Promise<Response>;

/** Starts a server for `fetch` on 127.0.0.1:0. */
export function serveFetch(fetch: Fetch): Promise<Served> {
  const g = globalThis as Record<string, any>;
  if (g.Bun) {
    const server = g.Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req: Request, srv: unknown) => fetch(req, srv) });
    return Promise.resolve({
      url: `http://127.0.0.1:${server.port}`,
      close: async () => {
        await server.stop(true);
      },
    });
  }
  if (g.Deno) {
    return new Promise((resolve) => {
      const ac = new AbortController();
      const server = g.Deno.serve({
        hostname: "127.0.0.1",
        port: 0,
        signal: ac.signal,
        onListen: ({ port }: { port: number }) =>
          resolve({
            url: `http://127.0.0.1:${port}`,
            close: async () => {
              ac.abort();
              await server.finished.catch(() => {});
            },
          }),
      }, (req: Request, info: unknown) => fetch(req, info));
    });
  }
  throw new Error("tests run on Deno or Bun");
}

/** Serves a Tether handler; `close()` closes the handler first, then the listener. */
export async function serveHandler(handler: TetherHandler): Promise<Served> {
  const served = await serveFetch(handler.fetch);
  return {
    url: served.url,
    close: async () => {
      await handler.close();
      await served.close();
    },
  };
}

/** Resolves when `predicate` holds, polling every few ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The runtime running the tests. */
export const runtime: "deno" | "bun" = (globalThis as Record<string, unknown>).Bun ? "bun" : "deno";
