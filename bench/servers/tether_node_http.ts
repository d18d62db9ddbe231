/** The tether server under test, served through node:http and @hono/node-server instead of the runtime's own server. */
const g = globalThis as Record<string, any>;
if (g.Deno) g.Deno.env.set("BENCH_NODE_HTTP", "1");
else g.process.env.BENCH_NODE_HTTP = "1";
await import("./tether.ts");
