/**
 * The "everything" server: every tool, resource and prompt the official conformance suite's
 * server scenarios name (`conformance list --server`), plus a few more that exercise the rest of
 * the surface (roots, ping, cancellation, structured output, run-time list changes).
 *
 * Run: `PORT=8787 npm run everything` (Deno) or `PORT=8787 npm run everything:bun`; it serves
 * Streamable HTTP on `/mcp` and the 2024-11-05 HTTP+SSE transport on `/sse` + `/messages`, on
 * 127.0.0.1. Tests import {@link everythingServer} without starting a listener.
 */
import { z } from "zod";
import { createHandler, createMessage, elicit, listRoots, McpServer, pingClient } from "../mod.ts";
import { addInputRequiredFixtures } from "./input_required_fixtures.ts";
import type { RequestContext } from "../mod.ts";
import { addModernFixtures } from "./modern_fixtures.ts";
import { addTasksFixtures } from "./tasks_fixtures.ts";
import type { Tasks } from "../mod.ts";

/** A 1×1 red PNG. */
export const TEST_IMAGE_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/** A minimal (silent) WAV file. */
export const TEST_AUDIO_BASE64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/** The JSON Schema 2020-12 input schema of `json_schema_2020_12_tool` (SEP-1613, SEP-2106), sent untouched. */
export const JSON_SCHEMA_2020_12 = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  $defs: {
    address: {
      $anchor: "addressDef",
      type: "object",
      properties: { street: { type: "string" }, city: { type: "string" } },
    },
  },
  properties: {
    name: { type: "string" },
    address: { $ref: "#/$defs/address" },
    contactMethod: { type: "string", enum: ["phone", "email"] },
    phone: { type: "string" },
    email: { type: "string" },
  },
  allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
  if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
  then: { required: ["phone"] },
  else: { required: ["email"] },
  additionalProperties: false,
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });

/** What {@link everythingServer} returns. */
export interface Everything {
  server: McpServer;
  /** The tasks store (close it at shutdown). */
  tasks: Tasks;
  /** Changes `test://watched-resource` and notifies its subscribers. */
  touchWatchedResource(): void;
}

