/**
 * The diagnostic tools the 2026-07-28 conformance scenarios call (`server-stateless`,
 * `http-custom-header-server-validation`, the listen scenarios). Added to the everything server
 * by {@link addModernFixtures}.
 *
 * @module
 */
import { z } from "zod";
import { elicitation, type McpServer, type RequestContext, requireClientCapabilities } from "../mod.ts";

const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });

/**
 * Registers the 2026 fixture tools on `server`.
 *
 * @example
 * ```ts ignore
 * addModernFixtures(server);
 * ```
 */
export function addModernFixtures(server: McpServer): McpServer {
  server.tool("test_missing_capability", {
    description: "Needs the client's sampling capability: without it, answers -32021 (HTTP 400)",
  }, (_args, ctx) => {
    requireClientCapabilities(ctx, { sampling: {} });
    return text("The request declared the sampling capability");
  });

  server.tool("test_logging_tool", {
    description: "Logs at info and error; a 2026 request without a logLevel receives no logs",
  }, (_args, ctx) => {
    ctx.log("info", "test_logging_tool: info");
    ctx.log("error", "test_logging_tool: error");
    return text("Logged at info and error");
  });

  server.tool("test_streaming_elicitation", {
    description: "Streams progress, then asks for input with an input_required result (never a request on the stream)",
  }, async (_args, ctx: RequestContext) => {
    requireClientCapabilities(ctx, { elicitation: {} });
    ctx.progress(1, 2, "preparing the question");
    await new Promise((resolve) => setTimeout(resolve, 5));
    ctx.progress(2, 2, "asking");
    // 2026: the request ends here with an input_required result (sealed requestState), and the
    // client's retry completes it; 2025 sessions get an elicitation request on the stream instead.
    const { confirm } = await ctx.ask({
      confirm: elicitation("Continue?", z.object({ ok: z.boolean() })),
    });
    return text(confirm.action === "accept" && confirm.content.ok ? "Continued" : "Stopped");
  });

  let toolToggle = false;
  server.tool("test_trigger_tool_change", { description: "Adds or removes a tool, publishing tools/list_changed" }, () => {
    toolToggle = !toolToggle;
    if (toolToggle) server.tool("test_dynamic_tool", { description: "Appears and disappears" }, () => text("dynamic"));
    else server.removeTool("test_dynamic_tool");
    return text(toolToggle ? "Added test_dynamic_tool" : "Removed test_dynamic_tool");
  });

  let promptToggle = false;
  server.tool("test_trigger_prompt_change", { description: "Adds or removes a prompt, publishing prompts/list_changed" }, () => {
    promptToggle = !promptToggle;
    if (promptToggle) {
      server.prompt("test_dynamic_prompt", { description: "Appears and disappears" }, () => ({
        messages: [{ role: "user", content: { type: "text", text: "dynamic" } }],
      }));
    } else server.removePrompt("test_dynamic_prompt");
    return text(promptToggle ? "Added test_dynamic_prompt" : "Removed test_dynamic_prompt");
  });

  server.tool("test_custom_headers", {
    description: "Arguments mirrored into Mcp-Param-* headers (x-mcp-header)",
    inputSchema: {
      type: "object",
      properties: {
        region: { type: "string", description: "Region", "x-mcp-header": "Region" },
        priority: { type: "integer", description: "Priority", "x-mcp-header": "Priority" },
        verbose: { type: "boolean", description: "Verbose", "x-mcp-header": "Verbose" },
        query: { type: "string", description: "Not mirrored" },
      },
      required: ["region"],
    },
  }, (args) => text(JSON.stringify(args)));

  return server;
}
