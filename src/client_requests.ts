/**
 * Typed helpers for asking the client: sampling, elicitation, roots (through `ctx.ask`, so they
 * work for 2025 sessions and 2026-07-28 input-required rounds alike) and ping (sessions only,
 * through `ctx.request`). Each checks the client's answer with zod. For sessions, timeouts and
 * rejection on session close happen in the session.
 *
 * @module
 */
import { z } from "zod";
import { ErrorCode, McpError } from "./jsonrpc.ts";
import type { ClientRequestOptions, RequestContext } from "./context.ts";
import type { Question } from "./input.ts";
import { elicitationSchemaProblem } from "./elicitation_schema.ts";
import type { ContentBlock, JsonSchema } from "./tools.ts";

/**
 * One message of a sampling conversation.
 *
 * @example
 * ```ts
 * import type { SamplingMessage } from "./client_requests.ts";
 * const message: SamplingMessage = { role: "user", content: { type: "text", text: "Summarise this file" } };
 * ```
 */
export interface SamplingMessage {
  /** Who speaks. */
  role: "user" | "assistant";
  /** What is said. */
  content: ContentBlock | ContentBlock[];
  /** Other fields, passed through. */
  [key: string]: unknown;
}

/**
 * Params of `sampling/createMessage`.
 *
 * @example
 * ```ts
 * import type { CreateMessageParams } from "./client_requests.ts";
 * const params: CreateMessageParams = {
 *   messages: [{ role: "user", content: { type: "text", text: "Say hi" } }],
 *   maxTokens: 100,
 * };
 * ```
 */
export interface CreateMessageParams {
  /** The conversation so far. */
  messages: SamplingMessage[];
  /** The most tokens the client may generate. */
  maxTokens: number;
  /** A system prompt the client may use. */
  systemPrompt?: string;
  /** Sampling temperature. */
  temperature?: number;
  /** Sequences that end generation. */
  stopSequences?: string[];
  /** Which MCP context the client should include. */
  includeContext?: "none" | "thisServer" | "allServers";
  /** Hints for the client's model choice (cost, speed, intelligence, names). */
  modelPreferences?: Record<string, unknown>;
  /** Provider-specific metadata. */
  metadata?: Record<string, unknown>;
  /** Other fields, passed through. */
  [key: string]: unknown;
}

/**
 * The client's answer to `sampling/createMessage`.
 *
 * @example
 * ```ts
 * import type { CreateMessageResult } from "./client_requests.ts";
 * const result: CreateMessageResult = { role: "assistant", content: { type: "text", text: "Hi" }, model: "some-model" };
 * ```
 */
export interface CreateMessageResult {
  /** Who speaks (the model: `assistant`). */
  role: "user" | "assistant";
  /** The generated content. */
  content: ContentBlock | ContentBlock[];
  /** The model that generated it. */
  model: string;
  /** Why generation stopped (`endTurn`, `maxTokens`, …). */
  stopReason?: string;
  /** Other fields, passed through. */
  [key: string]: unknown;
}

/**
 * Params of a form-mode `elicitation/create`.
 *
 * @example
 * ```ts
 * import type { ElicitParams } from "./client_requests.ts";
 * const params: ElicitParams = {
 *   message: "Deploy now?",
 *   requestedSchema: { type: "object", properties: { confirm: { type: "boolean" } }, required: ["confirm"] },
 * };
 * ```
 */
export interface ElicitParams {
  /** What the user is asked. */
  message: string;
  /** A flat object schema of primitive fields (the spec's restricted JSON Schema). */
  requestedSchema: JsonSchema;
  /** Form mode (the default). */
  mode?: "form";
  /** Other fields, passed through. */
  [key: string]: unknown;
}

/**
 * The client's answer to `elicitation/create`.
 *
 * @example
 * ```ts
 * import type { ElicitResult } from "./client_requests.ts";
 * const answer: ElicitResult = { action: "accept", content: { confirm: true } };
 * ```
 */
