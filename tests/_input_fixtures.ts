/** Test fixtures for asking the client for input: one tool that elicits, then samples. */
import { z } from "zod";
import { elicitation, McpServer, type McpServerOptions, sampling } from "../mod.ts";

/** Counts how often the trip tool got past its last question (it must "act" once per call). */
export interface TripCounters {
  runs: number;
  booked: number;
}

/** The answer the test clients give to the elicitation. */
export const TRIP_FORM = { destination: "Lisbon", confirm: true };
/** The text the test clients' "model" answers with. */
export const TRIP_SUGGESTION = "Ride tram 28";
/** What `plan_trip` returns for the answers above, whatever the client generation. */
export const TRIP_RESULT = "Booked a trip to Lisbon. Suggested: Ride tram 28";

/** Builds a server with `plan_trip` (elicit, then sample, then act) and `pick_root` (roots). */
export function inputServer(counters: TripCounters = { runs: 0, booked: 0 }, options: McpServerOptions = {}): McpServer {
  const server = new McpServer({ name: "tether-input-test", version: "0.0.1" }, options);
  server.tool("plan_trip", { description: "Asks where to go, asks the model for an idea, then books" }, async (_args, ctx) => {
    counters.runs++;
    const form = await ctx.elicit("Where to?", z.object({ destination: z.string(), confirm: z.boolean() }));
    if (form.action !== "accept" || !form.content.confirm) return { content: [{ type: "text", text: "Nothing booked" }] };
    const idea = await ctx.sample({
      messages: [{ role: "user", content: { type: "text", text: `One thing to do in ${form.content.destination}?` } }],
      maxTokens: 50,
    });
    const text = !Array.isArray(idea.content) && idea.content.type === "text" ? String(idea.content.text) : "?";
    counters.booked++;
    return { content: [{ type: "text", text: `Booked a trip to ${form.content.destination}. Suggested: ${text}` }] };
  });
  server.tool("ask_both", { description: "Asks an elicitation and a sampling in one round" }, async (_args, ctx) => {
    counters.runs++;
    const { who, idea } = await ctx.ask({
      who: elicitationQuestion(),
      idea: samplingQuestion(),
    });
    counters.booked++;
    const name = who.action === "accept" ? who.content.name : "nobody";
    return { content: [{ type: "text", text: `${name}: ${Array.isArray(idea.content) ? "" : idea.content.text}` }] };
  });
  server.tool("list_roots", { description: "Returns the client's roots" }, async (_args, ctx) => {
    const roots = await ctx.roots();
    return { content: [{ type: "text", text: roots.map((r) => r.uri).join(",") }] };
  });
  server.tool("maybe_ask", { description: "Elicits only when the client can" }, async (_args, ctx) => {
    if (!ctx.canAsk("elicitation/create")) return { content: [{ type: "text", text: "no elicitation: default" }] };
    const r = await ctx.elicit("Name?", z.object({ name: z.string() }));
    return { content: [{ type: "text", text: r.action === "accept" ? r.content.name : r.action }] };
  });
  return server;
}

function elicitationQuestion() {
  return elicitation("Your name?", z.object({ name: z.string() }));
}

function samplingQuestion() {
  return sampling({ messages: [{ role: "user", content: { type: "text", text: "An idea?" } }], maxTokens: 20 });
}

/** Answers a question the way every test client does. */
export function answer(method: string, params: Record<string, unknown>): Record<string, unknown> {
  if (method === "elicitation/create") {
    const schema = params.requestedSchema as { properties: Record<string, unknown> };
    return "destination" in schema.properties ? { action: "accept", content: TRIP_FORM } : { action: "accept", content: { name: "Ada" } };
  }
  if (method === "sampling/createMessage") {
    return { role: "assistant", content: { type: "text", text: TRIP_SUGGESTION }, model: "test-model", stopReason: "endTurn" };
  }
  if (method === "roots/list") return { roots: [{ uri: "file:///repo", name: "repo" }] };
  throw new Error(`unexpected ${method}`);
}
