/**
 * The optional tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) for 2026-07-28
 * requests: a `tools/call` may answer with a `CreateTaskResult` and keep working; the client
 * polls `tasks/get`, answers input through `tasks/update` and stops it with `tasks/cancel`.
 *
 * Opt-in: nothing of it exists until {@link Tasks.enable} registers the methods and the
 * capability. Each task is a long-lived thing with exactly one idempotent end,
 * {@link Task.close}, reached from its TTL expiring, the store closing, or eviction; after it
 * the id answers `-32602` and nothing of the task stays in memory. Count and TTL are bounded.
 *
 * @module
 */
import { ErrorCode, McpError } from "./jsonrpc.ts";
import { type RequestContext, withAsker } from "./context.ts";
import { parseAnswer, type Question } from "./input.ts";
import { isModernVersion } from "./versions.ts";
import { defaultPrincipalId } from "./request_state.ts";
import type { McpServer } from "./server.ts";
import type { CallToolResult, ToolDefinition, ToolHandler, ToolSchema } from "./tools.ts";

/**
 * The extension identifier, as advertised in `capabilities.extensions`.
 *
 * @example
 * ```ts
 * import { TASKS_EXTENSION } from "./tasks.ts";
 * const capabilities = { extensions: { [TASKS_EXTENSION]: {} } }; // what a client declares to get tasks
 * ```
 */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/**
 * Where a task is: `working` and `input_required` are live, the others terminal.
 *
 * @example
 * ```ts
 * import type { TaskStatus } from "./tasks.ts";
 * const status: TaskStatus = "working";
 * ```
 */
export type TaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

/**
 * Bounds of a {@link Tasks} store.
 *
 * @example
 * ```ts
 * import type { TasksOptions } from "./tasks.ts";
 * const options: TasksOptions = { ttlMs: 60_000, maxTasks: 100, pollIntervalMs: 500 };
 * ```
 */
export interface TasksOptions {
  /** How long a task is kept after it was created, working or not (default 10 min). */
  ttlMs?: number;
  /** Tasks kept at once (default 1000); beyond it the oldest finished task is dropped, or creation is refused. */
  maxTasks?: number;
  /** Poll interval suggested to clients (default 500 ms). */
  pollIntervalMs?: number;
}

/**
 * How a tool uses tasks: `optional` runs as a task when the client declared the extension
 * and synchronously otherwise; `required` refuses clients without it (`-32021`).
 *
 * @example
 * ```ts
 * import type { TaskSupport } from "./tasks.ts";
 * const support: TaskSupport = "required";
 * ```
 */
export type TaskSupport = "optional" | "required";

/**
 * Work a task runs, with a context whose signal is the task's (aborted by cancel or expiry)
 * and whose questions park the task in `input_required` until `tasks/update` answers them.
 *
 * @example
 * ```ts
 * import type { TaskWork } from "./tasks.ts";
 * const work: TaskWork = async (ctx) => ({ content: [{ type: "text", text: ctx.signal.aborted ? "stopped" : "done" }] });
 * ```
 */
export type TaskWork = (ctx: RequestContext) => Promise<CallToolResult> | CallToolResult;

interface PendingInput {
  question: Question<unknown>;
  resolve(value: unknown): void;
}

/**
 * One task. Only {@link Tasks} creates them; {@link Task.close} is its single end.
 *
 * @example
 * ```ts ignore
 * const task = tasks.get("…");
 * task?.snapshot().status; // "working"
 * ```
 */
export class Task {
  /** The server-minted opaque id. */
  readonly id: string = crypto.randomUUID();
  /** When the task was created (ISO 8601). */
  readonly createdAt: string = new Date().toISOString();
  #status: TaskStatus = "working";
  #lastUpdatedAt = this.createdAt;
  #result: Record<string, unknown> | undefined;
  #error: Record<string, unknown> | undefined;
  readonly #pending = new Map<string, PendingInput>();
  readonly #abort = new AbortController();
  readonly #expiry: ReturnType<typeof setTimeout>;
  readonly #onClose: (task: Task) => void;
  #closed = false;