export interface ElicitResult {
  /** What the user did. */
  action: "accept" | "decline" | "cancel";
  /** The form's values, when accepted. */
  content?: Record<string, unknown>;
  /** Other fields, passed through. */
  [key: string]: unknown;
}

/**
 * A root the client exposes.
 *
 * @example
 * ```ts
 * import type { Root } from "./client_requests.ts";
 * const root: Root = { uri: "file:///home/ada/project", name: "project" };
 * ```
 */
export interface Root {
  /** The root's URI (`file://…`). */
  uri: string;
  /** A name to show. */
  name?: string;
  /** Other fields, passed through. */
  [key: string]: unknown;
}

const CreateMessageResultSchema = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.union([z.object({ type: z.string() }).loose(), z.array(z.object({ type: z.string() }).loose())]),
  model: z.string(),
  stopReason: z.string().optional(),
}).loose();

const ElicitResultSchema = z.object({
  action: z.enum(["accept", "decline", "cancel"]),
  content: z.record(z.string(), z.unknown()).optional(),
}).loose();

const ListRootsResultSchema = z.object({
  roots: z.array(z.object({ uri: z.string(), name: z.string().optional() }).loose()),
}).loose();

function checked<T>(schema: z.ZodType, method: string, result: unknown): T {
  const parsed = schema.safeParse(result);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new McpError(ErrorCode.InvalidParams, `The client answered ${method} with an invalid result: ${detail}`);
  }
  return parsed.data as T;
}

/**
 * Asks the client's LLM for a completion (`sampling/createMessage`). Rejects when the client
 * did not declare `sampling`, on timeout, and when the session closes.
 *
 * @example
 * ```ts ignore
 * const reply = await createMessage(ctx, {
 *   messages: [{ role: "user", content: { type: "text", text: "Name a colour" } }],
 *   maxTokens: 20,
 * });
 * reply.content; // { type: "text", text: "Teal" }
 * ```
 */
export function createMessage(ctx: RequestContext, params: CreateMessageParams, options?: ClientRequestOptions): Promise<CreateMessageResult> {
  const question: Question<CreateMessageResult> = {
    method: "sampling/createMessage",
    params,
    parse: (result) => checked<CreateMessageResult>(CreateMessageResultSchema, "sampling/createMessage", result),
  };
  return ctx.ask(question, options);
}

/**
 * Asks the user for structured input (`elicitation/create`, form mode). Rejects when the client
 * did not declare `elicitation`, on timeout, and when the session closes.
 *
 * @example
 * ```ts ignore
 * const answer = await elicit(ctx, {
 *   message: "Which city?",
 *   requestedSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
 * });
 * if (answer.action === "accept") console.log(answer.content?.city);
 * ```
 */
export function elicit(ctx: RequestContext, params: ElicitParams, options?: ClientRequestOptions): Promise<ElicitResult> {
  const problem = elicitationSchemaProblem(params.requestedSchema);
  if (problem) return Promise.reject(new TypeError(`Elicitation schema not allowed: ${problem}`));
  const question: Question<ElicitResult> = {
    method: "elicitation/create",
    params,
    parse: (result) => checked<ElicitResult>(ElicitResultSchema, "elicitation/create", result),
  };
  return ctx.ask(question, options);
}

/**
 * Asks the client for its roots (`roots/list`). Rejects when it did not declare `roots`.
 *
 * @example
 * ```ts ignore
 * const roots = await listRoots(ctx); // [{ uri: "file:///home/me/project", name: "project" }]
 * ```
 */
export function listRoots(ctx: RequestContext, options?: ClientRequestOptions): Promise<Root[]> {
  const question: Question<Root[]> = {
    method: "roots/list",
    params: {},
    parse: (result) => checked<{ roots: Root[] }>(ListRootsResultSchema, "roots/list", result).roots,
  };
  return ctx.ask(question, options);
}

/**
 * Pings the client; resolves when it answers.
 *
 * @example
 * ```ts ignore
 * await pingClient(ctx, { timeoutMs: 5_000 });
 * ```
 */
export async function pingClient(ctx: RequestContext, options?: ClientRequestOptions): Promise<void> {
  await ctx.request("ping", undefined, options);
}
