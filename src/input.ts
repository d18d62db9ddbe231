/**
 * Asking the client for input, written once for every client generation.
 *
 * A handler asks with `ctx.elicit(…)`, `ctx.sample(…)`, `ctx.roots()`, or several questions at
 * once with `ctx.ask({ key: question, … })`. What happens underneath depends on the client:
 *
 * - 2024-11-05 / 2025 sessions: each question is a server→client request on the request's
 *   stream (`RequestContext.request`), with a timeout, rejected at once when the session closes.
 * - 2026-07-28: the request ends with an `input_required` result carrying the questions and a
 *   sealed `requestState`; the client's retry re-runs the handler from the start, and every
 *   question already answered returns its answer at once (see `input_required.ts`).
 *
 * Either way a question's promise only ever resolves with a validated answer: code after
 * `await ctx.elicit(…)` runs only once the answer is there.
 *
 * @module
 */
import { z } from "zod";
import { ErrorCode, McpError } from "./jsonrpc.ts";
import { type JsonSchemaObject, toElicitationSchema } from "./elicitation_schema.ts";
import type { RequestStateOptions } from "./request_state.ts";
import { missingClientCapability } from "./client_capabilities.ts";
import type { Root } from "./client_requests.ts";

/**
 * The server→client methods a question can use.
 *
 * @example
 * ```ts
 * import type { InputMethod } from "./input.ts";
 * const method: InputMethod = "elicitation/create";
 * ```
 */
export type InputMethod = "elicitation/create" | "sampling/createMessage" | "roots/list";

/**
 * One question for the client, with the parser of its answer. Build with {@link elicitation}, {@link sampling}, {@link roots}.
 *
 * @example
 * ```ts
 * import { roots, type Question } from "./input.ts";
 * import type { Root } from "./client_requests.ts";
 * const question: Question<Root[]> = roots();
 * question.method; // "roots/list"
 * ```
 */
export interface Question<T> {
  /** The server→client request method. */
  readonly method: InputMethod;
  /** The request params. */
  readonly params: Record<string, unknown>;
  /** Validates the client's result; throws a message naming what is wrong. */
  parse(result: unknown): T;
}

/**
 * The answer a question resolves with.
 *
 * @example
 * ```ts
 * import { type Answer, roots } from "./input.ts";
 * const question = roots();
 * type RootsAnswer = Answer<typeof question>; // Root[]
 * ```
 */
export type Answer<Q> = Q extends Question<infer T> ? T : never;

/**
 * The answers to a set of questions, by key.
 *
 * @example
 * ```ts
 * import { type Answers, elicitation, roots } from "./input.ts";
 * const questions = { where: roots(), ok: elicitation("Proceed?", { type: "object", properties: { ok: { type: "boolean" } } }) };
 * type Both = Answers<typeof questions>; // { where: Root[]; ok: ElicitAnswer<...> }
 * ```
 */
export type Answers<Q extends Record<string, Question<unknown>>> = { [K in keyof Q]: Answer<Q[K]> };

/**
 * A value an elicitation form field can hold.
 *
 * @example
 * ```ts
 * import type { ElicitValue } from "./input.ts";
 * const values: ElicitValue[] = ["text", 3, true, ["a", "b"]];
 * ```
 */
export type ElicitValue = string | number | boolean | string[];

/**
 * What the user did with an elicitation: only `accept` carries content, so code must check first.
 *
 * @example
 * ```ts
 * import type { ElicitAnswer } from "./input.ts";
 * function confirmed(answer: ElicitAnswer<{ ok: boolean }>): boolean {
 *   return answer.action === "accept" && answer.content.ok;
 * }
 * ```
 */
export type ElicitAnswer<T> = { action: "accept"; content: T } | { action: "decline" } | { action: "cancel" };

/**
 * Params of a sampling question (`sampling/createMessage`).
 *
 * @example
 * ```ts
 * import { sampling, type SamplingParams } from "./input.ts";
 * const params: SamplingParams = { messages: [{ role: "user", content: { type: "text", text: "Name a colour" } }], maxTokens: 20 };
 * const question = sampling(params);
 * ```
 */
