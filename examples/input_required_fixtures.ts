/**
 * The fixture tools the conformance suite's `input-required-result-*` scenarios call. Each is
 * written once with `ctx.ask` / `ctx.elicit`, so it also works for 2025 sessions.
 *
 * @example
 * ```ts ignore
 * import { addInputRequiredFixtures } from "./input_required_fixtures.ts";
 * addInputRequiredFixtures(server);
 * ```
 *
 * @module
 */
import { z } from "zod";
import { type CallToolResult, elicitation, type McpServer, type Question, roots, sampling } from "../mod.ts";

function textOf(content: unknown): string {
  const block = Array.isArray(content) ? content[0] : content;
  return typeof block === "object" && block !== null && typeof (block as { text?: unknown }).text === "string"
    ? (block as { text: string }).text
    : "";
}

function reply(text: string): CallToolResult {
  return { content: [{ type: "text", text }] };
}

const askName = () => elicitation("What is your name?", z.object({ name: z.string() }));
const askCapital = () =>
  sampling({ messages: [{ role: "user", content: { type: "text", text: "What is the capital of France?" } }], maxTokens: 100 });

/**
 * Registers the `test_input_required_result_*` tools and prompt on `server`.
 *
 * @example
 * ```ts ignore
 * addInputRequiredFixtures(new McpServer({ name: "everything", version: "1" }));
 * ```
 */
export function addInputRequiredFixtures(server: McpServer): void {
  server.tool("test_input_required_result_elicitation", { description: "Asks for the user's name (input-required-result-basic-elicitation)" }, async (_args, ctx) => {
    const { user_name } = await ctx.ask({ user_name: askName() });
    return reply(user_name.action === "accept" ? `Hello, ${user_name.content.name}!` : `No name given (${user_name.action})`);
  });

  server.tool("test_input_required_result_sampling", { description: "Asks the client's model a question (input-required-result-basic-sampling)" }, async (_args, ctx) => {
    const { capital_question } = await ctx.ask({ capital_question: askCapital() });
    return reply(`The model said: ${textOf(capital_question.content)}`);
  });

  server.tool("test_input_required_result_list_roots", { description: "Asks for the client's roots (input-required-result-basic-list-roots)" }, async (_args, ctx) => {
    const { client_roots } = await ctx.ask({ client_roots: roots() });
    return reply(`Roots: ${client_roots.map((r) => r.uri).join(", ")}`);
  });

  server.tool("test_input_required_result_request_state", { description: "Confirms through a sealed requestState (input-required-result-request-state)" }, async (_args, ctx) => {
    const { confirm } = await ctx.ask({ confirm: elicitation("Please confirm", z.object({ ok: z.boolean() })) });
    // Reaching this line on a retry means the requestState verified.
    return reply(`state-ok: ${confirm.action === "accept" && confirm.content.ok ? "confirmed" : "not confirmed"}`);
  });

  server.tool("test_input_required_result_multiple_inputs", { description: "Asks three questions in one round (input-required-result-multiple-input-requests)" }, async (_args, ctx) => {
    const answers = await ctx.ask({
      user_name: askName(),
      greeting: sampling({ messages: [{ role: "user", content: { type: "text", text: "Generate a greeting" } }], maxTokens: 50 }),
      client_roots: roots(),
    });
    const name = answers.user_name.action === "accept" ? answers.user_name.content.name : "stranger";
    return reply(`${textOf(answers.greeting.content)} ${name} (${answers.client_roots.length} roots)`);
  });

  server.tool("test_input_required_result_multi_round", { description: "Asks twice, one round each (input-required-result-multi-round)" }, async (_args, ctx) => {
    const { step1 } = await ctx.ask({ step1: elicitation("Step 1: What is your name?", z.object({ name: z.string() })) });
    const { step2 } = await ctx.ask({ step2: elicitation("Step 2: What is your favorite color?", z.object({ color: z.string() })) });
    const name = step1.action === "accept" ? step1.content.name : "?";
    const color = step2.action === "accept" ? step2.content.color : "?";
    return reply(`${name} likes ${color}`);
  });

  server.tool("test_input_required_result_tampered_state", { description: "Rejects a tampered requestState (input-required-result-tampered-state)" }, async (_args, ctx) => {
    const { confirm } = await ctx.ask({ confirm: elicitation("Please confirm", z.object({ ok: z.boolean() })) });
    return reply(confirm.action === "accept" ? "confirmed" : "not confirmed");
  });

  server.tool("test_input_required_result_capabilities", { description: "Asks only what the client declared (input-required-result-capability-check)" }, async (_args, ctx) => {
    const questions: Record<string, Question<unknown>> = {};
    if (ctx.canAsk("elicitation/create")) questions.user_name = askName();
    if (ctx.canAsk("sampling/createMessage")) questions.capital_question = askCapital();
    if (ctx.canAsk("roots/list")) questions.client_roots = roots();
    if (Object.keys(questions).length === 0) return reply("The client can answer no questions");
    const answers = await ctx.ask(questions);
    return reply(`Answered: ${Object.keys(answers).join(", ")}`);
  });

  server.prompt("test_input_required_result_prompt", { description: "A prompt that asks for its context first (input-required-result-non-tool-request)" }, async (_args, ctx) => {
    const { user_context } = await ctx.ask({
      user_context: elicitation("What context should the prompt use?", z.object({ context: z.string() })),
    });
    const context = user_context.action === "accept" ? user_context.content.context : "none";
    return { messages: [{ role: "user", content: { type: "text", text: `Use this context: ${context}` } }] };
  });
}
