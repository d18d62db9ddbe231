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
import type { Implementation, RequestContext } from "./context.ts";
import { defineTool, type RegisteredTool, type ToolDefinition, type ToolHandler, type ToolSchema } from "./tools.ts";
import { MODERN_VERSIONS, negotiateVersion } from "./versions.ts";
import { type CacheHint, combineHints, DEFAULT_DISCOVER_TTL_MS, DEFAULT_TTL_MS, type ResolvedCacheHint, resolveHint } from "./caching.ts";

/** Options of an {@link McpServer}. */
export interface McpServerOptions {
  /** Free text sent in the `initialize` result telling the model how to use this server. */
  instructions?: string;
  /** Extra capabilities to advertise, merged over the ones derived from registrations. */
  capabilities?: Record<string, unknown>;
  /** 2026 caching hint for list results and `resources/read` (default `ttlMs: 0`). */
  cache?: CacheHint;
  /** 2026 caching hint for `server/discover` (default `ttlMs: 300000`). */
  discoverCache?: CacheHint;
}

/** Computes the caching hint of one method's result from its params and context. */
export type CacheHintProvider = (params: Record<string, unknown>, ctx: RequestContext) => CacheHint | undefined;

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
  readonly #cacheHints = new Map<string, CacheHintProvider>();

  constructor(info: Implementation, options: McpServerOptions = {}) {
    this.info = info;
    this.options = options;
    this.#methods.set("ping", () => ({}));
    this.#methods.set("tools/list", () => ({ tools: [...this.#tools.values()].map((t) => t.listing) }));
    this.#methods.set("tools/call", (params, ctx) => this.#callTool(params, ctx));
    this.#methods.set("server/discover", () => this.discover());
    // Each tool's hint (or the server's, for tools without one) bounds the whole list.
    this.#cacheHints.set("tools/list", () => {
      const tools = [...this.#tools.values()];
      if (!tools.some((t) => t.cache !== undefined)) return undefined;
      return combineHints(tools.map((t) => ({ ...this.options.cache, ...stripUndefined(t.cache ?? {}) })));
    });
  }

  /**
   * The `server/discover` result (without the caching hint and `_meta`, which the 2026
   * transport adds): the sessionless versions, capabilities and instructions.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * new McpServer({ name: "demo", version: "1.0.0" }).discover().supportedVersions; // ["2026-07-28"]
   * ```
   */
  discover(): Record<string, unknown> {
    const result: Record<string, unknown> = { supportedVersions: [...MODERN_VERSIONS], capabilities: this.capabilities() };
    if (this.options.instructions !== undefined) result.instructions = this.options.instructions;
    return result;
  }

  /**
   * Sets how the caching hint of `method`'s results is computed (e.g. per resource for
   * `resources/read`); the server's `cache` option fills what the provider leaves unset.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * server.cacheHintProvider("resources/read", (params) => params.uri === "file:///static" ? { ttlMs: 60_000 } : undefined);
   * ```
   */
  cacheHintProvider(method: string, provider: CacheHintProvider): this {
    this.#cacheHints.set(method, provider);
    return this;
  }

  /**
   * The complete caching hint for a result of `method`: the method's provider (per tool,
   * per resource), then the server's option, then the defaults (`private` when the request
   * has an authenticated principal).
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * import { createContext } from "./context.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" }, { cache: { ttlMs: 10_000 } });
   * const { context } = createContext({ protocolVersion: "2026-07-28", clientCapabilities: {}, send() {} },
   *   { id: 1, method: "tools/list" }, new AbortController().signal);
   * server.cacheHint("tools/list", {}, context); // { ttlMs: 10000, cacheScope: "public" }
   * ```
   */
  cacheHint(method: string, params: Record<string, unknown>, ctx: RequestContext): ResolvedCacheHint {
    const discover = method === "server/discover";
    const configured = discover ? this.options.discoverCache : this.options.cache;
    const fallback: ResolvedCacheHint = {
      ttlMs: discover ? DEFAULT_DISCOVER_TTL_MS : DEFAULT_TTL_MS,
      cacheScope: ctx.principal === undefined ? "public" : "private",
    };
    let specific: CacheHint | undefined;
    try {
      specific = this.#cacheHints.get(method)?.(params, ctx);
    } catch {
      specific = undefined;
    }
    return resolveHint({ ...resolveHint(configured, fallback), ...stripUndefined(specific ?? {}) }, fallback);
  }

  /**
   * The published `tools/list` entry of a tool, when it exists (transports read its input
   * schema, e.g. for `x-mcp-header`).
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * new McpServer({ name: "demo", version: "1.0.0" }).toolListing("nope"); // undefined
   * ```
   */
  toolListing(name: string): Record<string, unknown> | undefined {
    return this.#tools.get(name)?.listing;
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
      const result = await method(request.params ?? {}, ctx);
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

  async #callTool(params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> {
    const parsed = CallToolParamsSchema.safeParse(params);
    if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, "Invalid tools/call params: name is required");
    const tool = this.#tools.get(parsed.data.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${parsed.data.name}`);
    return await tool.call(parsed.data.arguments ?? {}, ctx);
  }
}

function stripUndefined(hint: CacheHint): CacheHint {
  const out: CacheHint = {};
  if (hint.ttlMs !== undefined) out.ttlMs = hint.ttlMs;
  if (hint.cacheScope !== undefined) out.cacheScope = hint.cacheScope;
  return out;
}
