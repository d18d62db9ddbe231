/**
 * Every server feature through the official SDK client over a real socket: tools (content
 * types, errors, structured output, JSON Schema 2020-12), resources, prompts, completion,
 * logging, progress, cancellation, sampling / elicitation / roots / ping round trips answered
 * by the client, and run-time list changes. Runs over each transport in TRANSPORTS.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { Client } from "./_sdk.ts";
import { SSEClientTransport } from "./_sdk.ts";
import { StreamableHTTPClientTransport } from "./_sdk.ts";
import type { Transport } from "./_sdk.ts";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from "./_sdk.ts";
import { createHandler, createMessage, type McpServer, SessionClosedError, type TetherHandler } from "../mod.ts";
import { everythingServer, JSON_SCHEMA_2020_12, TEST_IMAGE_BASE64 } from "../examples/everything.ts";
import { serveHandler, type Served, waitFor } from "./_serve.ts";

/**
 * No test here resumes a stream, and SDK v1 (1.32.2) keeps only the last scheduled reconnection
 * in one field: when the server closes a session that has both a GET stream and a primed POST
 * stream open, both schedule one, client.close() cancels only the second, and the first kept
 * retrying (GET /mcp twice, 1 s and 1.5 s later) after its test had ended.
 */
const NO_RECONNECT = { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 };

/** The transports the SDK client can reach Tether over. */
const TRANSPORTS: Record<string, (url: string) => Transport> = {
  "legacy SSE": (url) => new SSEClientTransport(new URL(`${url}/sse`)),
  "Streamable HTTP": (url) => new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { reconnectionOptions: NO_RECONNECT }),
};

interface Connected {
  client: Client;
  handler: TetherHandler;
  served: Served;
  everything: ReturnType<typeof everythingServer>;
  close(): Promise<void>;
}

async function connect(
  transport: (url: string) => Transport,
  capabilities: Record<string, unknown> = {},
  setup?: (client: Client) => void,
): Promise<Connected> {
  const everything = everythingServer();
  const handler = createHandler(everything.server, { requestTimeoutMs: 5_000 });
  const served = await serveHandler(handler);
  const client = new Client({ name: "features-test", version: "1.0.0" }, { capabilities });
  setup?.(client);
  try {
    await client.connect(transport(served.url));
    await untilNotificationsArrive(client, everything.server);
  } catch (error) {
    await client.close().catch(() => {});
    await served.close();
    throw error;
  }
  return {
    client,
    handler,
    served,
    everything,
    async close() {
      await client.close().catch(() => {});
      await served.close();
    },
  };
}

/**
 * Waits until a notification the server publishes reaches the client. Over Streamable HTTP the
 * SDK client opens its GET stream some time after `initialized`; what is published before that
 * has nowhere to go.
 */
async function untilNotificationsArrive(client: Client, server: McpServer): Promise<void> {
  let arrived = false;
  const previous = client.fallbackNotificationHandler;
  client.fallbackNotificationHandler = (n) => {
    if (n.method === "notifications/test/ready") arrived = true;
    return Promise.resolve();
  };
  try {
    await waitFor(() => {
      if (!arrived) server.publish({ jsonrpc: "2.0", method: "notifications/test/ready" });
      return arrived;
    }, 5000, "the client's notification stream");
  } finally {
    client.fallbackNotificationHandler = previous;
  }
}

function textOf(result: unknown): string {
  const content = (result as { content?: unknown }).content as { type: string; text?: string }[];
  return content.map((c) => c.text ?? "").join("");
}