export interface SamplingParams {
  /** The conversation so far. */
  messages: Array<{ role: "user" | "assistant"; content: Record<string, unknown> | Record<string, unknown>[] }>;
  /** The most tokens the client may generate. */
  maxTokens: number;
  /** A system prompt the client may use. */
  systemPrompt?: string;
  /** Other fields, passed through. */
  [key: string]: unknown;
}

/**
 * The client's sampling result.
 *
 * @example
 * ```ts
 * import type { SamplingAnswer } from "./input.ts";
 * const answer: SamplingAnswer = { role: "assistant", content: { type: "text", text: "Blue" }, model: "some-model" };
 * ```
 */
export interface SamplingAnswer {
  /** Always the model. */
  role: "assistant";
  /** The generated content. */
  content: Record<string, unknown> | Record<string, unknown>[];
  /** The model that generated it. */
  model: string;
  /** Why generation stopped. */
  stopReason?: string;
  /** Other fields, passed through. */
  [key: string]: unknown;
}

/**
 * Per-question options.
 *
 * @example
 * ```ts
 * import type { AskOptions } from "./input.ts";
 * const options: AskOptions = { key: "confirm", timeoutMs: 30_000 };
 * ```
 */
export interface AskOptions {
  /** The key of the question in `inputRequests` (2026); default `elicitation-1`, `sampling-2`, … in asking order. */
  key?: string;
  /** 2025 sessions: give up after this many ms (default: the handler's `requestTimeoutMs`). */
  timeoutMs?: number;
  /** 2025 sessions: stop waiting when this aborts (the request's own signal always applies). */
  signal?: AbortSignal;
}

/**
 * Options of a round of several questions.
 *
 * @example
 * ```ts
 * import type { RoundOptions } from "./input.ts";
 * const options: RoundOptions = { timeoutMs: 30_000 };
 * ```
 */
export type RoundOptions = Omit<AskOptions, "key">;

/**
 * Bounds and state options for asking, set on the server (`new McpServer(info, { input })`).
 *
 * @example
 * ```ts
 * import { McpServer } from "./server.ts";
 * import type { InputOptions } from "./input.ts";
 * const input: InputOptions = { maxRounds: 3, ttlMs: 5 * 60_000 };
 * const server = new McpServer({ name: "demo", version: "1.0.0" }, { input });
 * ```
 */
export interface InputOptions extends RequestStateOptions {
  /** Most rounds (2026 retries, 2025 `ask` calls) one request may use. Default 10. */
  maxRounds?: number;
  /** Largest JSON size of one round's questions, and of the answers a retry carries. Default 256 KiB. */
  maxInputBytes?: number;
}

/**
 * The input methods every {@link RequestContext} has.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { McpServer } from "./server.ts";
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * server.tool("deploy", {}, async (_args, ctx) => {
 *   if (!ctx.canAsk("elicitation/create")) return { content: [{ type: "text", text: "Cannot confirm" }], isError: true };
 *   const answer = await ctx.elicit("Deploy now?", z.object({ ok: z.boolean() }));
 *   return { content: [{ type: "text", text: answer.action === "accept" && answer.content.ok ? "deployed" : "not deployed" }] };
 * });
 * ```
 */
export interface InputApi {
  /** Asks several questions in one round; resolves with every answer, by key. */
  ask<Q extends Record<string, Question<unknown>>>(questions: Q, options?: RoundOptions): Promise<Answers<Q>>;
  /** Asks one prebuilt question (see {@link elicitation}, {@link sampling}, {@link roots}). */
  ask<T>(question: Question<T>, options?: AskOptions): Promise<T>;
  /** Asks the user to fill a form (form-mode elicitation); the zod schema types the content. */
  elicit<S extends z.ZodObject>(message: string, schema: S, options?: AskOptions): Promise<ElicitAnswer<z.output<S>>>;
  /** Asks the user to fill a form described by a JSON Schema of the elicitation subset. */
  elicit(message: string, schema: JsonSchemaObject, options?: AskOptions): Promise<ElicitAnswer<Record<string, ElicitValue>>>;
  /** Asks the client's model for a completion. */
  sample(params: SamplingParams, options?: AskOptions): Promise<SamplingAnswer>;
  /** Asks the client for its roots. */
  roots(options?: AskOptions): Promise<Root[]>;
  /** True when the client declared what `method` needs (ask only then, or be ready for -32021). */
  canAsk(method: InputMethod): boolean;
}

