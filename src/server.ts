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
  isPlainRecord,
  McpError,
} from "./jsonrpc.ts";
import { HandlerContext, type Implementation, type RequestContext, withAsker } from "./context.ts";
import { type Asker, INPUT_DEFAULTS, type InputOptions, requestAsker } from "./input.ts";
import { INPUT_REQUIRED_METHODS, InputRound } from "./input_required.ts";
import { RequestStateSealer } from "./request_state.ts";
import { defineTool, type RegisteredTool, type ToolDefinition, type ToolHandler, type ToolSchema } from "./tools.ts";
import { isModernVersion, MODERN_VERSIONS, negotiateVersion } from "./versions.ts";
import { type CacheHint, combineHints, DEFAULT_DISCOVER_TTL_MS, DEFAULT_TTL_MS, type ResolvedCacheHint, resolveHint } from "./caching.ts";
import { paginate } from "./pagination.ts";
import {
  parseUriParams,
  ResourceCatalog,
  type ResourceDescription,
  type ResourceReader,
  type ResourceTemplateDefinition,
  type TemplateReader,
} from "./resources.ts";
import {
  definePrompt,
  parseGetPromptParams,
  type PromptArgs,
  type PromptDefinition,
  type PromptHandler,
  type RegisteredPrompt,
} from "./prompts.ts";
import { complete, type Completer, parseCompleteParams } from "./completion.ts";

/**
 * Options of an {@link McpServer}.
 *
 * @example
 * ```ts
 * import { McpServer, type McpServerOptions } from "./server.ts";
 * const options: McpServerOptions = { instructions: "Use `search` before `fetch`.", pageSize: 50, cache: { ttlMs: 60_000 } };
 * const server = new McpServer({ name: "demo", version: "1.0.0" }, options);
 * ```
 */
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
  /** Items per page of `tools/list`, `resources/list`, `resources/templates/list`, `prompts/list`. Default 100. */
  pageSize?: number;
  /** 2026 caching hint for list results and `resources/read` (default `ttlMs: 0`). */
  cache?: CacheHint;
  /** 2026 caching hint for `server/discover` (default `ttlMs: 300000`). */
  discoverCache?: CacheHint;
}

/**
 * Computes the caching hint of one method's result from its params and context.
 *
 * @example
 * ```ts
 * import { type CacheHintProvider, McpServer } from "./server.ts";
 * const perUser: CacheHintProvider = (_params, ctx) => (ctx.principal === undefined ? undefined : { cacheScope: "private" });
 * new McpServer({ name: "demo", version: "1.0.0" }).cacheHintProvider("prompts/list", perUser);
 * ```
 */
export type CacheHintProvider = (params: Record<string, unknown>, ctx: RequestContext) => CacheHint | undefined;

/**
 * A request method implementation in the server core.
 *
 * @example
 * ```ts
 * import { McpServer, type MethodHandler } from "./server.ts";
 * const hello: MethodHandler = (params) => ({ hello: String(params.name ?? "world") });
 * new McpServer({ name: "demo", version: "1.0.0" }).method("custom/hello", hello);
 * ```
 */
export type MethodHandler = (params: Record<string, unknown>, ctx: RequestContext) => Promise<Record<string, unknown>> | Record<string, unknown>;

/**
 * Receives notifications the server publishes to every connected client (e.g. list changes).
 *
 * @example
 * ```ts
 * import { type ChangeListener, McpServer } from "./server.ts";
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * const log: ChangeListener = (notification) => console.log(notification.method);
 * const stop = server.subscribe(log);
 * stop();
 * ```
 */
export type ChangeListener = (notification: JsonRpcNotification) => void;

/**
 * What a session keeps from `initialize`.
 *
 * @example
 * ```ts
 * import { type InitializeOutcome, McpServer } from "./server.ts";
 * const outcome: InitializeOutcome = new McpServer({ name: "demo", version: "1.0.0" }).initialize({
 *   protocolVersion: "2025-11-25",
 *   capabilities: {},
 *   clientInfo: { name: "client", version: "1" },
 * });
 * outcome.protocolVersion; // "2025-11-25"
 * ```
 */
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

/** What `initialize` keeps of its params once they are valid. */
type InitializeParams = { protocolVersion: string; capabilities: Record<string, unknown>; clientInfo: { name: string; version: string } };

/**
 * The zod-free check of the common, well-formed `initialize` params: the params themselves when
 * InitializeParamsSchema accepts them for sure, else undefined and the schema decides (and words
 * the error). Never rejects anything the schema would accept; zod ran on every session setup.
 */
