/**
 * Tether inside a Hono app: MCP under /api, next to the app's other routes, behind the app's own
 * auth middleware, whose user becomes the session's principal (`ctx.principal` in tools).
 *
 *   deno run --allow-net --allow-env --unstable-no-legacy-abort examples/hono.ts
 *   bun run examples/hono.ts
 *
 * Then connect an MCP client to http://127.0.0.1:8787/api/sse with `Authorization: Bearer demo`.
 */
import { Hono } from "hono";
import { McpServer } from "../mod.ts";
import { tether } from "../adapters/hono.ts";
import { listen } from "./_listen.ts";

type AppEnv = { Variables: { user: { id: string; name: string } } };

const server = new McpServer({ name: "tether-hono-example", version: "0.1.0" });
server.tool("whoami", { description: "The name of the authenticated user" }, (_args, ctx) => ({
  content: [{ type: "text", text: (ctx.principal as AppEnv["Variables"]["user"]).name }],
}));

const app = new Hono<AppEnv>();
app.get("/", (c) => c.text("Hono app with MCP under /api"));

// The app's auth: any real scheme sets the user the same way.
app.use("/api/*", async (c, next) => {
  if (c.req.header("authorization") === "Bearer demo") c.set("user", { id: "u-demo", name: "demo-user" });
  await next();
});
app.use(
  "/api/*",
  tether<AppEnv>(server, {
    basePath: "/api",
    // The session is bound to user.id; no user → 401 (the default for undefined), no session.
    principal: (c) => c.get("user"),
  }),
);

listen(app.fetch, ["/api/sse"]);
