/**
 * Tether: an MCP server as one Web-standard fetch handler, for Deno, Bun, Node and Workers,
 * whose sessions live exactly as long as their connection says they do.
 *
 * @example
 * ```ts ignore
 * import { z } from "zod";
 * import { createHandler, McpServer } from "@tether/mcp";
 *
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * server.tool("echo", { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({
 *   content: [{ type: "text", text }],
 * }));
 * Deno.serve({ hostname: "127.0.0.1", port: 8787 }, createHandler(server).fetch);
 * ```
 *
 * @module
 */
export { createHandler, type SessionsView, type TetherHandler } from "./src/handler.ts";
export type { PlatformArg } from "./src/transports/context.ts";
export type { Generation, HandlerOptions, ResponseMode } from "./src/options.ts";
export { attachPrincipal, principalOf } from "./src/request_principal.ts";
export type { MessageHandler, MessageHandlerFactory } from "./src/message_handler.ts";
export { closeSseConnections, streamableStats, type StreamableStats } from "./src/transports/session_streams.ts";
export { type EventStore, MemoryEventStore, type MemoryEventStoreOptions, type Replay, type StoredEvent } from "./src/event_store.ts";
export {
  type CacheHintProvider,
  type ChangeListener,
  type InitializeOutcome,
  McpServer,
  type McpServerOptions,
  type MethodHandler,
} from "./src/server.ts";
export type { CacheHint, CacheScope, ResolvedCacheHint } from "./src/caching.ts";
export { type Envelope, missingCapabilityError, requireClientCapabilities } from "./src/envelope.ts";
export { classifyEra, type EraInput, type EraOutcome, type EraRejection, type LegacyRoute, type ModernRoute, type ServedEras } from "./src/era.ts";
export type { ListenFilter } from "./src/listen.ts";
export type {
  CallToolResult,
  ContentBlock,
  JsonSchema,
  ToolAnnotations,
  ToolArgs,
  ToolDefinition,
  ToolHandler,
  ToolSchema,
} from "./src/tools.ts";
export { type ClientRequestOptions, type Implementation, LOGGING_LEVELS, type LoggingLevel, type RequestContext, type ResourceSubscriptions } from "./src/context.ts";
export {
  RESOURCE_NOT_FOUND,
  type ReadResourceResult,
  type ResourceAnnotations,
  type ResourceContents,
  type ResourceDescription,
  type ResourceListing,
  type ResourceReader,
  type ResourceTemplateDefinition,
  type TemplateReader,
} from "./src/resources.ts";
export type {
  GetPromptResult,
  PromptArgs,
  PromptArgValues,
  PromptArgument,
  PromptDefinition,
  PromptHandler,
  PromptMessage,
} from "./src/prompts.ts";
export { type Completer, type Completers, type Completion, type CompletionContext, MAX_COMPLETION_VALUES } from "./src/completion.ts";
export {
  createMessage,
  type CreateMessageParams,
  type CreateMessageResult,
  elicit,
  type ElicitParams,
  type ElicitResult,
  listRoots,
  pingClient,
  type Root,
  type SamplingMessage,
} from "./src/client_requests.ts";
export { UriTemplate, type UriVariables } from "./src/uri_template.ts";
export {
  ErrorCode,
  type JsonRpcError,
  type JsonRpcErrorObject,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type JsonRpcResult,
  McpError,
  type RequestId,
} from "./src/jsonrpc.ts";
export { type CloseReason, type MessageSink, Session, SessionClosedError, type SessionOwned, type SessionTransport } from "./src/session.ts";
export { LATEST_SESSION_VERSION, MODERN_VERSION, MODERN_VERSIONS, SESSION_VERSIONS } from "./src/versions.ts";
export {
  type Answer,
  type Answers,
  type AskOptions,
  elicitation,
  type ElicitAnswer,
  type ElicitValue,
  type InputApi,
  type InputMethod,
  type InputOptions,
  type Question,
  roots,
  type RoundOptions,
  sampling,
  type SamplingAnswer,
  type SamplingParams,
} from "./src/input.ts";
export { INPUT_REQUIRED_METHODS } from "./src/input_required.ts";
export { defaultPrincipalId, type RequestStateOptions, RequestStateSealer, type StateBinding } from "./src/request_state.ts";
export { elicitationSchemaProblem, type JsonSchemaObject, toElicitationSchema } from "./src/elicitation_schema.ts";
export {
  type AuthInfo,
  type Authenticate,
  type AuthOptions,
  bearerAuth,
  type BearerAuthOptions,
  type BearerChallenge,
  bearerChallenge,
  insufficientScopeResponse,
  type Principal,
  type ProtectedResourceMetadata,
  resourceMetadataUrl,
  unauthorizedResponse,
} from "./src/security/auth.ts";
export { LOOPBACK_HOSTS, type OriginPolicy } from "./src/security/origin.ts";
export { SessionRefusedError } from "./src/registry.ts";
export { Task, Tasks, TASKS_EXTENSION, type TaskStatus, type TaskSupport, type TasksOptions, type TaskWork } from "./src/tasks.ts";
