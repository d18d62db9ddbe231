/** Shared by the examples: serves a fetch handler on 127.0.0.1 under Deno or Bun. */
type Fetch = (request: Request, platform?: unknown) => Response | Promise<Response>;

/** Serves `fetch` on 127.0.0.1:`PORT` (default 8787) and prints where. */
export function listen(fetch: Fetch, paths: string[]): void {
  const g = globalThis as Record<string, any>;
  const port = Number(g.process?.env?.PORT ?? g.Deno?.env.get("PORT") ?? 8787);
  const hostname = "127.0.0.1";
  const announce = (actual: number) => {
    for (const path of paths) console.log(`http://${hostname}:${actual}${path}`);
  };
  if (g.Bun) {
    announce(g.Bun.serve({ hostname, port, fetch }).port);
  } else if (g.Deno) {
    g.Deno.serve({ hostname, port, onListen: ({ port }: { port: number }) => announce(port) }, fetch);
  } else {
    throw new Error("Run this example with Deno or Bun (Node: examples/node.mjs)");
  }
}