/**
 * Runs one round of questions: the era-specific part behind {@link InputApi}.
 *
 * @example
 * ```ts
 * import type { Asker } from "./input.ts";
 * // An asker that can never ask (what a request outside input-capable methods gets).
 * const refuse: Asker = () => Promise.reject(new Error("no input here"));
 * ```
 */
export type Asker = (questions: Record<string, Question<unknown>>, options?: RoundOptions) => Promise<Record<string, unknown>>;

/**
 * Defaults of {@link InputOptions} bounds.
 *
 * @example
 * ```ts
 * import { INPUT_DEFAULTS } from "./input.ts";
 * INPUT_DEFAULTS.maxRounds; // 10
 * ```
 */
export const INPUT_DEFAULTS = { maxRounds: 10, maxInputBytes: 256 * 1024 } as const;

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}

const ElicitResultSchema = z.object({
  action: z.enum(["accept", "decline", "cancel"]),
  content: z.record(z.string(), z.unknown()).optional(),
}).loose();

const FieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

/**
 * A form-mode elicitation question. The schema (zod object or JSON Schema) must be in the
 * elicitation subset; accepted content is validated against it.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { elicitation } from "./input.ts";
 * const confirm = elicitation("Delete the branch?", z.object({ ok: z.boolean() }));
 * confirm.params.requestedSchema; // { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] }
 * ```
 */
export function elicitation<S extends z.ZodObject>(message: string, schema: S): Question<ElicitAnswer<z.output<S>>>;
/** The same with a JSON Schema object: accepted content is checked field by field. */
export function elicitation(message: string, schema: JsonSchemaObject): Question<ElicitAnswer<Record<string, ElicitValue>>>;
export function elicitation(message: string, schema: z.ZodObject | JsonSchemaObject): Question<ElicitAnswer<unknown>> {
  const requestedSchema = toElicitationSchema(schema);
  const content = "_zod" in schema ? schema as z.ZodObject : z.record(z.string(), FieldValueSchema);
  return {
    method: "elicitation/create",
    params: { mode: "form", message, requestedSchema },
    parse(result) {
      const parsed = ElicitResultSchema.safeParse(result);
      if (!parsed.success) throw new Error(`not an elicitation result (${describe(parsed.error)})`);
      if (parsed.data.action !== "accept") return { action: parsed.data.action };
      const checked = content.safeParse(parsed.data.content ?? {});
      if (!checked.success) throw new Error(`accepted content does not match the requested schema (${describe(checked.error)})`);
      return { action: "accept", content: checked.data };
    },
  };
}

const SamplingResultSchema = z.object({
  role: z.literal("assistant"),
  content: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]),
  model: z.string(),
  stopReason: z.string().optional(),
}).loose();

/**
 * A sampling question (`sampling/createMessage`).
 *
 * @example
 * ```ts
 * import { sampling } from "./input.ts";
 * const q = sampling({ messages: [{ role: "user", content: { type: "text", text: "Capital of France?" } }], maxTokens: 50 });
 * ```
 */
export function sampling(params: SamplingParams): Question<SamplingAnswer> {
  return {
    method: "sampling/createMessage",
    params: { ...params },
    parse(result) {
      const parsed = SamplingResultSchema.safeParse(result);
      if (!parsed.success) throw new Error(`not a sampling result (${describe(parsed.error)})`);
      return parsed.data as SamplingAnswer;
    },
  };
}

const RootsResultSchema = z.object({
  roots: z.array(z.object({ uri: z.string(), name: z.string().optional() }).loose()),
}).loose();

/**
 * A `roots/list` question; the answer is the list of roots.
 *
 * @example
 * ```ts
 * import { roots } from "./input.ts";
 * const q = roots();
 * q.method; // "roots/list"
 * ```
 */
