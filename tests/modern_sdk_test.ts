import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createHandler } from "../mod.ts";
import { serveHandler, waitFor } from "./_serve.ts";
import { modernServer, type Probe } from "./_modern.ts";

function modernClient(mode: "auto" | { pin: string }) {
  return new Client({ name: "sdk-v2", version: "1" }, { versionNegotiation: { mode } });
}

describe("SDK v2 client pinned to 2026-07-28 against one Tether handler", () => {
  test("discover, list, call with progress (auto mode), listen for a tools list change, cancel by closing the stream", async () => {
    const probe: Probe = { aborted: 0, started: 0 };
    const server = modernServer(probe);
    const handler = createHandler(server, { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    const client = modernClient({ pin: "2026-07-28" });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`)));
      const discovered = client.getDiscoverResult();
      assert.deepEqual(discovered?.supportedVersions, ["2026-07-28"]);
      assert.equal(discovered?.instructions, "Test server");
      assert.equal(client.getServerVersion()?.name, "tether-modern");

      const tools = await client.listTools();
      assert.ok(tools.tools.some((t) => t.name === "progress"));

      const progress: number[] = [];
      const result = await client.callTool({ name: "progress", arguments: {} }, { onprogress: (p) => progress.push(p.progress) });
      assert.deepEqual(progress, [1, 2]);
      assert.deepEqual(result.content, [{ type: "text", text: "finished" }]);

      let changes = 0;
      client.setNotificationHandler("notifications/tools/list_changed", () => {
        changes++;
      });
      const subscription = await client.listen({ toolsListChanged: true });
      assert.deepEqual(subscription.honoredFilter, { toolsListChanged: true });
      assert.equal(handler.openListens, 1);
      server.tool("added", {}, () => ({ content: [] }));
      await waitFor(() => changes === 1, 5000, "the tools list change");
      await subscription.close();
      await waitFor(() => handler.openListens === 0, 5000, "the listen to close");

      const controller = new AbortController();
      const call = client.callTool({ name: "wait", arguments: {} }, { signal: controller.signal, onprogress: () => controller.abort() });
      await assert.rejects(call);
      await waitFor(() => probe.aborted === 1, 5000, "the handler's signal to abort");
      await waitFor(() => handler.modernInFlight === 0, 5000, "nothing of the request to remain");
      assert.equal(handler.sessions.size, 0, "2026 requests never create sessions");
    } finally {
      await client.close();
      await served.close();
    }
  });

  test("versionNegotiation auto picks 2026-07-28 by discovery", async () => {
    const handler = createHandler(modernServer(), { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    const client = modernClient("auto");
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`)));
      assert.deepEqual(client.getDiscoverResult()?.supportedVersions, ["2026-07-28"]);
      const result = await client.callTool({ name: "echo", arguments: { text: "auto" } });
      assert.deepEqual(result.content, [{ type: "text", text: "auto" }]);
      assert.equal(handler.sessions.size, 0);
    } finally {
      await client.close();
      await served.close();
    }
  });

  test("a tool with x-mcp-header arguments: the SDK mirrors them and Tether accepts them", async () => {
    const handler = createHandler(modernServer(), { keepAliveMs: 0 });
    const served = await serveHandler(handler);
    const client = modernClient({ pin: "2026-07-28" });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`)));
      await client.listTools();
      const args = { region: "Zürich ", count: 7, opts: { dry: false } };
      const result = await client.callTool({ name: "region", arguments: args });
      assert.deepEqual(JSON.parse((result.content as Array<{ text: string }>)[0].text), args);
    } finally {
      await client.close();
      await served.close();
    }
  });
});
