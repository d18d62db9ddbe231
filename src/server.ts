/**
 * The MCP server core: one definition (tools, and the methods they need), shared by every
 * session and every sessionless request. It knows nothing of transports or sessions: each
 * request arrives with a {@link RequestContext} and leaves as a JSON-RPC response.
 *
 * @module
 */
import { z } from "zod";
import {
  ErrorCode,
  errorResponse,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  McpError,
} from "./jsonrpc.ts";
import { type Implementation, type RequestContext, withAsker } from "./context.ts";
import { INPUT_DEFAULTS, type InputOptions, requestAsker } from "./input.ts";
import { INPUT_REQUIRED_METHODS, InputRound } from "./input_required.ts";
import { RequestStateSealer } from "./request_state.ts";
import { defineTool, type RegisteredTool, type ToolDefinition, type ToolHandler, type ToolSchema } from "./tools.ts";
import { MODERN_VERSION, negotiateVersion } from "./versions.ts";

/** Options of an {@link McpServer}. */
export interface McpServerOptions {
  /** Free text sent in the `initialize` result telling the model how to use this server. */
  instructions?: string;
  /** Extra capabilities to advertise, merged over the ones derived from registrations. */
  capabilities?: Record<string, unknown>;
  /**
   * Asking the client for input: the `requestState` key (random per process by default, so
   * 2026 retries must reach the same process; set a shared key to span instances and
   * restarts), its lifetime (default 10 min), and bounds on rounds and sizes.
   */
  input?: InputOptions;
}

/** A request method implementation in the server core. */
export type MethodHandler = (params: Record<string, unknown>, ctx: RequestContext) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** Receives notifications the server publishes to every connected client (e.g. list changes). */
export type ChangeListener = (notification: JsonRpcNotification) => void;

/** What a session keeps from `initialize`. */
export interface InitializeOutcome {
  /** The `initialize` result to send. */
  result: Record<string, unknown>;
  /** The negotiated version. */
  protocolVersion: string;
  /** The client's `clientInfo`, when it sent a valid one. */
  clientInfo?: Implementation;
  /** The client's capabilities (empty when absent). */
  clientCapabilities: Record<string, unknown>;
}

const InitializeParamsSchema = z.object({
  protocolVersion: z.string(),
  capabilities: z.record(z.string(), z.unknown()),
  clientInfo: z.object({ name: z.string(), version: z.string() }).loose(),
}).loose();

const CallToolParamsSchema = z.object({
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()).optional(),
}).loose();

/**
 * An MCP server definition.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { McpServer } from "./server.ts";
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * server.tool("add", {
 *   description: "Adds two numbers",
 *   inputSchema: z.object({ a: z.number(), b: z.number() }),
 * }, ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }));
 * ```
 */
export class McpServer {
  /** `serverInfo` sent to clients. */
  readonly info: Implementation;
  /** The options the server was made with. */
  readonly options: McpServerOptions;
  readonly #tools = new Map<string, RegisteredTool>();
  readonly #methods = new Map<string, MethodHandler>();
  readonly #listeners = new Set<ChangeListener>();
  readonly #sealer: RequestStateSealer;
  readonly #limits: { maxRounds: number; maxInputBytes: number };

