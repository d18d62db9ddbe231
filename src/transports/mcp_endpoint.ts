/**
 * The MCP endpoint (`<basePath><mcpPath>`): method routing and the checks every POST passes
 * whatever the client's generation — content type (415), body size counted while reading
 * (413), JSON syntax (400/-32700) — before the parsed body is handed to the protocol era that
 * serves it: the body's era (see {@link classifyEra}) picks 2026-07-28 (sessionless) or 2025
 * Streamable HTTP; a GET for an event stream without a session id is a 2024-11-05 client.
 *
 * @module
 */
import { ErrorCode } from "../jsonrpc.ts";
import { accepts, type JsonBody, jsonRpcErrorResponse, readJsonBody, readJsonBodyThen } from "../http.ts";
import type { PlatformArg, TransportContext } from "./context.ts";
import { deleteStreamable, getStreamable, postSessionMessage, postStreamable } from "./streamable.ts";
import { openLegacySession } from "./legacy_sse.ts";
import { serveModern } from "./modern.ts";
import { classifyEra, type EraRejection, type ServedEras, sessionMessageOf } from "../era.ts";
import { MODERN_VERSIONS, SESSION_VERSIONS } from "../versions.ts";
import type { ResolvedOptions } from "../options.ts";

/**
 * A POST whose body passed the common checks.
 *
 * @example
 * ```ts
 * import type { ParsedPost } from "./mcp_endpoint.ts";
 * function method(parsed: ParsedPost): unknown {
 *   return (parsed.body as { method?: unknown } | null)?.method;
 * }
 * ```
 */
export interface ParsedPost extends JsonBody {
  /** The request (its body has been consumed). */
  request: Request;
}

/**
 * Reads and parses a POST body once, with the checks every generation shares. Returns the
 * parsed body, or the error response to send.
 *
 * @example
 * ```ts ignore
 * const parsed = await readJsonPost(ctx, request);
 * if (parsed instanceof Response) return parsed;
 * ```
 */
export async function readJsonPost(ctx: TransportContext, request: Request): Promise<ParsedPost | Response> {
  const parsed = await readJsonBody(request, ctx.options.maxBodyBytes);
  return parsed instanceof Response ? parsed : { request, ...parsed };
}

/**
 * Answers any request to the MCP endpoint: a `Response`, or a promise of one (every POST, whose
 * body is read first; after that, a request answered synchronously adds no promise of its own).
 *
 * @example
 * ```ts ignore
 * if (pathname === mcpPath) return await handleMcpEndpoint(ctx, request, platform, messagesPath);
 * ```
 */
export function handleMcpEndpoint(ctx: TransportContext, request: Request, platform: PlatformArg, messagesPath?: string): Response | Promise<Response> {
  const served = servedEras(ctx.options);
  switch (request.method) {
    case "POST": {
      // (Each `request.headers` read costs a runtime call on Bun: read once per POST.)
      const headers = request.headers;
      return readJsonBodyThen(request, ctx.options.maxBodyBytes, headers, (parsed) => postParsed(ctx, request, platform, served, parsed.body, headers));
    }
    case "GET":
    case "DELETE": {
      // One URL for every client: a GET for an event stream that names no session is a
      // 2024-11-05 client looking for its `endpoint` event.
      if (request.method === "GET" && messagesPath !== undefined && isLegacySseOpen(ctx, request)) {
        return openLegacySession(ctx, request, platform, messagesPath);
      }
      if (served.legacyVersions.length === 0) {
        return rejection(classifyEra({ httpMethod: request.method, headers: request.headers }, served) as EraRejection);
      }
      return request.method === "GET" ? getStreamable(ctx, request, platform) : deleteStreamable(ctx, request);
    }
    default: {
      const allow = ctx.options.stateless || served.legacyVersions.length === 0 ? "POST" : "GET, POST, DELETE";
      return jsonRpcErrorResponse(405, ErrorCode.InvalidRequest, "Method Not Allowed", { headers: { allow } });
    }
  }
}

/** The eras a handler's options serve: fixed for the handler, so made once per options object. */
const servedByOptions = new WeakMap<ResolvedOptions, ServedEras>();

/** The eras the endpoint serves, from the `generations` option. */
function servedEras(options: ResolvedOptions): ServedEras {
  let served = servedByOptions.get(options);
  if (served === undefined) {
    served = {
      modernVersions: options.generations.includes("modern") ? MODERN_VERSIONS : [],
      legacyVersions: options.generations.includes("streamable") ? SESSION_VERSIONS : [],
    };
    servedByOptions.set(options, served);
  }
  return served;
}

/** A GET that explicitly accepts an event stream and names no session, where 2024-11-05 is served. */
function isLegacySseOpen(ctx: TransportContext, request: Request): boolean {
  return ctx.options.generations.includes("sse") && !ctx.options.stateless && !request.headers.has("mcp-session-id") &&
    accepts(request.headers, "text/event-stream", false);
}

/** A POST whose body passed the common checks, handed to the era that serves it. */
function postParsed(ctx: TransportContext, request: Request, platform: PlatformArg, served: ServedEras, body: unknown, headers: Headers): Response | Promise<Response> {
  // Nearly every POST: one message of a 2025 session, its era and version header known from
  // one reading (the same outcome as classifying, then checking the version again).
  if (served.legacyVersions.length > 0) {
    const message = sessionMessageOf(body, headers);
    if (message !== undefined) return postSessionMessage(ctx, request, platform, message, headers);
  }
  const outcome = classifyEra({ httpMethod: "POST", headers, body }, served);
  if (outcome.kind === "reject") return rejection(outcome);
  if (outcome.kind === "modern") return serveModern(ctx, request, outcome, platform);
  return postStreamable(ctx, request, platform, body, headers);
}

function rejection(outcome: EraRejection): Response {
  return jsonRpcErrorResponse(outcome.status, outcome.code, outcome.message, { id: outcome.id, data: outcome.data, headers: outcome.headers });
}
