/**
 * The tools the `tasks-*` conformance scenarios (SEP-2663, `io.modelcontextprotocol/tasks`)
 * call. Added to the everything server by {@link addTasksFixtures}.
 *
 * @module
 */
import { z } from "zod";
import { elicitation, ErrorCode, type McpServer, McpError, Tasks } from "../mod.ts";

const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });

/** Resolves after `ms`, or rejects when `signal` aborts (a cancelled task stops sleeping). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Enables the tasks extension on `server` and registers its fixture tools; returns the store
 * (close it at shutdown).
 *
 * @example
 * ```ts ignore
 * const tasks = addTasksFixtures(server);
 * tasks.close();
 * ```
 */
export function addTasksFixtures(server: McpServer): Tasks {
  const tasks = new Tasks({ ttlMs: 10 * 60_000, maxTasks: 200, pollIntervalMs: 200 }).enable(server);

  server.tool("greet", { description: "Sync-only: says hello", inputSchema: z.object({ name: z.string() }) }, ({ name }) => text(`Hello, ${name}!`));

  tasks.tool(server, "slow_compute", {
    description: "Task-supporting: sleeps `seconds` then answers",
    inputSchema: z.object({ seconds: z.number().min(0).max(600), label: z.string().optional() }),
  }, async ({ seconds, label }, ctx) => {
    await sleep(seconds * 1000, ctx.signal);
    return text(`Computed ${label ?? "result"} after ${seconds}s`);
  });

  tasks.tool(server, "failing_job", { description: "Task-required: reports a tool error after ~1s" }, async (_args, ctx) => {
    await sleep(1000, ctx.signal);
    return { ...text("The job failed"), isError: true };
  }, "required");

  tasks.tool(server, "protocol_error_job", { description: "Task-supporting: fails with a protocol error" }, async (_args, ctx) => {
    await sleep(100, ctx.signal);
    throw new McpError(ErrorCode.InternalError, "The job crashed");
  });

  tasks.tool(server, "confirm_delete", {
    description: "Task-supporting: asks the client to confirm, then deletes (pretend)",
    inputSchema: z.object({ filename: z.string() }),
  }, async ({ filename }, ctx) => {
    const answer = await ctx.elicit(`Delete ${filename}?`, z.object({ confirm: z.boolean() }));
    return text(answer.action === "accept" && answer.content.confirm ? `Deleted ${filename}` : `Kept ${filename}`);
  });

  tasks.tool(server, "multi_input", { description: "Task-supporting: asks two questions at once" }, async (_args, ctx) => {
    const schema = z.object({ name: z.string().optional(), confirm: z.boolean().optional() });
    const answers = await ctx.ask({ first: elicitation("First input?", schema), second: elicitation("Second input?", schema) });
    return text(`Got ${answers.first.action} and ${answers.second.action}`);
  });

  server.tool("test_tool_with_task", { description: "Asks for a name (input_required), then finishes as a task", execution: { taskSupport: "required" } }, async (_args, ctx) => {
    if (!tasks.supported(ctx)) throw tasks.missingCapability();
    const answer = await ctx.elicit("What is your name?", z.object({ name: z.string() }));
    const name = answer.action === "accept" ? answer.content.name : "stranger";
    return tasks.create(ctx, () => text(`Hello, ${name}! (from a task)`));
  });

  return tasks;
}