function wellFormedInitializeParams(params: Record<string, unknown> | undefined): InitializeParams | undefined {
  if (!isPlainRecord(params) || typeof params.protocolVersion !== "string") return undefined;
  const { capabilities, clientInfo } = params;
  if (!isPlainRecord(capabilities) || !isPlainRecord(clientInfo)) return undefined;
  if (typeof clientInfo.name !== "string" || typeof clientInfo.version !== "string") return undefined;
  return params as InitializeParams;
}

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
  readonly #extensions = new Map<string, Record<string, unknown>>();
  readonly #resources = new ResourceCatalog();
  readonly #prompts = new Map<string, RegisteredPrompt>();
  /** capabilities() derived from what is registered; dropped whenever a registration changes. */
  #capabilitiesCache: Record<string, unknown> | undefined;
  #capabilitiesCacheFrom: Record<string, unknown> | undefined;
  readonly #methods = new Map<string, MethodHandler>();
  readonly #listeners = new Set<ChangeListener>();
  /** Ends of server-wide state (e.g. a Tasks store) that must not outlive the last handler serving the server. */
  readonly #owned = new Set<() => void>();
  #handlers = 0;
  readonly #cacheHints = new Map<string, CacheHintProvider>();
  readonly #sealer: RequestStateSealer;
  readonly #limits: { maxRounds: number; maxInputBytes: number };
  /** True when {@link McpServer.#limits} are the defaults a {@link HandlerContext} asks with by itself. */
  readonly #defaultLimits: boolean;
  #lastVersion: string | undefined = undefined;
  #lastModern = false;

  /** A server named by `info` (its `serverInfo`), with optional instructions and capabilities. */
  constructor(info: Implementation, options: McpServerOptions = {}) {
    this.info = info;
    this.options = options;
    this.#sealer = new RequestStateSealer(options.input);
    this.#limits = {
      maxRounds: options.input?.maxRounds ?? INPUT_DEFAULTS.maxRounds,
      maxInputBytes: options.input?.maxInputBytes ?? INPUT_DEFAULTS.maxInputBytes,
    };
    this.#defaultLimits = this.#limits.maxRounds === INPUT_DEFAULTS.maxRounds && this.#limits.maxInputBytes === INPUT_DEFAULTS.maxInputBytes;
    const pageSize = options.pageSize ?? 100;
    const page = (key: string, items: readonly unknown[], cursor: unknown) => {
      const { page, nextCursor } = paginate(items, cursor, pageSize);
      return nextCursor === undefined ? { [key]: page } : { [key]: page, nextCursor };
    };
    this.#methods.set("ping", () => ({}));
    this.#methods.set("tools/list", (p) => page("tools", [...this.#tools.values()].map((t) => t.listing), p.cursor));
    this.#methods.set("tools/call", (params, ctx) => this.#callTool(params, ctx));
    this.#methods.set("resources/list", async (p, ctx) => page("resources", await this.#resources.listings(ctx), p.cursor));
    this.#methods.set("resources/templates/list", (p) => page("resourceTemplates", this.#resources.templateListings(), p.cursor));
    this.#methods.set("resources/read", (p, ctx) => this.#resources.read(parseUriParams(p, "resources/read"), ctx));
    this.#methods.set("resources/subscribe", (p, ctx) => {
      const uri = parseUriParams(p, "resources/subscribe");
      this.#resources.assertKnown(uri);
      this.#subscriptionsOf(ctx, "resources/subscribe").add(uri);
      return {};
    });
    this.#methods.set("resources/unsubscribe", (p, ctx) => {
      const uri = parseUriParams(p, "resources/unsubscribe");
      this.#subscriptionsOf(ctx, "resources/unsubscribe").delete(uri);
      return {};
    });
    this.#methods.set("prompts/list", (p) => page("prompts", [...this.#prompts.values()].map((t) => t.listing), p.cursor));
    this.#methods.set("prompts/get", (p, ctx) => {
      const { name, arguments: args } = parseGetPromptParams(p);
      const prompt = this.#prompts.get(name);
      if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
      return prompt.get(args, ctx);
    });
    this.#methods.set("completion/complete", (p, ctx) => this.#complete(p, ctx));
    this.#methods.set("server/discover", () => this.discover());
    // Each item's hint (or the server's, for items without one) bounds the whole result.
    const bound = (hints: (CacheHint | undefined)[]) =>
      hints.some((h) => h !== undefined) ? combineHints(hints.map((h) => ({ ...this.options.cache, ...stripUndefined(h ?? {}) }))) : undefined;
    this.#cacheHints.set("tools/list", () => bound([...this.#tools.values()].map((t) => t.cache)));
    this.#cacheHints.set("resources/list", () => bound(this.#resources.cacheHints()));
    this.#cacheHints.set("resources/read", (p) => typeof p.uri === "string" ? this.#resources.cacheHintOf(p.uri) : undefined);
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
   * Sets how the caching hint of `method`'s results is computed; the server's `cache` option
   * fills what the provider leaves unset. Tools and resources already contribute their own
   * `cache` hints to `tools/list`, `resources/list` and `resources/read`.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * server.cacheHintProvider("prompts/list", () => ({ ttlMs: 60_000 }));
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
   * Registers a fixed resource, listed in `resources/list` and read by its exact URI.
   * Registering after clients connected publishes `notifications/resources/list_changed`.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * server.resource("config://app", { name: "app-config", mimeType: "application/json" }, (uri) => ({
   *   contents: [{ uri, mimeType: "application/json", text: JSON.stringify({ debug: false }) }],
   * }));
   * ```
   */
  resource(uri: string, description: ResourceDescription, read: ResourceReader): this {
    this.#resources.add(uri, description, read);
    this.#capabilitiesCache = undefined;
    this.publish({ jsonrpc: "2.0", method: "notifications/resources/list_changed" });
    return this;
  }

  /**
   * Registers a resource template (RFC 6570). `resources/read` of a URI that matches it calls
   * `read` with the template's variables; `definition.complete` offers completions for them.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * server.resourceTemplate("users://{id}/profile", {
   *   name: "user-profile",
   *   mimeType: "application/json",
   *   complete: { id: (value) => ["1", "2", "42"].filter((id) => id.startsWith(value)) },
   * }, (uri, { id }) => ({ contents: [{ uri, text: JSON.stringify({ id }) }] }));
   * ```
   */
  resourceTemplate(uriTemplate: string, definition: ResourceTemplateDefinition, read: TemplateReader): this {
    this.#resources.addTemplate(uriTemplate, definition, read);
    this.#capabilitiesCache = undefined;
    this.publish({ jsonrpc: "2.0", method: "notifications/resources/list_changed" });
    return this;
  }

  /**
   * Removes a fixed resource; publishes `notifications/resources/list_changed` when it existed.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * new McpServer({ name: "demo", version: "1.0.0" }).removeResource("config://app"); // false
   * ```
   */
  removeResource(uri: string): boolean {
    const existed = this.#resources.remove(uri);
    this.#capabilitiesCache = undefined;
    if (existed) this.publish({ jsonrpc: "2.0", method: "notifications/resources/list_changed" });
    return existed;
  }

  /**
   * Removes a resource template; publishes `notifications/resources/list_changed` when it existed.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * new McpServer({ name: "demo", version: "1.0.0" }).removeResourceTemplate("users://{id}/profile"); // false
   * ```
   */
  removeResourceTemplate(uriTemplate: string): boolean {
    const existed = this.#resources.removeTemplate(uriTemplate);
    this.#capabilitiesCache = undefined;
    if (existed) this.publish({ jsonrpc: "2.0", method: "notifications/resources/list_changed" });
    return existed;
  }

  /**
   * Tells subscribed clients that a resource changed (`notifications/resources/updated`).
   * Only sessions that subscribed to `uri` receive it.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * server.resourceUpdated("config://app");
   * ```
   */
  resourceUpdated(uri: string): void {
    this.publish({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri } });
  }

  /**
   * Registers a prompt. A zod object as `arguments` is published as the argument list and
   * validated on every `prompts/get`. Registering after clients connected publishes
   * `notifications/prompts/list_changed`.
   *
   * @example
   * ```ts
   * import { z } from "zod";
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * server.prompt("review", {
   *   description: "Review a piece of code",
   *   arguments: z.object({ code: z.string().describe("The code") }),
   * }, ({ code }) => ({ messages: [{ role: "user", content: { type: "text", text: `Review:\n${code}` } }] }));
   * ```
   */
  prompt<A extends PromptArgs | undefined>(name: string, definition: PromptDefinition<A>, handler: PromptHandler<A>): this {
    this.#prompts.set(name, definePrompt(name, definition, handler));
    this.#capabilitiesCache = undefined;
    this.publish({ jsonrpc: "2.0", method: "notifications/prompts/list_changed" });
    return this;
  }

  /**
   * Removes a prompt; publishes `notifications/prompts/list_changed` when it existed.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * new McpServer({ name: "demo", version: "1.0.0" }).removePrompt("review"); // false
   * ```
   */
  removePrompt(name: string): boolean {
    const existed = this.#prompts.delete(name);
    this.#capabilitiesCache = undefined;
    if (existed) this.publish({ jsonrpc: "2.0", method: "notifications/prompts/list_changed" });
    return existed;
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
    this.#capabilitiesCache = undefined;
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
    this.#capabilitiesCache = undefined;
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
   * new McpServer({ name: "demo", version: "1.0.0" }).capabilities(); // { logging: {} }
   * ```
   */
  capabilities(): Record<string, unknown> {
    return { ...this.#currentCapabilities() };
  }

  /** The cached capabilities (rebuilt only after a registration changed); callers must not mutate it. */
  #currentCapabilities(): Record<string, unknown> {
    // Every initialize advertises them: building them anew each time costs a template listing.
    if (this.#capabilitiesCache !== undefined && this.#capabilitiesCacheFrom === this.options.capabilities) return this.#capabilitiesCache;
    this.#capabilitiesCacheFrom = this.options.capabilities;
    return this.#capabilitiesCache = this.#deriveCapabilities();
  }

  #deriveCapabilities(): Record<string, unknown> {
    // Derived from what is registered: a client learns only of features that exist.
    // `logging` is always there: every session supports `logging/setLevel` and `ctx.log`.
    const derived: Record<string, unknown> = { logging: {} };
    if (this.#tools.size > 0) derived.tools = { listChanged: true };
    if (this.#resources.size > 0) derived.resources = { subscribe: true, listChanged: true };
    if (this.#prompts.size > 0) derived.prompts = { listChanged: true };
    if (this.#prompts.size > 0 || this.#resources.templateListings().length > 0) derived.completions = {};
    if (this.#extensions.size > 0) derived.extensions = Object.fromEntries(this.#extensions);
    return { ...derived, ...this.options.capabilities };
  }

  /**
   * Advertises an extension under `capabilities.extensions[id]` (e.g. the tasks extension,
   * which registers itself here). Returns the server for chaining.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * new McpServer({ name: "demo", version: "1.0.0" }).extension("com.example/ext", {}).capabilities().extensions; // { "com.example/ext": {} }
   * ```
   */
  extension(id: string, settings: Record<string, unknown> = {}): this {
    this.#extensions.set(id, settings);
    this.#capabilitiesCache = undefined;
    return this;
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
    let data = wellFormedInitializeParams(params);
    if (data === undefined) {
      const parsed = InitializeParamsSchema.safeParse(params ?? {});
      if (!parsed.success) {
        throw new McpError(ErrorCode.InvalidParams, `Invalid initialize params: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
      }
      data = parsed.data;
    }
    const protocolVersion = negotiateVersion(data.protocolVersion);
    const result: Record<string, unknown> = {
      protocolVersion,
      capabilities: this.capabilities(),
      serverInfo: this.info,
    };
    if (this.options.instructions !== undefined) result.instructions = this.options.instructions;
    return {
      result,
      protocolVersion,
      clientInfo: data.clientInfo as Implementation,
      clientCapabilities: data.capabilities,
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
  handle(request: JsonRpcRequest, ctx: RequestContext): Promise<JsonRpcResponse> {
    const response = this.dispatch(request, ctx);
    return response instanceof Promise ? response : Promise.resolve(response);
  }

  /**
   * {@link McpServer.handle} without a promise where none is needed: the response itself when
   * the method's handler answered (or threw) synchronously, a promise of it when the handler
   * returned one. Never throws. Lets a transport answer a sync handler within the same call,
   * with no microtask turn and no handler deadline to start and stop.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * import { createContext } from "./context.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * const request = { jsonrpc: "2.0" as const, id: 1, method: "ping" };
   * const { context } = createContext({ protocolVersion: "2025-11-25", clientCapabilities: {}, send() {} }, request, new AbortController().signal);
   * server.dispatch(request, context); // { jsonrpc: "2.0", id: 1, result: {} }, not a promise
   * ```
   */
  dispatch(request: JsonRpcRequest, ctx: RequestContext): JsonRpcResponse | Promise<JsonRpcResponse> {
    const method = this.#methods.get(request.method);
    if (!method) return errorResponse(request.id, ErrorCode.MethodNotFound, `Method not found: ${request.method}`);
    let outcome: Promise<Record<string, unknown>> | Record<string, unknown>;
    try {
      outcome = this.#run(method, request.method, request.params ?? {}, ctx);
    } catch (error) {
      return failureResponse(request.id, error);
    }
    if (isPromiseLike(outcome)) {
      return Promise.resolve(outcome).then(
        (result): JsonRpcResponse => ({ jsonrpc: "2.0", id: request.id, result }),
        (error) => failureResponse(request.id, error),
      );
    }
    return { jsonrpc: "2.0", id: request.id, result: outcome };
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
   * Registers the end of server-wide state that must not outlive the server being served (a
   * `Tasks` store registers its `close()` in `enable`). `close` runs each time the last
   * handler serving this server shuts down (see {@link McpServer.attach}). Returns the
   * unregistration.
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * const timer = setInterval(() => {}, 60_000);
   * const forget = server.own(() => clearInterval(timer));
   * forget(); // ended by hand instead
   * clearInterval(timer);
   * ```
   */
  own(close: () => void): () => void {
    this.#owned.add(close);
    return () => this.#owned.delete(close);
  }

  /**
   * Counts one more handler serving this server; returns its idempotent detach. When the last
   * attached handler detaches, every end registered with {@link McpServer.own} runs. Called by
   * `createHandler` (attach on creation, detach at the end of its `close()`).
   *
   * @example
   * ```ts
   * import { McpServer } from "./server.ts";
   * const server = new McpServer({ name: "demo", version: "1.0.0" });
   * const detach = server.attach();
   * server.own(() => console.log("ended"));
   * detach(); // logs "ended"
   * ```
   */
  attach(): () => void {
    this.#handlers++;
    let detached = false;
    return () => {
      if (detached) return;
      detached = true;
      if (--this.#handlers > 0) return;
      for (const close of [...this.#owned]) {
        try {
          close();
        } catch {
          // One failing end must not keep the others alive.
        }
      }
    };
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
  #run(method: MethodHandler, name: string, params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> | Record<string, unknown> {
    // Not async: a sync handler's result (or throw) goes straight back to handle(), a promise is awaited there once.
    if (!this.#isModern(ctx.protocolVersion)) {
      // A session's own context asks its client with these same limits by itself (built on first
      // use from the same request, capabilities and signal): no view, no closure per request.
      if (this.#defaultLimits && ctx instanceof HandlerContext) return method(params, ctx);
      // The asker (and its round count) is made on the first question: most handlers ask none.
      let asker: Asker | undefined;
      const ask: Asker = (questions, options) =>
        (asker ??= requestAsker({ request: ctx.request, capabilities: ctx.clientCapabilities, signal: ctx.signal, ...this.#limits }))(questions, options);
      // The view reads ctx.signal only if the handler does: no signal is made for those that don't.
      return method(params, withAsker(ctx, ask));
    }
    if (!INPUT_REQUIRED_METHODS.includes(name)) {
      return method(params, withAsker(ctx, refuseInput));
    }
    return this.#runRound(method, name, params, ctx);
  }

  /** True for sessionless (2026) versions; remembers the last answer (one version per workload, mostly). */
  #isModern(version: string): boolean {
    if (version !== this.#lastVersion) {
      this.#lastModern = isModernVersion(version);
      this.#lastVersion = version;
    }
    return this.#lastModern;
  }

  /**
   * A 2026-07-28 request of a method that may ask for input: one `input_required` round. A first
   * round (no `requestState`, no `inputResponses`) has nothing to read, so its handler runs at
   * once, and a sync handler's answer comes back without a promise: such a round cannot have
   * ended before the handler returned (it ends only on a timer, after the handler's questions).
   */
  #runRound(method: MethodHandler, name: string, params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> | Record<string, unknown> {
    if ("inputResponses" in params || "requestState" in params) return this.#runLaterRound(method, name, params, ctx);
    const round = InputRound.first(roundBinding(name, params, ctx), ctx.clientCapabilities, this.#sealer, this.#limits);
    let outcome: Promise<Record<string, unknown>> | Record<string, unknown>;
    try {
      outcome = method(params, roundView(ctx, round));
    } catch (error) {
      round.close();
      throw error;
    }
    if (isPromiseLike(outcome)) return settleRound(round, Promise.resolve(outcome));
    round.close();
    return outcome;
  }

  /** A round with state or answers to read (checked before any handler runs). */
  async #runLaterRound(method: MethodHandler, name: string, params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> {
    // Bad state or malformed answers end here, before any handler runs.
    const round = await InputRound.open(params, roundBinding(name, params, ctx), ctx.clientCapabilities, this.#sealer, this.#limits);
    // The handler sees the params without the round's own fields.
    const { inputResponses: _responses, requestState: _state, ...handlerParams } = params;
    return settleRound(round, Promise.resolve().then(() => method(handlerParams, roundView(ctx, round))));
  }

  #subscriptionsOf(ctx: RequestContext, method: string) {
    if (!ctx.subscriptions) throw new McpError(ErrorCode.MethodNotFound, `${method} needs a session (use subscriptions/listen without one)`);
    return ctx.subscriptions;
  }

  async #complete(params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> {
    const { ref, argument, context } = parseCompleteParams(params);
    let completer: Completer | undefined;
    if (ref.type === "ref/prompt") {
      const prompt = this.#prompts.get(ref.name);
      if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${ref.name}`);
      completer = prompt.complete[argument.name];
    } else {
      const template = this.#resources.template(ref.uri);
      if (!template) {
        // A fixed resource has no arguments to complete: an empty answer, not an error.
        if (this.#resources.has(ref.uri)) return { completion: { values: [], total: 0, hasMore: false } };
        throw new McpError(ErrorCode.InvalidParams, `Unknown resource template: ${ref.uri}`);
      }
      completer = template.complete[argument.name];
    }
    const completion = await complete(completer, argument.value, { arguments: context?.arguments ?? {}, request: ctx });
    return { completion };
  }

  #callTool(params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> | Record<string, unknown> {
    let name: string;
    let args: Record<string, unknown> | undefined;
    if (typeof params.name === "string" && (params.arguments === undefined || isPlainRecord(params.arguments))) {
      // Hot path: what the schema would accept unchanged, without zod.
      name = params.name;
      args = params.arguments;
    } else {
      const parsed = CallToolParamsSchema.safeParse(params);
      if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, "Invalid tools/call params: name is required");
      name = parsed.data.name;
      args = parsed.data.arguments;
    }
    const tool = this.#tools.get(name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    return tool.call(args ?? {}, ctx);
  }
}

/** The error response for a handler that threw or rejected: McpErrors keep their code. */
function failureResponse(id: JsonRpcRequest["id"], error: unknown): JsonRpcResponse {
  if (error instanceof McpError) return errorResponse(id, error.code, error.message, error.data);
  return errorResponse(id, ErrorCode.InternalError, error instanceof Error ? error.message : String(error));
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/** What a round's state is bound to: valid only for the same request (method, target, arguments and principal). */
function roundBinding(name: string, params: Record<string, unknown>, ctx: RequestContext) {
  const target = typeof params.name === "string" ? params.name : typeof params.uri === "string" ? params.uri : "";
  return { method: name, name: target, principal: ctx.principal, salient: params.arguments ?? null };
}

/**
 * The context a round's handler sees: the round's asker, and a signal combined only if the
 * handler reads it (on Deno every AbortSignal.any is kept through young-generation GCs, weak
 * references, and promoted, per request).
 */
function roundView(ctx: RequestContext, round: InputRound): RequestContext {
  return withAsker(ctx, round.ask, () => AbortSignal.any([ctx.signal, round.signal]));
}

type RoundFinish = { kind: "complete"; result: Record<string, unknown> } | { kind: "error"; error: unknown };

/** The answer of a round whose handler returned a promise: the handler's, unless the round ended first. */
async function settleRound(round: InputRound, handled: Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const finished: Promise<RoundFinish> = handled.then((result) => ({ kind: "complete" as const, result }), (error) => ({ kind: "error" as const, error }));
  const first = await Promise.race([finished, round.stopped]);
  round.close();
  // A round that ended wins over whatever the abandoned handler did afterwards.
  const outcome = round.outcome ?? first;
  if (outcome.kind === "error") throw outcome.error;
  return outcome.result;
}

/** The asker of 2026 requests whose method cannot ask for input. */
const refuseInput: Asker = () =>
  Promise.reject(new McpError(ErrorCode.InternalError, `Input can only be asked for while handling ${INPUT_REQUIRED_METHODS.join(", ")}`));

function stripUndefined(hint: CacheHint): CacheHint {
  const out: CacheHint = {};
  if (hint.ttlMs !== undefined) out.ttlMs = hint.ttlMs;
  if (hint.cacheScope !== undefined) out.cacheScope = hint.cacheScope;
  return out;
}
