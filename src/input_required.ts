/**
 * 2026-07-28 multi round-trip requests (MRTR): how a handler's questions become an
 * `input_required` result, and how the client's retry resumes the handler.
 *
 * Resumption model: the server keeps nothing between rounds. Each retry runs the handler again
 * **from the start**; every question already answered (earlier answers travel sealed in
 * `requestState`, this round's in `inputResponses`) returns its answer at once, and the first
 * question without an answer ends the round: the questions asked together with it (in the same
 * tick, e.g. `ctx.ask({...})` or `Promise.all`) go to the client as `inputRequests`, and the
 * handler is abandoned there — its promise never settles, code after the question never runs in
 * that round, and `ctx.signal` aborts so work it started in parallel stops. Work done before a
 * question therefore runs once per round and must be safe to repeat; work after the last
 * question runs exactly once, with every answer in hand.
 *
 * Answers are bound to their question: the state records a digest of each question asked, and an
 * answer only counts for the same key *and* the same question. A retry without `requestState`
 * may still carry answers (as if the client had answered unasked); extra keys are ignored,
 * missing ones are asked again.
 *
 * @module
 */
import { ErrorCode, McpError } from "./jsonrpc.ts";
import {
  type Asker,
  checkCapabilities,
  checkQuestionSize,
  type InputMethod,
  parseAnswer,
  type Question,
} from "./input.ts";
import type { RequestStateSealer, StateBinding } from "./request_state.ts";

/**
 * The methods that may answer `input_required`.
 *
 * @example
 * ```ts
 * import { INPUT_REQUIRED_METHODS } from "./input_required.ts";
 * INPUT_REQUIRED_METHODS.includes("tools/call"); // true
 * ```
 */
export const INPUT_REQUIRED_METHODS: readonly string[] = ["tools/call", "prompts/get", "resources/read"];

/** What the sealed state holds between rounds. */
interface RoundState {
  /** Rounds used so far. */
  r: number;
  /** Answers the handler has used: key → [question digest, raw answer]. */
  a: Record<string, [string, unknown]>;
  /** Questions of the last round, still to be answered: key → question digest. */
  q: Record<string, string>;
}

/**
 * How a round ended when the handler could not finish.
 *
 * @example
 * ```ts
 * import type { RoundOutcome } from "./input_required.ts";
 * function describeOutcome(outcome: RoundOutcome): string {
 *   return outcome.kind === "input_required" ? "asked the client" : `failed: ${String(outcome.error)}`;
 * }
 * ```
 */
export type RoundOutcome =
  | { kind: "input_required"; result: Record<string, unknown> }
  | { kind: "error"; error: unknown };