export function roots(): Question<Root[]> {
  return {
    method: "roots/list",
    params: {},
    parse(result) {
      const parsed = RootsResultSchema.safeParse(result);
      if (!parsed.success) throw new Error(`not a roots/list result (${describe(parsed.error)})`);
      return parsed.data.roots as Root[];
    },
  };
}

/**
 * True when `capabilities` declares what `method` needs.
 *
 * @example
 * ```ts
 * import { clientCan } from "./input.ts";
 * clientCan({ sampling: {} }, "sampling/createMessage"); // true
 * clientCan({ sampling: {} }, "elicitation/create"); // false
 * ```
 */
export function clientCan(capabilities: Record<string, unknown>, method: InputMethod): boolean {
  return missingClientCapability(method, { mode: "form" }, capabilities) === undefined;
}

/**
 * Throws `-32021` (Missing required client capability, `data.requiredCapabilities`) when a
 * question needs something the client did not declare; nothing is sent.
 *
 * @example
 * ```ts
 * import { checkCapabilities, roots } from "./input.ts";
 * checkCapabilities({}, { r: roots() }); // throws McpError -32021 with data { requiredCapabilities: { roots: {} } }
 * ```
 */
export function checkCapabilities(capabilities: Record<string, unknown>, questions: Record<string, Question<unknown>>): void {
  const missing: Record<string, Record<string, unknown>> = {};
  const names: string[] = [];
  for (const question of Object.values(questions)) {
    const path = missingClientCapability(question.method, question.params, capabilities);
    if (path === undefined) continue;
    names.push(path);
    // "sampling.tools" → { sampling: { tools: {} } }
    const [top, sub] = path.split(".");
    missing[top] ??= {};
    if (sub !== undefined) missing[top][sub] = {};
  }
  if (names.length > 0) {
    throw new McpError(
      ErrorCode.MissingRequiredClientCapability,
      `The client did not declare ${[...new Set(names)].join(", ")}, which this request needs`,
      { requiredCapabilities: missing },
      400,
    );
  }
}

/**
 * Checks the JSON size of one round's questions against `maxInputBytes`.
 *
 * @example
 * ```ts
 * import { checkQuestionSize, roots } from "./input.ts";
 * checkQuestionSize({ r: roots() }, 1024); // fine
 * ```
 */
export function checkQuestionSize(questions: Record<string, Question<unknown>>, maxInputBytes: number): void {
  const size = JSON.stringify(Object.values(questions).map((q) => q.params)).length;
  if (size > maxInputBytes) {
    throw new McpError(ErrorCode.InternalError, `Questions of ${size} bytes exceed the ${maxInputBytes}-byte input limit`);
  }
}

/**
 * Parses one answer, turning a bad one into `-32602` naming the key.
 *
 * @example
 * ```ts
 * import { parseAnswer, roots } from "./input.ts";
 * parseAnswer("r", roots(), { roots: [{ uri: "file:///repo" }] }); // [{ uri: "file:///repo" }]
 * parseAnswer("r", roots(), { nope: 1 }); // throws McpError -32602 'Invalid answer to "r" (roots/list): …'
 * ```
 */
