/**
 * Resources: fixed resources and RFC 6570 resource templates, listed with cursor pagination
 * and read by URI. One catalog is shared by every session; subscriptions are per session and
 * live in the session (see `ResourceSubscriptions` in context.ts).
 *
 * @module
 */
import { z } from "zod";
import { ErrorCode, McpError } from "./jsonrpc.ts";
import type { RequestContext } from "./context.ts";
import type { Completers } from "./completion.ts";
import type { CacheHint } from "./caching.ts";
import { UriTemplate, type UriVariables } from "./uri_template.ts";

/**
 * MCP's error code for a resource that does not exist (2025-06-18+).
 *
 * @example
 * ```ts
 * import { RESOURCE_NOT_FOUND } from "./resources.ts";
 * import { McpError } from "./jsonrpc.ts";
 * throw new McpError(RESOURCE_NOT_FOUND, "Resource not found", { uri: "file:///missing" });
 * ```
 */
export const RESOURCE_NOT_FOUND: -32002 = -32002;

/**
 * One item of a `resources/read` result: text or base64 `blob`.
 *
 * @example
 * ```ts
 * import type { ResourceContents } from "./resources.ts";
 * const text: ResourceContents = { uri: "file:///a.txt", mimeType: "text/plain", text: "hello" };
 * const binary: ResourceContents = { uri: "file:///a.bin", mimeType: "application/octet-stream", blob: "AAEC" };
 * ```
 */
export type ResourceContents =
  | { uri: string; mimeType?: string; text: string; _meta?: Record<string, unknown>; [key: string]: unknown }
  | { uri: string; mimeType?: string; blob: string; _meta?: Record<string, unknown>; [key: string]: unknown };

/**
 * The result of `resources/read`.
 *
 * @example
 * ```ts
 * import type { ReadResourceResult } from "./resources.ts";
 * const result: ReadResourceResult = { contents: [{ uri: "config://app", text: "{}" }] };
 * ```
 */
export interface ReadResourceResult {
  /** The resource's contents (one or more). */
  contents: ResourceContents[];
  /** Protocol metadata. */
  _meta?: Record<string, unknown>;
  /** Other fields, passed through. */
  [key: string]: unknown;
}

/**
 * Optional hints about a resource.
 *
 * @example
 * ```ts
 * import type { ResourceAnnotations } from "./resources.ts";
 * const annotations: ResourceAnnotations = { audience: ["user"], priority: 0.8 };
 * ```
 */
export interface ResourceAnnotations {
  /** Who the resource is meant for. */
  audience?: ("user" | "assistant")[];
  /** Importance from 0 (least) to 1 (most). */
  priority?: number;
  /** When it last changed (ISO 8601). */
  lastModified?: string;
}

/**
 * How a resource is described in `resources/list`.
 *
 * @example
 * ```ts
 * import type { ResourceDescription } from "./resources.ts";
 * const description: ResourceDescription = { name: "app-config", mimeType: "application/json", description: "The app's settings" };
 * ```
 */
export interface ResourceDescription {
  /** Programmatic name (defaults to the URI). */
  name?: string;
  /** A name to show people. */
  title?: string;
  /** What the resource is. */
  description?: string;
  /** Its media type. */
  mimeType?: string;
  /** Size in bytes, when known. */
  size?: number;
  /** Hints about the resource. */
  annotations?: ResourceAnnotations;
  /** Protocol metadata published with the resource. */
  _meta?: Record<string, unknown>;
  /** 2026 caching hint for reading this resource and for `resources/list` (not published). */
  cache?: CacheHint;
  /** Extra fields published verbatim (e.g. `icons`). */
  [key: string]: unknown;
}

/**
 * An entry of `resources/list`.
 *
 * @example
 * ```ts
 * import type { ResourceListing } from "./resources.ts";
 * const listing: ResourceListing = { uri: "config://app", name: "app-config", mimeType: "application/json" };
 * ```
 */
export interface ResourceListing extends ResourceDescription {
  /** The resource's URI. */
  uri: string;
  /** Programmatic name. */
  name: string;
}

/**
 * Reads a fixed resource.
 *
 * @example
 * ```ts
 * import type { ResourceReader } from "./resources.ts";
 * const read: ResourceReader = (uri) => ({ contents: [{ uri, text: "hello" }] });
 * ```
 */
