// The Workers example's server behind a handler with a short keep-alive (workerd notices a gone
// client only when a write fails), plus one route the test reads the live sessions from.
import { createHandler } from "../../mod.ts";
import { server } from "../../examples/worker.ts";

const handler = createHandler(server, { keepAliveMs: 100 });

export default {
  fetch(request: Request, env: unknown): Promise<Response> {
    if (new URL(request.url).pathname === "/__sessions") {
      return Promise.resolve(Response.json({ size: handler.sessions.size, ids: handler.sessions.ids() }));
    }
    return handler.fetch(request, env);
  },
};