export function parseAnswer(key: string, question: Question<unknown>, result: unknown): unknown {
  try {
    return question.parse(result);
  } catch (error) {
    throw new McpError(ErrorCode.InvalidParams, `Invalid answer to "${key}" (${question.method}): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * What {@link requestAsker} needs from the request.
 *
 * @example
 * ```ts
 * import { INPUT_DEFAULTS, requestAsker, type RequestAskerInit } from "./input.ts";
 * const init: RequestAskerInit = {
 *   request: () => Promise.resolve({ roots: [] }),
 *   capabilities: { roots: {} },
 *   signal: new AbortController().signal,
 *   ...INPUT_DEFAULTS,
 * };
 * const asker = requestAsker(init);
 * ```
 */
export interface RequestAskerInit {
  /** Sends a server→client request (the context's `request`). */
  request(method: string, params: Record<string, unknown>, options: RoundOptions): Promise<Record<string, unknown>>;
  /** The client's declared capabilities. */
  capabilities: Record<string, unknown>;
  /** Aborted when the request ends. */
  signal: AbortSignal;
  maxRounds: number;
  maxInputBytes: number;
}

/**
 * The 2024/2025 asker: each round sends its questions as server→client requests at once and
 * waits for every answer. The first failure (timeout, session closed, bad or oversized answer)
 * rejects the round and cancels the questions still open.
 *
 * @example
 * ```ts
 * import { requestAsker, roots } from "./input.ts";
 * const ask = requestAsker({
 *   request: async () => ({ roots: [{ uri: "file:///repo" }] }),
 *   capabilities: { roots: {} }, signal: new AbortController().signal, maxRounds: 10, maxInputBytes: 65536,
 * });
 * await ask({ r: roots() }); // { r: [{ uri: "file:///repo" }] }
 * ```
 */
export function requestAsker(init: RequestAskerInit): Asker {
  let rounds = 0;
  return async (questions, options = {}) => {
    checkCapabilities(init.capabilities, questions);
    checkQuestionSize(questions, init.maxInputBytes);
    if (++rounds > init.maxRounds) {
      throw new McpError(ErrorCode.InternalError, `This request asked for input more than ${init.maxRounds} times`);
    }
    const round = new AbortController();
    const signal = AbortSignal.any([init.signal, round.signal, ...(options.signal ? [options.signal] : [])]);
    try {
      const entries = await Promise.all(Object.entries(questions).map(async ([key, question]) => {
        try {
          const result = await init.request(question.method, question.params, { timeoutMs: options.timeoutMs, signal });
          const size = JSON.stringify(result).length;
          if (size > init.maxInputBytes) {
            throw new McpError(ErrorCode.InvalidParams, `The answer to "${key}" is ${size} bytes, over the ${init.maxInputBytes}-byte input limit`);
          }
          return [key, parseAnswer(key, question, result)] as const;
        } catch (error) {
          round.abort(error);
          throw error;
        }
      }));
      return Object.fromEntries(entries);
    } finally {
      round.abort();
    }
  };
}

const KIND: Record<InputMethod, string> = { "elicitation/create": "elicitation", "sampling/createMessage": "sampling", "roots/list": "roots" };

/** A single question, as opposed to a record of them (whose values are questions, never functions). */
function isQuestion(value: unknown): value is Question<unknown> {
  return typeof (value as { parse?: unknown }).parse === "function" && typeof (value as { method?: unknown }).method === "string";
}

/**
 * Builds the handler-facing {@link InputApi} over an {@link Asker}. Single-question helpers
 * get keys `elicitation-1`, `sampling-2`, … in asking order unless given one.
 *
 * @example
 * ```ts
 * import { inputApi, requestAsker } from "./input.ts";
 * const api = inputApi(async () => ({}), {});
 * api.canAsk("roots/list"); // false
 * ```
 */
export function inputApi(asker: Asker, capabilities: Record<string, unknown>): InputApi {
  let counter = 0;
  // An asker may throw synchronously (a missing capability); handlers always see a rejection.
  const ask: Asker = (questions, options) => {
    try {
      return asker(questions, options);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const one = async <T>(question: Question<T>, options: AskOptions | undefined, kind: string): Promise<T> => {
    const key = options?.key ?? `${kind}-${++counter}`;
    const answers = await ask({ [key]: question }, { timeoutMs: options?.timeoutMs, signal: options?.signal });
    return answers[key] as T;
  };
  return {
    ask: ((questions: Record<string, Question<unknown>> | Question<unknown>, options?: AskOptions) =>
      isQuestion(questions)
        ? one(questions, options, KIND[questions.method])
        : ask(questions, { timeoutMs: options?.timeoutMs, signal: options?.signal })) as InputApi["ask"],
    elicit: ((message: string, schema: z.ZodObject | JsonSchemaObject, options?: AskOptions) =>
      one(elicitation(message, schema as JsonSchemaObject), options, "elicitation")) as InputApi["elicit"],
    sample: (params, options) => one(sampling(params), options, "sampling"),
    roots: (options) => one(roots(), options, "roots"),
    canAsk: (method) => clientCan(capabilities, method),
  };
}