export type ResourceReader = (uri: string, ctx: RequestContext) => ReadResourceResult | Promise<ReadResourceResult>;

/**
 * Reads a resource whose URI matched a template; `variables` are the template's values.
 *
 * @example
 * ```ts
 * import type { TemplateReader } from "./resources.ts";
 * const read: TemplateReader = (uri, { id }) => ({ contents: [{ uri, text: `user ${id}` }] });
 * ```
 */
export type TemplateReader = (
  uri: string,
  variables: UriVariables,
  ctx: RequestContext,
) => ReadResourceResult | Promise<ReadResourceResult>;

/**
 * How a resource template is described, plus its optional listing and completion hooks.
 *
 * @example
 * ```ts
 * import type { ResourceTemplateDefinition } from "./resources.ts";
 * const definition: ResourceTemplateDefinition = {
 *   name: "user-profile",
 *   mimeType: "application/json",
 *   complete: { id: (value) => ["1", "2"].filter((id) => id.startsWith(value)) },
 * };
 * ```
 */
export interface ResourceTemplateDefinition extends ResourceDescription {
  /** Concrete resources of this template to include in `resources/list`. */
  list?: (ctx: RequestContext) => ResourceListing[] | Promise<ResourceListing[]>;
  /** Completers for the template's variables, used by `completion/complete`. */
  complete?: Completers;
}

/**
 * A registered fixed resource.
 *
 * @example
 * ```ts
 * import { ResourceCatalog } from "./resources.ts";
 * const catalog = new ResourceCatalog();
 * catalog.add("config://app", { name: "app-config" }, (uri) => ({ contents: [{ uri, text: "{}" }] }));
 * catalog.has("config://app"); // true: a RegisteredResource is kept for it
 * ```
 */
export interface RegisteredResource {
  readonly uri: string;
  readonly listing: ResourceListing;
  readonly read: ResourceReader;
  /** The resource's caching hint, when it has one. */
  readonly cache?: CacheHint;
}

/**
 * A registered resource template.
 *
 * @example
 * ```ts
 * import { ResourceCatalog } from "./resources.ts";
 * const catalog = new ResourceCatalog();
 * catalog.addTemplate("users://{id}", { name: "user" }, (uri, { id }) => ({ contents: [{ uri, text: String(id) }] }));
 * catalog.template("users://{id}")?.template.match("users://42"); // { id: "42" }
 * ```
 */
export interface RegisteredResourceTemplate {
  readonly template: UriTemplate;
  /** The `resources/templates/list` entry. */
  readonly listing: Record<string, unknown>;
  readonly list?: ResourceTemplateDefinition["list"];
  readonly complete: Completers;
  readonly read: TemplateReader;
  /** The template's caching hint (for reads of URIs it matches), when it has one. */
  readonly cache?: CacheHint;
}

const UriParamsSchema = z.object({ uri: z.string().min(1) }).loose();

/**
 * Validates the `{ uri }` params of `resources/read`, `resources/subscribe` and
 * `resources/unsubscribe`; throws `-32602` otherwise.
 *
 * @example
 * ```ts
 * import { parseUriParams } from "./resources.ts";
 * parseUriParams({ uri: "test://x" }, "resources/read"); // "test://x"
 * ```
 */
export function parseUriParams(params: Record<string, unknown>, method: string): string {
  const parsed = UriParamsSchema.safeParse(params);
  if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, `Invalid ${method} params: uri (a non-empty string) is required`);
  return parsed.data.uri;
}

function resourceNotFound(uri: string): McpError {
  return new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
}

function checkResult(result: unknown, uri: string): ReadResourceResult {
  const contents = (result as ReadResourceResult | undefined)?.contents;
  if (!Array.isArray(contents)) throw new McpError(ErrorCode.InternalError, `Reader of ${uri} returned no contents array`);
  for (const item of contents) {
    const ok = typeof item?.uri === "string" && (typeof (item as { text?: unknown }).text === "string" || typeof (item as { blob?: unknown }).blob === "string");
    if (!ok) throw new McpError(ErrorCode.InternalError, `Reader of ${uri} returned an item without uri and text or blob`);
  }
  return result as ReadResourceResult;
}