/** Builds the everything server definition (no listener). */
export function everythingServer(): Everything {
  const server = new McpServer(
    { name: "tether-everything", version: "0.1.0" },
    { instructions: "Conformance test server: every MCP server feature, one tool/resource/prompt each." },
  );

  // ---- tools the conformance scenarios name ----
  server.tool("test_simple_text", { description: "Tests simple text content response" }, () =>
    text("This is a simple text response for testing."));

  server.tool("test_image_content", { description: "Tests image content response" }, () => ({
    content: [{ type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" }],
  }));

  server.tool("test_audio_content", { description: "Tests audio content response" }, () => ({
    content: [{ type: "audio", data: TEST_AUDIO_BASE64, mimeType: "audio/wav" }],
  }));

  server.tool("test_embedded_resource", { description: "Tests embedded resource content response" }, () => ({
    content: [{
      type: "resource",
      resource: { uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." },
    }],
  }));

  server.tool("test_multiple_content_types", { description: "Tests response with multiple content types (text, image, resource)" }, () => ({
    content: [
      { type: "text", text: "Multiple content types test:" },
      { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" },
      {
        type: "resource",
        resource: { uri: "test://mixed-content-resource", mimeType: "application/json", text: JSON.stringify({ test: "data", value: 123 }) },
      },
    ],
  }));

  server.tool("test_tool_with_logging", { description: "Tests tool that emits log messages during execution" }, async (_args, ctx) => {
    ctx.log("info", "Tool execution started");
    await sleep(50, ctx.signal);
    ctx.log("info", "Tool processing data");
    await sleep(50, ctx.signal);
    ctx.log("info", "Tool execution completed");
    return text("Tool with logging executed successfully");
  });

  server.tool("test_tool_with_progress", { description: "Tests tool that reports progress notifications" }, async (_args, ctx) => {
    for (const step of [0, 50, 100]) {
      if (step > 0) await sleep(50, ctx.signal);
      ctx.progress(step, 100, `Completed step ${step} of 100`);
    }
    // The SDK v1 client handles notifications a microtask later than responses: a progress
    // notification that shares a network read with the response is dropped. Leave a gap.
    await sleep(50, ctx.signal);
    return text(`Progress reported for token ${String(ctx.progressToken ?? "(none)")}`);
  });

  server.tool("test_error_handling", { description: "Tests error response handling" }, () => {
    throw new Error("This tool intentionally returns an error for testing");
  });

  server.tool("test_reconnection", {
    description: "Tests SSE polling (SEP-1699): completes after a short delay; clients must see the result whatever happens to the stream",
  }, async (_args, ctx) => {
    // Over Streamable HTTP (2025-11-25) this drops the connection without ending the stream;
    // the client reconnects with Last-Event-ID and gets the result there.
    ctx.closeConnection();
    await sleep(100, ctx.signal);
    return text("Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.");
  });

  server.tool("test_sampling", {
    description: "Tests server-initiated sampling (LLM completion request)",
    inputSchema: z.object({ prompt: z.string().describe("The prompt to send to the LLM") }),
  }, async ({ prompt }, ctx) => {
    const reply = await createMessage(ctx, { messages: [{ role: "user", content: { type: "text", text: prompt } }], maxTokens: 100 });
    const first = Array.isArray(reply.content) ? reply.content[0] : reply.content;
    return text(`LLM response: ${first?.type === "text" ? first.text : JSON.stringify(first)}`);
  });

  server.tool("test_elicitation", {
    description: "Tests server-initiated elicitation (user input request)",
    inputSchema: z.object({ message: z.string().describe("The message to show the user") }),
  }, async ({ message }, ctx) => {
    const answer = await elicit(ctx, {
      message,
      requestedSchema: {
        type: "object",
        properties: {
          username: { type: "string", description: "User's response" },
          email: { type: "string", description: "User's email address" },
        },
        required: ["username", "email"],
      },
    });
    return text(`User response: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
  });

  server.tool("test_elicitation_sep1034_defaults", { description: "Tests elicitation with default values per SEP-1034" }, async (_args, ctx) => {
    const answer = await elicit(ctx, {
      message: "Please review and update the form fields with defaults",
      requestedSchema: {
        type: "object",
        properties: {
          name: { type: "string", description: "User name", default: "John Doe" },
          age: { type: "integer", description: "User age", default: 30 },
          score: { type: "number", description: "User score", default: 95.5 },
          status: { type: "string", description: "User status", enum: ["active", "inactive", "pending"], default: "active" },
          verified: { type: "boolean", description: "Verification status", default: true },
        },
        required: [],
      },
    });
    return text(`Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
  });

  server.tool("test_elicitation_sep1330_enums", { description: "Tests elicitation with enum schema improvements per SEP-1330" }, async (_args, ctx) => {
    const answer = await elicit(ctx, {
      message: "Please select options from the enum fields",
      requestedSchema: {
        type: "object",
        properties: {
          untitledSingle: { type: "string", description: "Select one option", enum: ["option1", "option2", "option3"] },
          titledSingle: {
            type: "string",
            description: "Select one option with titles",
            oneOf: [
              { const: "value1", title: "First Option" },
              { const: "value2", title: "Second Option" },
              { const: "value3", title: "Third Option" },
            ],
          },
          legacyEnum: {
            type: "string",
            description: "Select one option (legacy)",
            enum: ["opt1", "opt2", "opt3"],
            enumNames: ["Option One", "Option Two", "Option Three"],
          },
          untitledMulti: {
            type: "array",
            description: "Select multiple options",
            minItems: 1,
            maxItems: 3,
            items: { type: "string", enum: ["option1", "option2", "option3"] },
          },
          titledMulti: {
            type: "array",
            description: "Select multiple options with titles",
            minItems: 1,
            maxItems: 3,
            items: {
              anyOf: [
                { const: "value1", title: "First Choice" },
                { const: "value2", title: "Second Choice" },
                { const: "value3", title: "Third Choice" },
              ],
            },
          },
        },
        required: [],
      },
    });
    return text(`Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
  });

  server.tool("json_schema_2020_12_tool", {
    description: "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
    inputSchema: JSON_SCHEMA_2020_12,
  }, (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`));

  // ---- the rest of the surface ----
  server.tool("test_structured_output", {
    description: "Adds two numbers and returns structured content checked against the output schema",
    inputSchema: z.object({ a: z.number(), b: z.number() }),
    outputSchema: z.object({ sum: z.number() }),
    annotations: { readOnlyHint: true, idempotentHint: true },
  }, ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }], structuredContent: { sum: a + b } }));

  server.tool("test_list_roots", { description: "Asks the client for its roots (roots/list) and returns them" }, async (_args, ctx) => {
    const roots = await listRoots(ctx);
    return { content: [{ type: "text", text: JSON.stringify(roots) }], structuredContent: { roots } };
  });

  server.tool("test_ping_client", { description: "Pings the client and reports that it answered" }, async (_args, ctx) => {
    await pingClient(ctx, { timeoutMs: 10_000 });
    return text("The client answered ping");
  });

  server.tool("test_cancellable", {
    description: "Waits until cancelled (or `ms` milliseconds), logging when the cancellation arrives",
    inputSchema: z.object({ ms: z.number().int().min(0).max(600_000).default(600_000) }),
  }, async ({ ms }, ctx: RequestContext) => {
    await sleep(ms, ctx.signal);
    return text(`Waited ${ms} ms without being cancelled`);
  });

  // ---- resources ----
  server.resource("test://static-text", {
    name: "static-text",
    title: "Static Text Resource",
    description: "A static text resource for testing",
    mimeType: "text/plain",
  }, (uri) => ({ contents: [{ uri, mimeType: "text/plain", text: "This is the content of the static text resource." }] }));

  server.resource("test://static-binary", {
    name: "static-binary",
    title: "Static Binary Resource",
    description: "A static binary resource (image) for testing",
    mimeType: "image/png",
  }, (uri) => ({ contents: [{ uri, mimeType: "image/png", blob: TEST_IMAGE_BASE64 }] }));

  server.resourceTemplate("test://template/{id}/data", {
    name: "template",
    title: "Resource Template",
    description: "A resource template with parameter substitution",
    mimeType: "application/json",
    complete: { id: (value) => ["1", "2", "3", "42", "123"].filter((id) => id.startsWith(value)) },
  }, (uri, { id }) => ({
    contents: [{ uri, mimeType: "application/json", text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }],
  }));

  let watchedVersion = 0;
  server.resource("test://watched-resource", {
    name: "watched-resource",
    title: "Watched Resource",
    description: "A resource that changes; subscribers get notifications/resources/updated",
    mimeType: "text/plain",
  }, (uri) => ({ contents: [{ uri, mimeType: "text/plain", text: `Watched resource content (version ${watchedVersion})` }] }));

  // ---- prompts ----
  server.prompt("test_simple_prompt", { title: "Simple Test Prompt", description: "A simple prompt without arguments" }, () => ({
    messages: [{ role: "user", content: { type: "text", text: "This is a simple prompt for testing." } }],
  }));

  server.prompt("test_prompt_with_arguments", {
    title: "Prompt With Arguments",
    description: "A prompt with required arguments",
    arguments: z.object({
      arg1: z.string().describe("First test argument"),
      arg2: z.string().describe("Second test argument"),
    }),
    complete: {
      arg1: (value) => ["paris", "park", "party", "test", "testing"].filter((v) => v.startsWith(value)),
      // Context-aware: suggestions for arg2 depend on the arg1 already chosen.
      arg2: (value, { arguments: resolved }) => [`${resolved.arg1 ?? "x"}-one`, `${resolved.arg1 ?? "x"}-two`].filter((v) => v.startsWith(value)),
    },
  }, ({ arg1, arg2 }) => ({
    messages: [{ role: "user", content: { type: "text", text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }],
  }));

  server.prompt("test_prompt_with_embedded_resource", {
    title: "Prompt With Embedded Resource",
    description: "A prompt that includes an embedded resource",
    arguments: z.object({ resourceUri: z.string().describe("URI of the resource to embed") }),
  }, ({ resourceUri }) => ({
    messages: [
      { role: "user", content: { type: "resource", resource: { uri: resourceUri, mimeType: "text/plain", text: "Embedded resource content for testing." } } },
      { role: "user", content: { type: "text", text: "Please process the embedded resource above." } },
    ],
  }));

  server.prompt("test_prompt_with_image", { title: "Prompt With Image", description: "A prompt that includes image content" }, () => ({
    messages: [
      { role: "user", content: { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" } },
      { role: "user", content: { type: "text", text: "Please analyze the image above." } },
    ],
  }));

  // ---- the 2026-07-28 diagnostic tools ----
  addModernFixtures(server);
  // ---- 2026-07-28 input-required results (also work for 2025 sessions) ----
  addInputRequiredFixtures(server);
  // ---- the optional tasks extension (io.modelcontextprotocol/tasks) ----
  const tasks = addTasksFixtures(server);

  return {
    server,
    tasks,
    touchWatchedResource() {
      watchedVersion++;
      server.resourceUpdated("test://watched-resource");
    },
  };
}

if (import.meta.main) {
  const { server, touchWatchedResource } = everythingServer();
  // `retry:` on priming events tells polling clients (SEP-1699) how soon to reconnect.
  const handler = createHandler(server, { sseRetryMs: 500 });
  // The watched resource changes every 3 s, as the conformance reference server's does.
  setInterval(touchWatchedResource, 3_000);
  const g = globalThis as Record<string, any>;
  const port = Number(g.process?.env?.PORT ?? g.Deno?.env.get("PORT") ?? 8787);
  const hostname = "127.0.0.1";
  const announce = (actual: number) => console.log(`tether-everything on http://${hostname}:${actual}/mcp (legacy: /sse)`);
  if (g.Bun) {
    announce(g.Bun.serve({ hostname, port, fetch: handler.fetch, idleTimeout: 0 }).port);
  } else if (g.Deno) {
    g.Deno.serve({ hostname, port, onListen: ({ port }: { port: number }) => announce(port) }, handler.fetch);
  } else {
    throw new Error("Run with Deno (npm run everything) or Bun (npm run everything:bun)");
  }
}