for (const [name, transport] of Object.entries(TRANSPORTS)) {
  describe(`features over ${name} with the SDK client`, () => {
    test("initialize advertises exactly the registered features", async () => {
      const c = await connect(transport);
      try {
        assert.deepEqual(c.client.getServerCapabilities(), {
          logging: {},
          tools: { listChanged: true },
          resources: { subscribe: true, listChanged: true },
          prompts: { listChanged: true },
          completions: {},
          // The everything server enables the optional tasks extension.
          extensions: { "io.modelcontextprotocol/tasks": {} },
        });
      } finally {
        await c.close();
      }
    });

    test("tools: every content type, isError for a throwing tool and for invalid arguments, structured output", async () => {
      const c = await connect(transport);
      try {
        const { tools } = await c.client.listTools();
        for (const tool of tools) assert.ok(tool.description, `${tool.name} has a description`);
        const schemaTool = tools.find((t) => t.name === "json_schema_2020_12_tool")!;
        assert.deepEqual(schemaTool.inputSchema, JSON_SCHEMA_2020_12, "JSON Schema 2020-12 passed through untouched");
        assert.deepEqual(tools.find((t) => t.name === "test_structured_output")!.annotations, { readOnlyHint: true, idempotentHint: true });

        assert.equal(textOf(await c.client.callTool({ name: "test_simple_text" })), "This is a simple text response for testing.");
        const image = await c.client.callTool({ name: "test_image_content", arguments: {} });
        assert.deepEqual(image.content, [{ type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" }]);
        const audio = await c.client.callTool({ name: "test_audio_content", arguments: {} });
        assert.equal((audio.content as { mimeType: string }[])[0].mimeType, "audio/wav");
        const mixed = await c.client.callTool({ name: "test_multiple_content_types", arguments: {} });
        assert.deepEqual((mixed.content as { type: string }[]).map((x) => x.type), ["text", "image", "resource"]);

        const failed = await c.client.callTool({ name: "test_error_handling", arguments: {} });
        assert.equal(failed.isError, true);
        assert.equal(textOf(failed), "This tool intentionally returns an error for testing");

        const invalid = await c.client.callTool({ name: "test_sampling", arguments: { prompt: 42 } });
        assert.equal(invalid.isError, true, "SEP-1303: validation errors are tool execution errors");
        assert.match(textOf(invalid), /Invalid arguments for tool test_sampling: prompt/);

        const structured = await c.client.callTool({ name: "test_structured_output", arguments: { a: 2, b: 40 } });
        assert.deepEqual(structured.structuredContent, { sum: 42 });

        await assert.rejects(c.client.callTool({ name: "no_such_tool" }), /-32602|Unknown tool/);
      } finally {
        await c.close();
      }
    });

    test("resources: list, read text / binary / template, unknown URI is -32002, templates list", async () => {
      const c = await connect(transport);
      try {
        const { resources } = await c.client.listResources();
        assert.deepEqual(resources.map((r) => r.uri), ["test://static-text", "test://static-binary", "test://watched-resource"]);
        const textRead = await c.client.readResource({ uri: "test://static-text" });
        assert.deepEqual(textRead.contents, [{ uri: "test://static-text", mimeType: "text/plain", text: "This is the content of the static text resource." }]);
        const binary = await c.client.readResource({ uri: "test://static-binary" });
        assert.equal((binary.contents[0] as { blob: string }).blob, TEST_IMAGE_BASE64);
        const templated = await c.client.readResource({ uri: "test://template/123/data" });
        assert.deepEqual(JSON.parse((templated.contents[0] as { text: string }).text), { id: "123", templateTest: true, data: "Data for ID: 123" });
        assert.equal(templated.contents[0].uri, "test://template/123/data");
        await assert.rejects(c.client.readResource({ uri: "test://nope" }), (error: { code?: number }) => error.code === -32002);
        const { resourceTemplates } = await c.client.listResourceTemplates();
        assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ["test://template/{id}/data"]);
      } finally {
        await c.close();
      }
    });

    test("resources: updates reach a subscribed session only until it unsubscribes; close() drops its subscriptions", async () => {
      const updates: string[] = [];
      const c = await connect(transport, {}, (client) =>
        client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri)));
      try {
        c.everything.touchWatchedResource();
        await c.client.ping(); // Same stream, in order: had the update been sent, it would be here by now.
        assert.deepEqual(updates, []);
        await c.client.subscribeResource({ uri: "test://watched-resource" });
        const session = c.handler.sessions.get(c.handler.sessions.ids()[0])!;
        assert.deepEqual([...session.subscriptions], ["test://watched-resource"]);
        c.everything.touchWatchedResource();
        await waitFor(() => updates.length === 1, 5000, "the update");
        assert.deepEqual(updates, ["test://watched-resource"]);
        await c.client.unsubscribeResource({ uri: "test://watched-resource" });
        c.everything.touchWatchedResource();
        await c.client.ping();
        assert.deepEqual(updates, ["test://watched-resource"]);
        await assert.rejects(c.client.subscribeResource({ uri: "test://unknown" }), (e: { code?: number }) => e.code === -32002);
        await c.client.subscribeResource({ uri: "test://watched-resource" });
        assert.equal(session.subscriptions.size, 1);
        session.close();
        assert.equal(session.subscriptions.size, 0);
      } finally {
        await c.close();
      }
    });

    test("prompts: list, get with arguments, embedded resource and image; missing argument is -32602", async () => {
      const c = await connect(transport);
      try {
        const { prompts } = await c.client.listPrompts();
        const withArgs = prompts.find((p) => p.name === "test_prompt_with_arguments")!;
        assert.deepEqual(withArgs.arguments, [
          { name: "arg1", description: "First test argument", required: true },
          { name: "arg2", description: "Second test argument", required: true },
        ]);
        const simple = await c.client.getPrompt({ name: "test_simple_prompt" });
        assert.deepEqual(simple.messages, [{ role: "user", content: { type: "text", text: "This is a simple prompt for testing." } }]);
        const args = await c.client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "hello", arg2: "world" } });
        assert.equal((args.messages[0].content as { text: string }).text, "Prompt with arguments: arg1='hello', arg2='world'");
        const embedded = await c.client.getPrompt({ name: "test_prompt_with_embedded_resource", arguments: { resourceUri: "test://x" } });
        assert.deepEqual(embedded.messages[0].content, { type: "resource", resource: { uri: "test://x", mimeType: "text/plain", text: "Embedded resource content for testing." } });
        const image = await c.client.getPrompt({ name: "test_prompt_with_image" });
        assert.equal(image.messages[0].content.type, "image");
        await assert.rejects(c.client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "x" } }), (e: { code?: number }) => e.code === -32602);
        await assert.rejects(c.client.getPrompt({ name: "nope" }), (e: { code?: number }) => e.code === -32602);
      } finally {
        await c.close();
      }
    });

    test("completion: prompt arguments (with context) and resource-template variables", async () => {
      const c = await connect(transport);
      try {
        const prompt = await c.client.complete({ ref: { type: "ref/prompt", name: "test_prompt_with_arguments" }, argument: { name: "arg1", value: "par" } });
        assert.deepEqual(prompt.completion, { values: ["paris", "park", "party"], total: 3, hasMore: false });
        const withContext = await c.client.complete({
          ref: { type: "ref/prompt", name: "test_prompt_with_arguments" },
          argument: { name: "arg2", value: "" },
          context: { arguments: { arg1: "rome" } },
        });
        assert.deepEqual(withContext.completion.values, ["rome-one", "rome-two"]);
        const template = await c.client.complete({ ref: { type: "ref/resource", uri: "test://template/{id}/data" }, argument: { name: "id", value: "4" } });
        assert.deepEqual(template.completion.values, ["42"]);
        const none = await c.client.complete({ ref: { type: "ref/prompt", name: "test_prompt_with_embedded_resource" }, argument: { name: "resourceUri", value: "" } });
        assert.deepEqual(none.completion, { values: [], total: 0, hasMore: false });
        await assert.rejects(c.client.complete({ ref: { type: "ref/prompt", name: "nope" }, argument: { name: "a", value: "" } }), (e: { code?: number }) => e.code === -32602);
      } finally {
        await c.close();
      }
    });

    test("logging: notifications/message during a tool call, filtered by logging/setLevel", async () => {
      const logs: { level: string; data: unknown }[] = [];
      const c = await connect(transport, {}, (client) =>
        client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params)));
      try {
        await c.client.setLoggingLevel("debug");
        await c.client.callTool({ name: "test_tool_with_logging", arguments: {} });
        assert.deepEqual(logs, [
          { level: "info", data: "Tool execution started" },
          { level: "info", data: "Tool processing data" },
          { level: "info", data: "Tool execution completed" },
        ]);
        await c.client.setLoggingLevel("warning");
        await c.client.callTool({ name: "test_tool_with_logging", arguments: {} });
        assert.equal(logs.length, 3, "info logs are below the warning level");
        await assert.rejects(c.client.setLoggingLevel("loud" as "info"), (e: { code?: number }) => e.code === -32602);
      } finally {
        await c.close();
      }
    });

    test("progress: increasing notifications for the request's progress token", async () => {
      const c = await connect(transport);
      try {
        const seen: { progress: number; total?: number }[] = [];
        await c.client.callTool({ name: "test_tool_with_progress", arguments: {} }, undefined, {
          onprogress: (p) => void seen.push({ progress: p.progress, total: p.total }),
        });
        assert.deepEqual(seen, [{ progress: 0, total: 100 }, { progress: 50, total: 100 }, { progress: 100, total: 100 }]);
      } finally {
        await c.close();
      }
    });

    test("cancellation: aborting a call sends notifications/cancelled and the handler's signal aborts", async () => {
      const c = await connect(transport);
      try {
        const abort = new AbortController();
        const call = c.client.callTool({ name: "test_cancellable", arguments: {} }, undefined, { signal: abort.signal });
        const session = c.handler.sessions.get(c.handler.sessions.ids()[0])!;
        await waitFor(() => session.inFlightCount === 1, 5000, "the call to start");
        abort.abort("changed my mind");
        await assert.rejects(call);
        await waitFor(() => session.inFlightCount === 0, 5000, "the handler to be aborted");
        // The session is still usable afterwards.
        assert.equal(textOf(await c.client.callTool({ name: "test_simple_text" })), "This is a simple text response for testing.");
      } finally {
        await c.close();
      }
    });

    test("sampling: the server's sampling/createMessage is answered by the client", async () => {
      let asked: unknown;
      const c = await connect(transport, { sampling: {} }, (client) =>
        client.setRequestHandler(CreateMessageRequestSchema, (request) => {
          asked = request.params;
          return { role: "assistant", content: { type: "text", text: "Blue." }, model: "test-model", stopReason: "endTurn" };
        }));
      try {
        const result = await c.client.callTool({ name: "test_sampling", arguments: { prompt: "Favourite colour?" } });
        assert.equal(textOf(result), "LLM response: Blue.");
        assert.deepEqual(asked, { messages: [{ role: "user", content: { type: "text", text: "Favourite colour?" } }], maxTokens: 100 });
      } finally {
        await c.close();
      }
    });

    test("elicitation: the server's elicitation/create is answered by the client", async () => {
      const c = await connect(transport, { elicitation: {} }, (client) =>
        client.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: { username: "ada", email: "ada@example.com" } })));
      try {
        const result = await c.client.callTool({ name: "test_elicitation", arguments: { message: "Who are you?" } });
        assert.equal(textOf(result), 'User response: action=accept, content={"username":"ada","email":"ada@example.com"}');
        const defaults = await c.client.callTool({ name: "test_elicitation_sep1034_defaults", arguments: {} });
        assert.match(textOf(defaults), /^Elicitation completed: action=accept/);
      } finally {
        await c.close();
      }
    });

    test("roots/list and ping from the server are answered by the client", async () => {
      const c = await connect(transport, { roots: { listChanged: true } }, (client) =>
        client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: "file:///work", name: "work" }] })));
      try {
        const roots = await c.client.callTool({ name: "test_list_roots", arguments: {} });
        assert.deepEqual(roots.structuredContent, { roots: [{ uri: "file:///work", name: "work" }] });
        assert.equal(textOf(await c.client.callTool({ name: "test_ping_client", arguments: {} })), "The client answered ping");
      } finally {
        await c.close();
      }
    });

    test("server→client requests need the client's capability: without sampling nothing is sent and the call fails", async () => {
      const asked: string[] = [];
      const c = await connect(transport, {}, (client) => {
        client.fallbackRequestHandler = (request) => {
          asked.push(request.method);
          return Promise.resolve({});
        };
      });
      try {
        await assert.rejects(c.client.callTool({ name: "test_sampling", arguments: { prompt: "hi" } }), /sampling/);
        await assert.rejects(c.client.callTool({ name: "test_elicitation", arguments: { message: "hi" } }), /elicitation/);
        await assert.rejects(c.client.callTool({ name: "test_list_roots", arguments: {} }), /roots/);
        assert.deepEqual(asked, []);
        // ping needs no capability.
        assert.equal(textOf(await c.client.callTool({ name: "test_ping_client", arguments: {} })), "The client answered ping");
        assert.deepEqual(asked, []);
      } finally {
        await c.close();
      }
    });

    test("a server→client request times out, and a pending one is rejected at once when the session closes", async () => {
      const answers: (() => void)[] = [];
      const outcomes: unknown[] = [];
      const c = await connect(transport, { sampling: {} }, (client) =>
        client.setRequestHandler(CreateMessageRequestSchema, () =>
          new Promise((resolve) => {
            answers.push(() => resolve({ role: "assistant", content: { type: "text", text: "late" }, model: "m" }));
          })));
      c.everything.server.tool("ask_and_record", {
        description: "Sends sampling/createMessage and records how it ended",
        inputSchema: z.object({ timeoutMs: z.number().optional() }),
      }, async ({ timeoutMs }, ctx) => {
        try {
          await createMessage(ctx, { messages: [{ role: "user", content: { type: "text", text: "?" } }], maxTokens: 1 }, { timeoutMs });
          outcomes.push("answered");
        } catch (error) {
          outcomes.push(error);
        }
        return { content: [] };
      });
      try {
        await c.client.callTool({ name: "ask_and_record", arguments: { timeoutMs: 50 } });
        assert.match(String(outcomes[0]), /timed out after 50 ms/);
        const session = c.handler.sessions.get(c.handler.sessions.ids()[0])!;
        c.client.callTool({ name: "ask_and_record", arguments: {} }).catch(() => {});
        await waitFor(() => session.pendingCount === 1, 5000, "the sampling request");
        session.close();
        assert.equal(session.pendingCount, 0);
        await waitFor(() => outcomes.length === 2, 5000, "the handler to see the rejection");
        assert.ok(outcomes[1] instanceof SessionClosedError);
        for (const answer of answers) answer();
        assert.equal(c.handler.sessions.size, 0);
      } finally {
        await c.close();
      }
    });

    test("list_changed: tools, prompts and resources added or removed at run time are announced", async () => {
      const seen: string[] = [];
      const c = await connect(transport, {}, (client) => {
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => void seen.push("tools"));
        client.setNotificationHandler(PromptListChangedNotificationSchema, () => void seen.push("prompts"));
        client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void seen.push("resources"));
      });
      try {
        const server = c.everything.server;
        server.tool("late_tool", { description: "added later", inputSchema: z.object({}) }, () => ({ content: [] }));
        server.prompt("late_prompt", { description: "added later" }, () => ({ messages: [] }));
        server.resource("test://late", { description: "added later" }, (uri) => ({ contents: [{ uri, text: "late" }] }));
        await waitFor(() => seen.length === 3, 5000, "three list_changed notifications");
        assert.deepEqual(seen, ["tools", "prompts", "resources"]);
        assert.ok((await c.client.listTools()).tools.some((t) => t.name === "late_tool"));
        assert.equal(server.removeTool("late_tool"), true);
        await waitFor(() => seen.length === 4, 5000, "the removal notification");
        assert.ok(!(await c.client.listTools()).tools.some((t) => t.name === "late_tool"));
      } finally {
        await c.close();
      }
    });
  });
}
