/**
 * Type-level proof, checked by `tsc -p tsconfig.json`, that Tether's SDK bridge fits the official
 * SDK: a SessionTransport is an SDK `Transport`, and the SDK's servers are `SdkServer`s.
 */
import type { Transport } from "./_sdk.ts";
import type { McpServer } from "./_sdk.ts";
import type { Server } from "./_sdk.ts";
import type { SdkServer, SessionTransport } from "../adapters/sdk.ts";

export type TransportFits = SessionTransport extends Transport ? true : never;
export const transportFits: TransportFits = true;
export type McpServerFits = McpServer extends SdkServer ? true : never;
export const mcpServerFits: McpServerFits = true;
export type ServerFits = Server extends SdkServer ? true : never;
export const serverFits: ServerFits = true;
