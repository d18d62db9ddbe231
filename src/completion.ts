/**
 * `completion/complete`: argument suggestions for prompts and resource templates.
 *
 * @module
 */
import { z } from "zod";
import { ErrorCode, McpError } from "./jsonrpc.ts";
import type { RequestContext } from "./context.ts";

/**
 * The most values one completion result may carry (the spec's limit).
 *
 * @example
 * ```ts
 * import { MAX_COMPLETION_VALUES } from "./completion.ts";
 * MAX_COMPLETION_VALUES; // 100: longer candidate lists are cut, with hasMore: true
 * ```
 */
export const MAX_COMPLETION_VALUES = 100;

/**
 * What a completer is told besides the partial value.
 *
 * @example
 * ```ts
 * import type { Completer, CompletionContext } from "./completion.ts";
 * // A city completer that narrows by the country the client already chose.
 * const city: Completer = (value, context: CompletionContext) =>
 *   (context.arguments.country === "fr" ? ["Paris", "Lyon"] : ["Berlin"]).filter((c) => c.startsWith(value));
 * ```
 */
export interface CompletionContext {
  /** Arguments the client already resolved (`context.arguments`). */
  arguments: Record<string, string>;
  /** The request context (signal, client info, …). */
  request: RequestContext;
}

/**
 * The `completion` object of a `completion/complete` result.
 *
 * @example
 * ```ts
 * import type { Completion } from "./completion.ts";
 * const completion: Completion = { values: ["alpha", "alpine"], total: 2, hasMore: false };
 * ```
 */
export interface Completion {
  /** Suggested values (at most 100). */
  values: string[];
  /** How many values exist in all. */
  total?: number;
  /** True when there are more than those sent. */
  hasMore?: boolean;
}

/**
 * Suggests values for one argument: a list of candidates, or a full {@link Completion}.
 *
 * @example
 * ```ts
 * import type { Completer } from "./completion.ts";
 * const language: Completer = (value) => ["python", "typescript", "rust"].filter((l) => l.startsWith(value));
 * ```
 */
export type Completer = (
  value: string,
  context: CompletionContext,
) => string[] | Completion | Promise<string[] | Completion>;

/**
 * Completers by argument name.
 *
 * @example
 * ```ts
 * import type { Completers } from "./completion.ts";
 * const complete: Completers = { id: (value) => ["1", "2", "42"].filter((id) => id.startsWith(value)) };
 * ```
 */
export type Completers = Record<string, Completer>;

const CompleteParamsSchema = z.object({
  ref: z.discriminatedUnion("type", [
    z.object({ type: z.literal("ref/prompt"), name: z.string() }).loose(),
    z.object({ type: z.literal("ref/resource"), uri: z.string() }).loose(),
  ]),
  argument: z.object({ name: z.string(), value: z.string() }),
  context: z.object({ arguments: z.record(z.string(), z.string()).optional() }).loose().optional(),
}).loose();

/**
 * Validated `completion/complete` params.
 *
 * @example
 * ```ts
 * import { type CompleteParams, parseCompleteParams } from "./completion.ts";
 * const params: CompleteParams = parseCompleteParams({
 *   ref: { type: "ref/prompt", name: "review" },
 *   argument: { name: "language", value: "py" },
 * });
 * ```
 */
export type CompleteParams = z.output<typeof CompleteParamsSchema>;

/**
 * Validates `completion/complete` params; throws {@link McpError} `-32602` when they are malformed.
 *
 * @example
 * ```ts
 * import { parseCompleteParams } from "./completion.ts";
 * parseCompleteParams({ ref: { type: "ref/prompt", name: "greet" }, argument: { name: "who", value: "Al" } });
 * ```
 */
export function parseCompleteParams(params: Record<string, unknown>): CompleteParams {
  const parsed = CompleteParamsSchema.safeParse(params);
  if (!parsed.success) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `Invalid completion/complete params: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}

/**
 * Runs a completer (or none) and shapes its answer into a valid `completion` object: at most
 * 100 values, with `hasMore` and `total` set when the list was cut.
 *
 * @example
 * ```ts
 * import { complete } from "./completion.ts";
 * const completer = (value: string) => ["paris", "park", "rome"].filter((c) => c.startsWith(value));
 * // inside a handler: await complete(completer, "par", { arguments: {}, request: ctx })
 * //   → { values: ["paris", "park"], total: 2, hasMore: false }
 * ```
 */
export async function complete(completer: Completer | undefined, value: string, context: CompletionContext): Promise<Completion> {
  if (!completer) return { values: [], total: 0, hasMore: false };
  const answer = await completer(value, context);
  const full: Completion = Array.isArray(answer) ? { values: answer } : answer;
  const values = full.values.map(String);
  const total = full.total ?? values.length;
  const cut = values.length > MAX_COMPLETION_VALUES;
  return {
    values: cut ? values.slice(0, MAX_COMPLETION_VALUES) : values,
    total,
    hasMore: cut || (full.hasMore ?? false),
  };
}
