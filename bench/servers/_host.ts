/**
 * Bench host: serves a server-under-test's fetch handler on 127.0.0.1 (Deno or Bun) and a
 * separate control listener the harness uses between phases (live sessions, memory, "tell me
 * when this session is gone"). The control listener is a different port so the hot path of the
 * server under test carries no bench routing at all.
 *
 * Prints one line `READY <port> <controlPort>` on stdout once both listen.
 */

type Fetch = (request: Request, platform?: unknown) => Response | Promise<Response>;

/** What a server under test tells the host about its sessions. */
export interface Probe {
  /** Live sessions, as the application (or library) counts them. */
  live(): number;
  /**
   * Resolves when the session is gone, with the wall-clock time ({@link now}) taken in the hook
   * that saw it go (else the host takes it when the promise settles); undefined when the server
   * cannot tell.
   */
  gone?(id: string): Promise<number | void> | undefined;
}

/**
 * Wall-clock milliseconds with sub-millisecond precision, comparable across processes of one
 * machine (the same clock the load generator reads: performance.timeOrigin + performance.now()).
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

const g = globalThis as Record<string, any>;

/** The runtime this process runs on. */
export const runtime: "deno" | "bun" = g.Bun ? "bun" : "deno";

/** An environment variable on Deno or Bun. */
export function env(name: string, fallback = ""): string {
  const value = g.Deno ? g.Deno.env.get(name) : g.process?.env?.[name];
  return value ?? fallback;
}

function memory(): { rss: number; heapUsed: number } {
  const m = g.Deno ? g.Deno.memoryUsage() : g.process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

function collectGarbage(): void {
  if (g.Bun) g.Bun.gc(true);
  else if (typeof g.gc === "function") g.gc();
}

async function listen(fetch: Fetch, port: number, viaNodeHttp = false): Promise<number> {
  if (viaNodeHttp) {
    // node:http (Deno's or Bun's Node compatibility) through @hono/node-server's Web adapter.
    const { createServer } = await import("node:http");
    const { getRequestListener } = await import("@hono/node-server");
    // Not overriding the global Request/Response: the control listener is still Deno.serve / Bun.serve.
    const server = createServer(getRequestListener(fetch, { overrideGlobalObjects: false }));
    return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
  }
  if (g.Bun) {
    // idleTimeout 0: idle SSE streams (workload e) must not be cut by the runtime.
    const server = g.Bun.serve({ hostname: "127.0.0.1", port, idleTimeout: 0, fetch });
    return Promise.resolve(server.port);
  }
  return new Promise((resolve) => {
    g.Deno.serve({ hostname: "127.0.0.1", port, onListen: ({ port }: { port: number }) => resolve(port) }, fetch);
  });
}

function control(probe: Probe): Fetch {
  const watched = new Map<string, Promise<number>>();
  return async (request) => {
    const url = new URL(request.url);
    const id = url.searchParams.get("id") ?? "";
    switch (url.pathname) {
      case "/stats": {
        if (url.searchParams.get("gc") === "1") {
          collectGarbage();
          await new Promise((r) => setTimeout(r, 50));
          collectGarbage();
        }
        return Response.json({ live: probe.live(), ...memory() });
      }
      case "/watch": {
        // Attach to the session's end now, so /wait measures only abort → gone.
        const done = probe.gone?.(id);
        if (!done) return new Response("unsupported", { status: 501 });
        watched.set(id, done.then((at) => (typeof at === "number" ? at : now())));
        return new Response("ok");
      }
      case "/wait": {
        // Answers {"outcome":"gone","goneAt":<now() when the session went>} or {"outcome":"timeout"}.
        const done = watched.get(id);
        if (!done) return new Response("not watched", { status: 404 });
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), Number(url.searchParams.get("ms") ?? 5000))));
        const goneAt = await Promise.race([done, timeout]);
        clearTimeout(timer);
        watched.delete(id);
        return Response.json(goneAt === undefined ? { outcome: "timeout" } : { outcome: "gone", goneAt });
      }
      case "/now":
        return new Response(String(now()));
      default:
        return new Response("not found", { status: 404 });
    }
  };
}

/** Serves `fetch` and the control listener; prints READY. */
export async function host(fetch: Fetch, probe: Probe): Promise<void> {
  const port = await listen(fetch, Number(env("PORT", "0")), env("BENCH_NODE_HTTP") === "1");
  const controlPort = await listen(control(probe), Number(env("CONTROL_PORT", "0")));
  console.log(`READY ${port} ${controlPort}`);
}