/**
 * The resources of one server: fixed ones by URI, templates in registration order.
 *
 * @example
 * ```ts
 * import { ResourceCatalog } from "./resources.ts";
 * const catalog = new ResourceCatalog();
 * catalog.add("test://hello", { mimeType: "text/plain" }, (uri) => ({ contents: [{ uri, text: "hello" }] }));
 * catalog.addTemplate("test://items/{id}", { name: "item" }, (uri, { id }) => ({ contents: [{ uri, text: `item ${id}` }] }));
 * catalog.has("test://items/7"); // true
 * ```
 */
export class ResourceCatalog {
  readonly #resources = new Map<string, RegisteredResource>();
  readonly #templates = new Map<string, RegisteredResourceTemplate>();

  /** Number of fixed resources plus templates. */
  get size(): number {
    return this.#resources.size + this.#templates.size;
  }

  /** Adds or replaces a fixed resource. */
  add(uri: string, description: ResourceDescription, read: ResourceReader): void {
    if (typeof uri !== "string" || uri === "") throw new TypeError("A resource needs a non-empty URI");
    const { cache, ...published } = description;
    this.#resources.set(uri, { uri, listing: { ...published, uri, name: published.name ?? uri }, read, cache });
  }

  /** Removes a fixed resource; true when it existed. */
  remove(uri: string): boolean {
    return this.#resources.delete(uri);
  }

  /** Adds or replaces a template; throws `SyntaxError` for an invalid RFC 6570 template. */
  addTemplate(uriTemplate: string, definition: ResourceTemplateDefinition, read: TemplateReader): void {
    const template = new UriTemplate(uriTemplate);
    const { list, complete, cache, ...description } = definition;
    const listing = { ...description, uriTemplate, name: description.name ?? uriTemplate };
    this.#templates.set(uriTemplate, { template, listing, list, complete: complete ?? {}, read, cache });
  }

  /** Removes a template; true when it existed. */
  removeTemplate(uriTemplate: string): boolean {
    return this.#templates.delete(uriTemplate);
  }

  /** The template registered under `uriTemplate`. */
  template(uriTemplate: string): RegisteredResourceTemplate | undefined {
    return this.#templates.get(uriTemplate);
  }

  /** True when `uri` names a fixed resource or matches a template. */
  has(uri: string): boolean {
    if (this.#resources.has(uri)) return true;
    for (const t of this.#templates.values()) if (t.template.match(uri)) return true;
    return false;
  }

  /** Every `resources/list` entry: fixed resources, then what templates list. */
  async listings(ctx: RequestContext): Promise<ResourceListing[]> {
    const out = [...this.#resources.values()].map((r) => r.listing);
    for (const t of this.#templates.values()) if (t.list) out.push(...await t.list(ctx));
    return out;
  }

  /** Every `resources/templates/list` entry. */
  templateListings(): Record<string, unknown>[] {
    return [...this.#templates.values()].map((t) => t.listing);
  }

  /** Reads `uri`: the fixed resource first, else the first template it matches; else `-32002`. */
  async read(uri: string, ctx: RequestContext): Promise<ReadResourceResult> {
    const fixed = this.#resources.get(uri);
    if (fixed) return checkResult(await fixed.read(uri, ctx), uri);
    for (const t of this.#templates.values()) {
      const variables = t.template.match(uri);
      if (variables) return checkResult(await t.read(uri, variables, ctx), uri);
    }
    throw resourceNotFound(uri);
  }

  /** The caching hint for reading `uri`: its fixed resource's, else the first matching template's. */
  cacheHintOf(uri: string): CacheHint | undefined {
    const fixed = this.#resources.get(uri);
    if (fixed) return fixed.cache;
    for (const t of this.#templates.values()) if (t.template.match(uri)) return t.cache;
    return undefined;
  }

  /** The hints of every fixed resource (they make up `resources/list`). */
  cacheHints(): (CacheHint | undefined)[] {
    return [...this.#resources.values()].map((r) => r.cache);
  }

  /** Throws `-32002` unless `uri` is known (used by `resources/subscribe`). */
  assertKnown(uri: string): void {
    if (!this.has(uri)) throw resourceNotFound(uri);
  }
}
