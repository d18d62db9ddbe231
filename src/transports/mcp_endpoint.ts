/**
 * The MCP endpoint (`<basePath><mcpPath>`): method routing and the checks every POST passes
 * whatever the client's generation — content type (415), body size counted while reading
 * (413), JSON syntax (400/-32700) — before the parsed body is handed to the protocol era that
 * serves it. Today that is Streamable HTTP for 2025 clients; a sessionless era classifies here.
 *
 * @module
 */
import { ErrorCode } from "../jsonrpc.ts";
import { isJsonContentType, jsonRpcErrorResponse, readBody, tooLargeResponse } from "../http.ts";
import type { PlatformArg, TransportContext } from "./context.ts";
import { deleteStreamable, getStreamable, postStreamable } from "./streamable.ts";

/** A POST whose body passed the common checks. */
export interface ParsedPost {
  /** The request (its body has been consumed). */
  request: Request;
  /** The body's text, as read. */
  text: string;
  /** The body parsed as JSON. */
  body: unknown;
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
  if (!isJsonContentType(request.headers)) {
    await request.body?.cancel().catch(() => {});
    return jsonRpcErrorResponse(415, ErrorCode.InvalidRequest, "Unsupported Media Type: Content-Type must be application/json");
  }
  const read = await readBody(request, ctx.options.maxBodyBytes);
  if (!read.ok) {
    return read.reason === "too-large"
      ? tooLargeResponse(ctx.options.maxBodyBytes)
      : jsonRpcErrorResponse(400, ErrorCode.ParseError, "Parse error: the body could not be read as UTF-8");
  }
  try {
    return { request, text: read.text, body: JSON.parse(read.text) };
  } catch {
    return jsonRpcErrorResponse(400, ErrorCode.ParseError, "Parse error: invalid JSON");
  }
}

/**
 * Answers any request to the MCP endpoint.
 *
 * @example
 * ```ts ignore
 * if (pathname === mcpPath) return await handleMcpEndpoint(ctx, request, platform);
 * ```
 */
export async function handleMcpEndpoint(ctx: TransportContext, request: Request, platform: PlatformArg): Promise<Response> {
  switch (request.method) {
    case "POST": {
      const parsed = await readJsonPost(ctx, request);
      if (parsed instanceof Response) return parsed;
      // Era classification goes here: today every POST is a 2025 (session) message.
      return await postStreamable(ctx, request, platform, parsed.body);
    }
    case "GET":
      return getStreamable(ctx, request, platform);
    case "DELETE":
      return deleteStreamable(ctx, request);
    default: {
      const allow = ctx.options.stateless ? "POST" : "GET, POST, DELETE";
      return jsonRpcErrorResponse(405, ErrorCode.InvalidRequest, "Method Not Allowed", { headers: { allow } });
    }
  }
}
