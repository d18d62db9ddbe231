/**
 * Prompts: templates of messages a client can list and fetch with arguments. Arguments are
 * described by a zod object of strings (validated on every `prompts/get`) or a plain list.
 *
 * @module
 */
import { z } from "zod";
import { ErrorCode, McpError } from "./jsonrpc.ts";
import type { RequestContext } from "./context.ts";
import type { Completers } from "./completion.ts";
import type { ContentBlock } from "./tools.ts";

/**
 * One argument of a prompt as published in `prompts/list`.
 *
 * @example
 * ```ts
 * import type { PromptArgument } from "./prompts.ts";
 * const argument: PromptArgument = { name: "code", description: "The code to review", required: true };
 * ```
 */
export interface PromptArgument {
  /** The argument's name. */
  name: string;
  /** A name to show people. */
  title?: string;
  /** What the argument is for. */
  description?: string;
  /** True when the prompt needs it. */
  required?: boolean;
}

/**
 * One message of a prompt: text, image, audio, resource link or embedded resource.
 *
 * @example
 * ```ts
 * import type { PromptMessage } from "./prompts.ts";
 * const message: PromptMessage = { role: "user", content: { type: "text", text: "Review this code" } };
 * ```
 */
export interface PromptMessage {
  /** Who speaks. */
  role: "user" | "assistant";
  /** What is said. */
  content: ContentBlock;
}

/**
 * The result of `prompts/get`.
 *
 * @example
 * ```ts
 * import type { GetPromptResult } from "./prompts.ts";
 * const result: GetPromptResult = { description: "A review", messages: [{ role: "user", content: { type: "text", text: "Review" } }] };
 * ```
 */
export interface GetPromptResult {
  /** What the prompt is for. */
  description?: string;
  /** The prompt's messages. */
  messages: PromptMessage[];
  /** Protocol metadata. */
  _meta?: Record<string, unknown>;
  /** Other fields, passed through. */
  [key: string]: unknown;
}

/**
 * Prompt arguments: a zod object (validated) or a list published as is.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import type { PromptArgs } from "./prompts.ts";
 * const validated: PromptArgs = z.object({ code: z.string() });
 * const published: PromptArgs = [{ name: "code", required: true }];
 * ```
 */
export type PromptArgs = z.ZodObject | PromptArgument[];

/**
 * What a prompt handler receives for its argument definition.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import type { PromptArgValues } from "./prompts.ts";
 * const args = z.object({ code: z.string() });
 * const values: PromptArgValues<typeof args> = { code: "let x = 1" };
 * ```
 */
export type PromptArgValues<A> = A extends z.ZodObject ? z.output<A> : Record<string, string>;

/**
 * How a prompt is described to clients.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import type { PromptDefinition } from "./prompts.ts";
 * const definition: PromptDefinition = {
 *   description: "Review a piece of code",
 *   arguments: z.object({ code: z.string() }),
 *   complete: { code: () => [] },
 * };
 * ```
 */
export interface PromptDefinition<A extends PromptArgs | undefined = PromptArgs | undefined> {
  /** A name to show people. */
  title?: string;
  /** What the prompt is for. */
  description?: string;
  /** The arguments. A zod object's fields must accept strings (MCP sends strings). */
  arguments?: A;
  /** Completers for arguments, used by `completion/complete` (zod enum arguments complete by themselves). */
  complete?: Completers;
  /** Protocol metadata published with the prompt. */
  _meta?: Record<string, unknown>;
  /** Extra fields published verbatim (e.g. `icons`). */
  [key: string]: unknown;
}

/**
 * The function behind a prompt.
 *
 * @example
 * ```ts
 * import type { PromptArgument, PromptHandler } from "./prompts.ts";
 * const greet: PromptHandler<PromptArgument[]> = ({ name }) => ({
 *   messages: [{ role: "user", content: { type: "text", text: `Greet ${name}` } }],
 * });
 * ```
 */
export type PromptHandler<A extends PromptArgs | undefined> = (
  args: A extends PromptArgs ? PromptArgValues<A> : Record<string, string>,
  ctx: RequestContext,
) => GetPromptResult | Promise<GetPromptResult>;

/**
 * A registered prompt.
 *
 * @example
 * ```ts
 * import { definePrompt, type RegisteredPrompt } from "./prompts.ts";
 * const prompt: RegisteredPrompt = definePrompt("hello", { description: "Says hello" }, () => ({
 *   messages: [{ role: "user", content: { type: "text", text: "Hello" } }],
 * }));
 * prompt.listing; // { name: "hello", description: "Says hello" }
 * ```
 */