  constructor(info: Implementation, options: McpServerOptions = {}) {
    this.info = info;
    this.options = options;
    this.#sealer = new RequestStateSealer(options.input);
    this.#limits = {
      maxRounds: options.input?.maxRounds ?? INPUT_DEFAULTS.maxRounds,
      maxInputBytes: options.input?.maxInputBytes ?? INPUT_DEFAULTS.maxInputBytes,
    };
    this.#methods.set("ping", () => ({}));
    this.#methods.set("tools/list", () => ({ tools: [...this.#tools.values()].map((t) => t.listing) }));
    this.#methods.set("tools/call", (params, ctx) => this.#callTool(params, ctx));
  }

  /**
   * Registers a tool. Registering after clients connected publishes
   * `notifications/tools/list_changed`.
   *
   * @example
   * ```ts
   * import { z } from "zod";
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * server.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({
   *   content: [{ type: "text", text }],
   * }));
   * ```
   */
  tool<S extends ToolSchema | undefined>(name: string, definition: ToolDefinition<S>, handler: ToolHandler<S>): this {
    this.#tools.set(name, defineTool(name, definition, handler));
    this.publish({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    return this;
  }

  /**
   * Removes a tool; publishes `notifications/tools/list_changed` when it existed.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * server.removeTool("echo"); // false: there was none
   * ```
   */
  removeTool(name: string): boolean {
    const existed = this.#tools.delete(name);
    if (existed) this.publish({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    return existed;
  }

  /**
   * Adds or replaces the implementation of a request method (for features beyond tools).
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * server.method("custom/hello", () => ({ hello: "world" }));
   * ```
   */
  method(name: string, handler: MethodHandler): this {
    this.#methods.set(name, handler);
    return this;
  }

  /**
   * The capabilities this server advertises.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * new McpServer({ name: "demo", version: "1.0.0" }).capabilities(); // { tools: { listChanged: true } }
   * ```
   */
  capabilities(): Record<string, unknown> {
    return { tools: { listChanged: true }, ...this.options.capabilities };
  }

  /**
   * Validates `initialize` params and negotiates the version. Throws {@link McpError}
   * (`-32602`) on invalid params.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * server.initialize({ protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "c", version: "1" } })
   *   .protocolVersion; // "2025-06-18"
   * ```
   */
  initialize(params: Record<string, unknown> | undefined): InitializeOutcome {
    const parsed = InitializeParamsSchema.safeParse(params ?? {});
    if (!parsed.success) {
      throw new McpError(ErrorCode.InvalidParams, `Invalid initialize params: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    }
    const protocolVersion = negotiateVersion(parsed.data.protocolVersion);
    const result: Record<string, unknown> = {
      protocolVersion,
      capabilities: this.capabilities(),
      serverInfo: this.info,
    };
    if (this.options.instructions !== undefined) result.instructions = this.options.instructions;
    return {
      result,
      protocolVersion,
      clientInfo: parsed.data.clientInfo as Implementation,
      clientCapabilities: parsed.data.capabilities,
    };
  }

  /**
   * Runs one request (anything but `initialize`) and returns its response. Never throws:
   * handler failures become JSON-RPC errors.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * import { createContext } from "./context.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * const request = { jsonrpc: "2.0" as const, id: 1, method: "ping" };
   * const { context } = createContext({ protocolVersion: "2025-11-25", clientCapabilities: {}, send() {} }, request, new AbortController().signal);
   * await server.handle(request, context); // { jsonrpc: "2.0", id: 1, result: {} }
   * ```
   */
  async handle(request: JsonRpcRequest, ctx: RequestContext): Promise<JsonRpcResponse> {
    const method = this.#methods.get(request.method);
    if (!method) return errorResponse(request.id, ErrorCode.MethodNotFound, `Method not found: ${request.method}`);
    try {
      const result = await this.#run(method, request.method, request.params ?? {}, ctx);
      return { jsonrpc: "2.0", id: request.id, result };
    } catch (error) {
      if (error instanceof McpError) return errorResponse(request.id, error.code, error.message, error.data);
      return errorResponse(request.id, ErrorCode.InternalError, error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * True when the core implements `method`.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * new McpServer({ name: "demo", version: "1.0.0" }).hasMethod("tools/list"); // true
   * ```
   */
  hasMethod(method: string): boolean {
    return this.#methods.has(method);
  }

  /**
   * Subscribes to notifications meant for every client; returns the unsubscribe function.
   * Transports use it to fan list changes and resource updates out to their streams.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * const stop = server.subscribe((n) => console.log(n.method));
   * stop();
   * ```
   */
  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Publishes a notification to every subscribed transport.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * server.publish({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
   * ```
   */
  publish(notification: JsonRpcNotification): void {
    for (const listener of this.#listeners) {
      try {
        listener(notification);
      } catch {
        // One failing audience must not stop the others.
      }
    }
  }

  /**
   * Runs a method handler with the input behaviour of the request's era: server→client
   * requests for sessions, `input_required` rounds for 2026-07-28 `tools/call`,
   * `prompts/get` and `resources/read` (see `input_required.ts`).
   */
  async #run(method: MethodHandler, name: string, params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> {
    if (ctx.protocolVersion < MODERN_VERSION) {
      const asker = requestAsker({ request: ctx.request, capabilities: ctx.clientCapabilities, signal: ctx.signal, ...this.#limits });
      return await method(params, withAsker(ctx, asker, ctx.signal));
    }
    if (!INPUT_REQUIRED_METHODS.includes(name)) {
      const refuse = () => Promise.reject(new McpError(ErrorCode.InternalError, `Input can only be asked for while handling ${INPUT_REQUIRED_METHODS.join(", ")}`));
      return await method(params, withAsker(ctx, refuse, ctx.signal));
    }
    const target = typeof params.name === "string" ? params.name : typeof params.uri === "string" ? params.uri : "";
    const binding = { method: name, name: target, principal: ctx.principal };
    // Bad state or malformed answers end here, before any handler runs.
    const round = await InputRound.open(params, binding, ctx.clientCapabilities, this.#sealer, this.#limits);
    const { inputResponses: _responses, requestState: _state, ...handlerParams } = params;
    const view = withAsker(ctx, round.ask, AbortSignal.any([ctx.signal, round.signal]));
    type Finished = { kind: "complete"; result: Record<string, unknown> } | { kind: "error"; error: unknown };
    const finished: Promise<Finished> = Promise.resolve()
      .then(() => method(handlerParams, view))
      .then((result) => ({ kind: "complete" as const, result }), (error) => ({ kind: "error" as const, error }));
    const first = await Promise.race([finished, round.stopped]);
    round.close();
    // A round that ended wins over whatever the abandoned handler did afterwards.
    const outcome = round.outcome ?? first;
    if (outcome.kind === "error") throw outcome.error;
    return outcome.result;
  }

  async #callTool(params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> {
    const parsed = CallToolParamsSchema.safeParse(params);
    if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, "Invalid tools/call params: name is required");
    const tool = this.#tools.get(parsed.data.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${parsed.data.name}`);
    return await tool.call(parsed.data.arguments ?? {}, ctx);
  }
}