/** A cheap, stable digest of a question (the state is signed, so it needs no collision resistance against the client). */
function digest(method: InputMethod, params: Record<string, unknown>): string {
  const text = `${method}\n${stable(params)}`;
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isRoundState(value: unknown): value is RoundState {
  return isPlainObject(value) && typeof value.r === "number" && isPlainObject(value.a) && isPlainObject(value.q);
}

/**
 * Limits of one multi-round request.
 *
 * @example
 * ```ts
 * import type { RoundLimits } from "./input_required.ts";
 * const limits: RoundLimits = { maxRounds: 10, maxInputBytes: 64 * 1024 };
 * ```
 */
export interface RoundLimits {
  maxRounds: number;
  maxInputBytes: number;
}

/** {@link InputRound}'s abort reason before its signal aborted (any reason, `undefined` too, is another value). */
const NOT_ABORTED: unique symbol = Symbol("not aborted");

/**
 * One round of a multi-round request: opened from the request's `requestState` and
 * `inputResponses`, it answers the handler's questions it can and ends the round at the first it
 * cannot.
 *
 * @example
 * ```ts
 * import { InputRound } from "./input_required.ts";
 * import { RequestStateSealer } from "./request_state.ts";
 * import { elicitation } from "./input.ts";
 * const sealer = new RequestStateSealer();
 * const round = await InputRound.open({ name: "t" }, { method: "tools/call", name: "t" }, {}, sealer, { maxRounds: 10, maxInputBytes: 65536 });
 * round.ask({ ok: elicitation("Sure?", { type: "object", properties: { ok: { type: "boolean" } } }) });
 * const outcome = await round.stopped; // { kind: "input_required", result: { resultType: "input_required", … } }
 * ```
 */
export class InputRound {
  /** Settles when the round ends before the handler finished. */
  readonly stopped: Promise<RoundOutcome>;
  /**
   * Aborted when the round ends early (the handler is abandoned), or when the `parent` signal
   * given to {@link InputRound.open} aborts, with its reason.
   */
  get signal(): AbortSignal {
    // Made on first read: most handlers never read it (an AbortController costs, on Deno most).
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.#abortReason !== NOT_ABORTED) this.#abort.abort(this.#abortReason);
    }
    return this.#abort.signal;
  }
  readonly #binding: StateBinding;
  readonly #capabilities: Record<string, unknown>;
  readonly #sealer: RequestStateSealer;
  readonly #limits: RoundLimits;
  readonly #rounds: number;
  // Made on first use: most rounds have no answers and their handler asks nothing.
  /** Answers available this round: key → [digest or undefined (unasked), raw]. */
  #available: Map<string, [string | undefined, unknown]> | undefined;
  /** Answers the handler used this run. */
  #used: Record<string, [string, unknown]> | undefined;
  /** Questions asked this run without an answer. */
  #missing: Map<string, Question<unknown>> | undefined;
  /** Questions asked this run, to catch a key reused for another question. */
  #asked: Map<string, string> | undefined;
  #abort: AbortController | undefined = undefined;
  /** Why the round's signal aborted (kept for a signal made afterwards), or NOT_ABORTED. */
  #abortReason: unknown = NOT_ABORTED;
  #finish!: (outcome: RoundOutcome) => void;
  #scheduled = false;
  #over = false;
  #outcome: RoundOutcome | undefined;

  private constructor(
    binding: StateBinding,
    capabilities: Record<string, unknown>,
    sealer: RequestStateSealer,
    limits: RoundLimits,
    rounds: number,
    parent: AbortSignal | undefined,
  ) {
    this.#binding = binding;
    this.#capabilities = capabilities;
    this.#sealer = sealer;
    this.#limits = limits;
    this.#rounds = rounds;
    this.stopped = new Promise((resolve) => (this.#finish = resolve));
    // One listener on the request's own signal instead of AbortSignal.any: on Deno that makes
    // WeakRefs per call, whose targets the young generation cannot free until the job ends.
    if (parent?.aborted) this.#abortWith(parent.reason);
    else parent?.addEventListener("abort", () => this.#abortWith(parent.reason), { once: true });
  }

  /** Aborts the round's signal (now if it was made, else when it is), once. */
  #abortWith(reason: unknown): void {
    if (this.#abortReason !== NOT_ABORTED) return;
    this.#abortReason = reason;
    this.#abort?.abort(reason);
  }

  /**
   * {@link InputRound.open} for a first round whose params carry neither `requestState` nor
   * `inputResponses`: there is nothing to read or check, so it is made at once, without a promise.
   */
  static first(binding: StateBinding, capabilities: Record<string, unknown>, sealer: RequestStateSealer, limits: RoundLimits): InputRound {
    return new InputRound(binding, capabilities, sealer, limits, 0, undefined);
  }

  /**
   * Reads `requestState` and `inputResponses` from the request params. Throws {@link McpError}
   * `-32602` for bad state or malformed answers: the handler must not run then. With `parent`
   * (the request's signal), the round's {@link InputRound.signal} aborts with it too: the one
   * signal the handler needs.
   */
  static async open(
    params: Record<string, unknown>,
    binding: StateBinding,
    capabilities: Record<string, unknown>,
    sealer: RequestStateSealer,
    limits: RoundLimits,
    parent?: AbortSignal,
  ): Promise<InputRound> {
    const responses = params.inputResponses;
    if (responses !== undefined) {
      if (!isPlainObject(responses)) throw new McpError(ErrorCode.InvalidParams, "inputResponses must be an object of results by key");
      const size = JSON.stringify(responses).length;
      if (size > limits.maxInputBytes) {
        throw new McpError(ErrorCode.InvalidParams, `inputResponses of ${size} bytes exceed the ${limits.maxInputBytes}-byte limit`);
      }
      for (const [key, value] of Object.entries(responses)) {
        if (!isPlainObject(value)) throw new McpError(ErrorCode.InvalidParams, `inputResponses.${key} must be a result object`);
      }
    }
    let state: RoundState | undefined;
    if (params.requestState !== undefined) {
      const opened = await sealer.open(params.requestState, binding);
      if (!isRoundState(opened)) throw new McpError(ErrorCode.InvalidParams, "Invalid requestState: malformed");
      state = opened;
    }
    const round = new InputRound(binding, capabilities, sealer, limits, state?.r ?? 0, parent);
    if (state === undefined && responses === undefined) return round; // A first round without answers: nothing to read.
    const available = round.#available = new Map();
    if (state !== undefined) for (const [key, [hash, value]] of Object.entries(state.a)) available.set(key, [hash, value]);
    if (isPlainObject(responses)) {
      for (const [key, value] of Object.entries(responses)) {
        // With state, only answers to the questions it asked count; extra keys are ignored.
        if (state === undefined) available.set(key, [undefined, value]);
        else if (key in state.q) available.set(key, [state.q[key], value]);
      }
    }
    return round;
  }

  /** The asker handlers use in this round. */
  readonly ask: Asker = (questions) => {
    if (this.#over) return new Promise(() => {});
    checkCapabilities(this.#capabilities, questions);
    const answers: Record<string, unknown> = {};
    let complete = true;
    for (const [key, question] of Object.entries(questions)) {
      const hash = digest(question.method, question.params);
      const asked = this.#asked ??= new Map();
      const earlier = asked.get(key);
      if (earlier !== undefined && earlier !== hash) {
        throw new McpError(ErrorCode.InternalError, `Question key "${key}" was used for two different questions`);
      }
      asked.set(key, hash);
      const available = this.#available?.get(key);
      if (available && (available[0] === undefined || available[0] === hash)) {
        try {
          answers[key] = parseAnswer(key, question, available[1]);
        } catch (error) {
          // A bad answer is the client's protocol error: the request fails, the handler is abandoned.
          this.#end({ kind: "error", error });
          return new Promise(() => {});
        }
        (this.#used ??= {})[key] = [hash, available[1]];
      } else {
        complete = false;
        (this.#missing ??= new Map()).set(key, question);
      }
    }
    if (complete) return Promise.resolve(answers);
    this.#schedule();
    return new Promise(() => {});
  };

  /** Ends the round once the handler has asked everything it asks together (same tick). */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#inputRequired().then((result) => this.#end({ kind: "input_required", result }), (error) => this.#end({ kind: "error", error }));
    }, 0);
  }

  async #inputRequired(): Promise<Record<string, unknown>> {
    if (this.#rounds + 1 > this.#limits.maxRounds) {
      throw new McpError(ErrorCode.InternalError, `This request needed input more than ${this.#limits.maxRounds} times`);
    }
    const missing = this.#missing ?? new Map<string, Question<unknown>>();
    const questions = Object.fromEntries(missing);
    checkQuestionSize(questions, this.#limits.maxInputBytes);
    const pending: Record<string, string> = {};
    const inputRequests: Record<string, unknown> = {};
    for (const [key, question] of missing) {
      pending[key] = digest(question.method, question.params);
      inputRequests[key] = { method: question.method, params: question.params };
    }
    const state: RoundState = { r: this.#rounds + 1, a: this.#used ?? {}, q: pending };
    const requestState = await this.#sealer.seal(state, this.#binding);
    return { resultType: "input_required", inputRequests, requestState };
  }

  #end(outcome: RoundOutcome): void {
    if (this.#over) return;
    this.#over = true;
    this.#outcome = outcome;
    this.#finish(outcome);
    this.#abortWith(new Error("The request ended to ask the client for input"));
  }

  /** How the round ended early, if it did (wins over whatever the abandoned handler did next). */
  get outcome(): RoundOutcome | undefined {
    return this.#outcome;
  }

  /** Marks the round over once the handler finished on its own (no round end can follow). */
  close(): void {
    this.#over = true;
  }
}