  /** Made by {@link Tasks.create}; `owner` is the creating principal's identity, `onClose` forgets the task. */
  constructor(readonly owner: string, readonly ttlMs: number, readonly pollIntervalMs: number, onClose: (task: Task) => void) {
    this.#onClose = onClose;
    this.#expiry = setTimeout(() => this.close(), ttlMs);
  }

  /** The status now. */
  get status(): TaskStatus {
    return this.#status;
  }

  /** True once the task reached a terminal status. */
  get terminal(): boolean {
    return this.#status === "completed" || this.#status === "failed" || this.#status === "cancelled";
  }

  /** Aborted when the task is cancelled or closed: the work should stop. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** The flat `Task` fields shared by `CreateTaskResult` and `tasks/get`. */
  envelope(): Record<string, unknown> {
    return { taskId: this.id, status: this.#status, createdAt: this.createdAt, lastUpdatedAt: this.#lastUpdatedAt, ttlMs: this.ttlMs, pollIntervalMs: this.pollIntervalMs };
  }

  /** The `tasks/get` result: the envelope plus `inputRequests`, `result` or `error`. */
  detailed(): Record<string, unknown> {
    const out = this.envelope();
    if (this.#status === "input_required") {
      out.inputRequests = Object.fromEntries([...this.#pending].map(([key, p]) => [key, { method: p.question.method, params: p.question.params }]));
    }
    if (this.#status === "completed" && this.#result) out.result = this.#result;
    if (this.#status === "failed" && this.#error) out.error = this.#error;
    return out;
  }

  /** The asker of the task's work: questions wait in `inputRequests` until `tasks/update` answers them. */
  readonly ask: (questions: Record<string, Question<unknown>>) => Promise<Record<string, unknown>> = (questions) => {
    if (this.terminal) return new Promise(() => {});
    for (const key of Object.keys(questions)) {
      if (this.#pending.has(key)) return Promise.reject(new McpError(ErrorCode.InternalError, `Question key "${key}" is already waiting for an answer`));
    }
    const answers = Object.entries(questions).map(([key, question]) =>
      new Promise<[string, unknown]>((resolve) => this.#pending.set(key, { question, resolve: (value) => resolve([key, value]) }))
    );
    this.#set("input_required");
    return Promise.all(answers).then(Object.fromEntries);
  };

  /** Delivers answers; unknown keys are ignored, a malformed answer is `-32602`. */
  answer(responses: Record<string, unknown>): void {
    const parsed: [PendingInput, unknown][] = [];
    for (const [key, value] of Object.entries(responses)) {
      const pending = this.#pending.get(key);
      if (pending) parsed.push([pending, parseAnswer(key, pending.question, value)]);
    }
    for (const [pending, value] of parsed) {
      for (const [key, p] of this.#pending) if (p === pending) this.#pending.delete(key);
      pending.resolve(value);
    }
    if (this.#status === "input_required" && this.#pending.size === 0) this.#set("working");
  }

  /** Records the outcome of the work (ignored once terminal, e.g. after cancel). */
  settle(outcome: { result: Record<string, unknown> } | { error: Record<string, unknown> }): void {
    if (this.terminal) return;
    this.#pending.clear();
    if ("result" in outcome) {
      this.#result = outcome.result;
      this.#set("completed");
    } else {
      this.#error = outcome.error;
      this.#set("failed");
    }
  }

  /** Cancels a live task (no-op when terminal): status `cancelled`, the work's signal aborts. */
  cancel(): void {
    if (this.terminal) return;
    this.#pending.clear();
    this.#set("cancelled");
    this.#abort.abort(new Error("Task cancelled"));
  }

  /** The one end of the task: stops its timer and work and forgets it. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#expiry);
    this.#pending.clear();
    this.#abort.abort(new Error("Task closed"));
    this.#onClose(this);
  }

  #set(status: TaskStatus): void {
    this.#status = status;
    this.#lastUpdatedAt = new Date().toISOString();
  }
}

/**
 * The task store and the extension's methods. Create one per server and call
 * {@link Tasks.enable}; {@link Tasks.close} ends every task. Shutdown calls it for you: the
 * `close()` of the last handler serving the server ends the store's tasks.
 *
 * @example
 * ```ts
 * import { McpServer } from "./server.ts";
 * import { Tasks } from "./tasks.ts";
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * const tasks = new Tasks({ ttlMs: 60_000 }).enable(server);
 * tasks.tool(server, "report", { description: "Builds a report" }, async () => ({ content: [{ type: "text", text: "done" }] }));
 * tasks.close();
 * ```
 */
export class Tasks {
  readonly #tasks = new Map<string, Task>();
  readonly #ttlMs: number;
  readonly #maxTasks: number;
  readonly #pollIntervalMs: number;
  // Same identity as requestState bindings: `input.principalId` of the server, when set.
  #principalId: (principal: unknown) => string = defaultPrincipalId;

  /** A store with the given bounds (see {@link TasksOptions} for defaults). */
  constructor(options: TasksOptions = {}) {
    this.#ttlMs = Math.max(1, Math.floor(options.ttlMs ?? 600_000));
    this.#maxTasks = Math.max(1, Math.floor(options.maxTasks ?? 1000));
    this.#pollIntervalMs = Math.max(1, Math.floor(options.pollIntervalMs ?? 500));
  }

  /** Tasks held now. */
  get size(): number {
    return this.#tasks.size;
  }

  /**
   * Registers `tasks/get`, `tasks/update`, `tasks/cancel`, advertises the extension, and
   * registers {@link Tasks.close} with the server (`server.own`), so that the `close()` of the
   * last handler serving the server ends every task.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * import { Tasks } from "./tasks.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * new Tasks().enable(server);
   * server.hasMethod("tasks/get"); // true
   * ```
   */
  enable(server: McpServer): this {
    this.#principalId = server.options.input?.principalId ?? defaultPrincipalId;
    server.extension(TASKS_EXTENSION, {});
    // Shutdown reaches the tasks: they end when the last handler serving this server closes.
    server.own(() => this.close());
    server.method("tasks/get", (params, ctx) => ({ ...this.#find(params, ctx).detailed() }));
    server.method("tasks/update", (params, ctx) => {
      const task = this.#find(params, ctx);
      const responses = params.inputResponses;
      if (typeof responses !== "object" || responses === null || Array.isArray(responses)) {
        throw new McpError(ErrorCode.InvalidParams, "tasks/update needs an inputResponses object");
      }
      task.answer(responses as Record<string, unknown>);
      return {};
    });
    server.method("tasks/cancel", (params, ctx) => {
      this.#find(params, ctx).cancel();
      return {};
    });
    return this;
  }

  /**
   * True when this request may get a `CreateTaskResult`: a 2026 request whose client
   * capabilities (session-level or the request's `_meta`) declare the extension.
   *
   * @example
   * ```ts ignore
   * if (!tasks.supported(ctx)) return quickAnswer();
   * ```
   */
  supported(ctx: RequestContext): boolean {
    if (!isModernVersion(ctx.protocolVersion)) return false;
    const extensions = ctx.clientCapabilities.extensions;
    return typeof extensions === "object" && extensions !== null && TASKS_EXTENSION in extensions;
  }

  /**
   * The `-32021` error for a request that needs a task from a client without the extension.
   *
   * @example
   * ```ts ignore
   * if (!tasks.supported(ctx)) throw tasks.missingCapability();
   * ```
   */
  missingCapability(): McpError {
    return new McpError(ErrorCode.MissingRequiredClientCapability, `This request needs the ${TASKS_EXTENSION} extension`, {
      requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
    });
  }

  /**
   * Starts `work` as a task and returns the `CreateTaskResult` to answer the `tools/call`
   * with. The task exists before this returns, so an immediate `tasks/get` finds it.
   * Throws `-32021` when the client did not declare the extension. A handler may first ask
   * for input in the request (`input_required` rounds) and then escalate to a task.
   *
   * @example
   * ```ts ignore
   * server.tool("deploy", {}, async (_args, ctx) => {
   *   const answer = await ctx.elicit("Which environment?", z.object({ env: z.string() }));
   *   return tasks.create(ctx, async (taskCtx) => await deploy(answer, taskCtx.signal));
   * });
   * ```
   */
  create(ctx: RequestContext, work: TaskWork): CallToolResult {
    if (!this.supported(ctx)) throw this.missingCapability();
    this.#makeRoom();
    const task = new Task(this.#principalId(ctx.principal), this.#ttlMs, this.#pollIntervalMs, (t) => this.#tasks.delete(t.id));
    this.#tasks.set(task.id, task);
    const view = withAsker(ctx, task.ask, task.signal);
    Promise.resolve()
      .then(() => work(view))
      .then(
        (result) => task.settle({ result: result as unknown as Record<string, unknown> }),
        (error) => {
          // As in a synchronous call: McpError is a protocol failure, anything else a tool error.
          if (error instanceof McpError) {
            const shaped: Record<string, unknown> = { code: error.code, message: error.message };
            if (error.data !== undefined) shaped.data = error.data;
            task.settle({ error: shaped });
          } else {
            task.settle({ result: { content: [{ type: "text", text: error instanceof Error ? error.message : String(error) }], isError: true } });
          }
        },
      );
    return { resultType: "task", ...task.envelope() } as unknown as CallToolResult;
  }

  /**
   * Registers a tool that runs as a task: with `optional` support it runs synchronously for
   * clients without the extension; with `required` they get `-32021`. The listing carries
   * `execution.taskSupport`.
   *
   * @example
   * ```ts ignore
   * tasks.tool(server, "report", { description: "Builds a report" }, async (_args, ctx) => buildReport(ctx.signal), "required");
   * ```
   */
  tool<S extends ToolSchema | undefined>(server: McpServer, name: string, definition: ToolDefinition<S>, handler: ToolHandler<S>, support: TaskSupport = "optional"): this {
    // The CreateTaskResult would fail the sync output check, and the task path has none yet.
    if (definition.outputSchema !== undefined) throw new TypeError(`Task tool ${name}: outputSchema is not supported on task tools yet`);
    const execution = { ...(definition.execution as Record<string, unknown> | undefined), taskSupport: support };
    server.tool(name, { ...definition, execution }, (args, ctx) => {
      if (!this.supported(ctx)) {
        if (support === "required") throw this.missingCapability();
        return handler(args, ctx);
      }
      return this.create(ctx, (taskCtx) => handler(args, taskCtx));
    });
    return this;
  }

  /**
   * Ends every task (idempotent per task). Shutdown runs it: `createHandler(...).close()` of the
   * last handler serving an enabled server. The store stays usable afterwards.
   *
   * @example
   * ```ts
   * import { Tasks } from "./tasks.ts";
   * const tasks = new Tasks();
   * tasks.close();
   * tasks.size; // 0
   * ```
   */
  close(): void {
    for (const task of [...this.#tasks.values()]) task.close();
  }

  #find(params: Record<string, unknown>, ctx: RequestContext): Task {
    if (!this.supported(ctx)) throw this.missingCapability();
    const id = params.taskId;
    if (typeof id !== "string") throw new McpError(ErrorCode.InvalidParams, "taskId is required");
    const task = this.#tasks.get(id);
    // Another principal's task is as unknown as a missing one.
    if (!task || task.owner !== this.#principalId(ctx.principal)) throw new McpError(ErrorCode.InvalidParams, `Unknown task: ${id}`);
    return task;
  }

  #makeRoom(): void {
    if (this.#tasks.size < this.#maxTasks) return;
    for (const task of this.#tasks.values()) {
      if (task.terminal) {
        task.close();
        return;
      }
    }
    throw new McpError(ErrorCode.InternalError, `Too many tasks (at most ${this.#maxTasks}); try again later`);
  }
}
