/**
 * Tool definitions: zod (or raw JSON Schema) input and output schemas, and the call logic.
 *
 * @module
 */
import { z } from "zod";
import { ErrorCode, McpError } from "./jsonrpc.ts";
import type { RequestContext } from "./context.ts";
import type { CacheHint } from "./caching.ts";

/**
 * A JSON Schema object, passed through to clients untouched.
 *
 * @example
 * ```ts
 * import type { JsonSchema } from "./tools.ts";
 * const schema: JsonSchema = { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: { q: { type: "string" } } };
 * ```
 */
export type JsonSchema = Record<string, unknown>;

/**
 * Content blocks a tool can return.
 *
 * @example
 * ```ts
 * import type { ContentBlock } from "./tools.ts";
 * const blocks: ContentBlock[] = [
 *   { type: "text", text: "hello" },
 *   { type: "image", data: "iVBORw0KGgo=", mimeType: "image/png" },
 * ];
 * ```
 */
export type ContentBlock =
  | { type: "text"; text: string; [key: string]: unknown }
  | { type: "image"; data: string; mimeType: string; [key: string]: unknown }
  | { type: "audio"; data: string; mimeType: string; [key: string]: unknown }
  | { type: "resource_link"; uri: string; name: string; [key: string]: unknown }
  | { type: "resource"; resource: Record<string, unknown>; [key: string]: unknown };

/**
 * The result of `tools/call`.
 *
 * @example
 * ```ts
 * import type { CallToolResult } from "./tools.ts";
 * const result: CallToolResult = { content: [{ type: "text", text: "3" }], structuredContent: { sum: 3 } };
 * ```
 */
export interface CallToolResult {
  /** What the tool returns, as content blocks. */
  content: ContentBlock[];
  /** The result as a JSON object (checked against `outputSchema`). */
  structuredContent?: Record<string, unknown>;
  /** True when the tool failed (the model sees the content). */
  isError?: boolean;
  /** Protocol metadata. */
  _meta?: Record<string, unknown>;
  /** Other fields, passed through. */
  [key: string]: unknown;
}

/**
 * Hints about a tool's behaviour (all optional, all advisory).
 *
 * @example
 * ```ts
 * import type { ToolAnnotations } from "./tools.ts";
 * const annotations: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
 * ```
 */
export interface ToolAnnotations {
  /** A name to show people. */
  title?: string;
  /** True when the tool changes nothing. */
  readOnlyHint?: boolean;
  /** True when it may destroy or overwrite (meaningful when not read-only). */
  destructiveHint?: boolean;
  /** True when repeating a call with the same arguments has no further effect. */
  idempotentHint?: boolean;
  /** True when it reaches outside systems (the web, other services). */
  openWorldHint?: boolean;
}

/**
 * A zod object schema or a raw JSON Schema object.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import type { ToolSchema } from "./tools.ts";
 * const validated: ToolSchema = z.object({ text: z.string() });
 * const passedThrough: ToolSchema = { type: "object", properties: { text: { type: "string" } } };
 * ```
 */
export type ToolSchema = z.ZodType | JsonSchema;

/**
 * Argument type a handler receives for an input schema.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import type { ToolArgs } from "./tools.ts";
 * const schema = z.object({ a: z.number(), b: z.number() });
 * const args: ToolArgs<typeof schema> = { a: 1, b: 2 };
 * ```
 */
export type ToolArgs<S> = S extends z.ZodType ? z.output<S> : Record<string, unknown>;

/**
 * How a tool is described to clients.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import type { ToolDefinition } from "./tools.ts";
 * const definition: ToolDefinition = {
 *   description: "Adds two numbers",
 *   inputSchema: z.object({ a: z.number(), b: z.number() }),
 *   annotations: { readOnlyHint: true },
 * };
 * ```
 */
export interface ToolDefinition<S extends ToolSchema | undefined = ToolSchema | undefined> {
  /** A name to show people. */
  title?: string;
  /** What the tool does, for the model. */
  description?: string;
  /** Arguments schema: validated on every call (zod), or passed through (JSON Schema). */
  inputSchema?: S;
  /** Schema of `structuredContent`; a result that does not match it is an error. */
  outputSchema?: ToolSchema;
  /** Hints about the tool's behaviour. */
  annotations?: ToolAnnotations;
  /** Protocol metadata published with the tool. */
  _meta?: Record<string, unknown>;
  /** 2026 caching hint this tool contributes to `tools/list` (not published). */
  cache?: CacheHint;
  /** Extra fields published in `tools/list` verbatim (e.g. `icons`). */
  [key: string]: unknown;
}