export interface RegisteredPrompt {
  readonly name: string;
  /** The `prompts/list` entry. */
  readonly listing: Record<string, unknown>;
  readonly complete: Completers;
  /** Validates arguments and runs the handler. */
  get(args: Record<string, string>, ctx: RequestContext): Promise<GetPromptResult>;
}

function isZodObject(value: unknown): value is z.ZodObject {
  return typeof value === "object" && value !== null && "_zod" in value && "shape" in value;
}

function describeArguments(args: PromptArgs | undefined): PromptArgument[] | undefined {
  if (args === undefined) return undefined;
  if (!isZodObject(args)) return args;
  return Object.entries(args.shape).map(([name, field]) => {
    const schema = field as z.ZodType;
    const out: PromptArgument = { name };
    if (schema.description !== undefined) out.description = schema.description;
    out.required = !schema.safeParse(undefined).success;
    return out;
  });
}

/** The values of a zod enum field (through optional / default / nullable wrappers), if it is one. */
function enumValues(schema: z.ZodType): string[] | undefined {
  let current: unknown = schema;
  for (let depth = 0; depth < 8 && current; depth++) {
    if (current instanceof z.ZodEnum) return (current.options as unknown[]).map(String);
    current = (current as { _zod?: { def?: { innerType?: unknown } } })._zod?.def?.innerType;
  }
  return undefined;
}

/** Completers for zod enum arguments that have none: the enum's values that start with the input. */
function enumCompleters(args: PromptArgs | undefined): Completers {
  if (!isZodObject(args)) return {};
  const out: Completers = {};
  for (const [name, field] of Object.entries(args.shape)) {
    const values = enumValues(field as z.ZodType);
    if (values) out[name] = (value) => values.filter((v) => v.startsWith(value));
  }
  return out;
}

const GetPromptParamsSchema = z.object({
  name: z.string(),
  arguments: z.record(z.string(), z.string()).optional(),
}).loose();

/**
 * Validates `prompts/get` params; throws `-32602` when malformed.
 *
 * @example
 * ```ts
 * import { parseGetPromptParams } from "./prompts.ts";
 * parseGetPromptParams({ name: "greet", arguments: { who: "Ada" } }); // { name: "greet", arguments: { who: "Ada" } }
 * ```
 */
export function parseGetPromptParams(params: Record<string, unknown>): { name: string; arguments: Record<string, string> } {
  const parsed = GetPromptParamsSchema.safeParse(params);
  if (!parsed.success) {
    throw new McpError(ErrorCode.InvalidParams, "Invalid prompts/get params: name (string) is required and arguments must map names to strings");
  }
  return { name: parsed.data.name, arguments: parsed.data.arguments ?? {} };
}

/**
 * Builds a {@link RegisteredPrompt}.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { definePrompt } from "./prompts.ts";
 * const greet = definePrompt("greet", { arguments: z.object({ who: z.string().describe("Whom to greet") }) }, ({ who }) => ({
 *   messages: [{ role: "user", content: { type: "text", text: `Say hello to ${who}` } }],
 * }));
 * greet.listing; // { name: "greet", arguments: [{ name: "who", description: "Whom to greet", required: true }] }
 * ```
 */
export function definePrompt<A extends PromptArgs | undefined>(
  name: string,
  definition: PromptDefinition<A>,
  handler: PromptHandler<A>,
): RegisteredPrompt {
  const { arguments: args, complete, ...rest } = definition;
  const listing: Record<string, unknown> = { name, ...rest };
  const described = describeArguments(args);
  if (described !== undefined) listing.arguments = described;
  const schema = isZodObject(args) ? args : undefined;
  const requiredNames = described?.filter((a) => a.required).map((a) => a.name) ?? [];
  return {
    name,
    listing,
    complete: { ...enumCompleters(args), ...complete },
    async get(values, ctx) {
      let parsed: unknown = values;
      if (schema) {
        const result = schema.safeParse(values);
        if (!result.success) {
          const detail = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
          throw new McpError(ErrorCode.InvalidParams, `Invalid arguments for prompt ${name}: ${detail}`);
        }
        parsed = result.data;
      } else {
        const missing = requiredNames.filter((n) => values[n] === undefined);
        if (missing.length > 0) throw new McpError(ErrorCode.InvalidParams, `Missing required arguments for prompt ${name}: ${missing.join(", ")}`);
      }
      const result = await handler(parsed as never, ctx);
      if (!Array.isArray(result?.messages)) throw new McpError(ErrorCode.InternalError, `Prompt ${name} returned no messages array`);
      return result;
    },
  };
}