/**
 * The function behind a tool.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import type { ToolHandler } from "./tools.ts";
 * const schema = z.object({ text: z.string() });
 * const echo: ToolHandler<typeof schema> = ({ text }) => ({ content: [{ type: "text", text }] });
 * ```
 */
export type ToolHandler<S extends ToolSchema | undefined> = (
  args: S extends ToolSchema ? ToolArgs<S> : Record<string, unknown>,
  ctx: RequestContext,
) => CallToolResult | Promise<CallToolResult>;

/**
 * A registered tool, with its published description computed once.
 *
 * @example
 * ```ts
 * import { defineTool, type RegisteredTool } from "./tools.ts";
 * const tool: RegisteredTool = defineTool("ping", { description: "Answers pong" }, () => ({ content: [{ type: "text", text: "pong" }] }));
 * tool.listing.name; // "ping"
 * ```
 */
export interface RegisteredTool {
  readonly name: string;
  /** The `tools/list` entry. */
  readonly listing: Record<string, unknown>;
  /** The tool's caching hint, when it has one. */
  readonly cache?: CacheHint;
  /**
   * Validates arguments, runs the handler and checks the output: the result itself for a sync
   * handler (errors thrown), a promise for an async one.
   */
  call(args: Record<string, unknown>, ctx: RequestContext): Promise<CallToolResult> | CallToolResult;
}

function isZod(schema: unknown): schema is z.ZodType {
  return typeof schema === "object" && schema !== null && "_zod" in schema;
}

/**
 * Converts a tool schema to the JSON Schema published in `tools/list`.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { toJsonSchema } from "./tools.ts";
 * toJsonSchema(z.object({ text: z.string() })); // { type: "object", properties: { text: ... }, ... }
 * ```
 */
export function toJsonSchema(schema: ToolSchema | undefined): JsonSchema {
  if (schema === undefined) return { type: "object", properties: {} };
  if (!isZod(schema)) return schema;
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input" }) as JsonSchema;
  // MCP requires an object schema at the top; `$schema` is optional and omitted for brevity.
  delete json.$schema;
  return json;
}

function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Builds a {@link RegisteredTool}.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineTool } from "./tools.ts";
 * const echo = defineTool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({
 *   content: [{ type: "text", text }],
 * }));
 * ```
 */
export function defineTool<S extends ToolSchema | undefined>(
  name: string,
  definition: ToolDefinition<S>,
  handler: ToolHandler<S>,
): RegisteredTool {
  const { inputSchema, outputSchema, cache, ...rest } = definition;
  const listing: Record<string, unknown> = { name, ...rest, inputSchema: toJsonSchema(inputSchema) };
  if (outputSchema !== undefined) listing.outputSchema = toJsonSchema(outputSchema);
  const input = isZod(inputSchema) ? inputSchema : undefined;
  const output = isZod(outputSchema) ? outputSchema : undefined;
  // The output check and the error mapping are made once per tool, not per call.
  const checked = (result: CallToolResult): CallToolResult => {
    if (outputSchema !== undefined && !result.isError) {
      if (result.structuredContent === undefined) {
        throw new McpError(ErrorCode.InvalidParams, `Tool ${name} has an output schema but returned no structuredContent`);
      }
      if (output) {
        const verdict = output.safeParse(result.structuredContent);
        if (!verdict.success) {
          throw new McpError(ErrorCode.InternalError, `Tool ${name} returned structuredContent that does not match its output schema: ${formatIssues(verdict.error)}`);
        }
      }
    }
    return result;
  };
  return {
    name,
    listing,
    cache,
    call(args, ctx) {
      let parsed: unknown = args;
      if (input) {
        const result = input.safeParse(args);
        if (!result.success) {
          // 2025-11-25 (SEP-1303): input validation errors are tool execution errors, so the
          // model sees them and can correct its call.
          return { content: [{ type: "text", text: `Invalid arguments for tool ${name}: ${formatIssues(result.error)}` }], isError: true };
        }
        parsed = result.data;
      }
      let result: CallToolResult | PromiseLike<CallToolResult>;
      try {
        result = handler(parsed as never, ctx);
      } catch (error) {
        return handlerFailed(error);
      }
      // A sync handler's result is checked now; only a promise is waited for.
      if (isThenable(result)) return Promise.resolve(result).then(checked, handlerFailed);
      return checked(result);
    },
  };
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/** A handler that threw: protocol errors it raised on purpose stay protocol errors; anything else is a tool error the model sees. */
function handlerFailed(error: unknown): CallToolResult {
  if (error instanceof McpError) throw error;
  return { content: [{ type: "text", text: errorText(error) }], isError: true };
}
