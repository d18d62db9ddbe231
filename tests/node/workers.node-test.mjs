// Cloudflare Workers: the example worker's server (examples/worker.ts, bundled by scripts/test-node.sh to
// .build/worker.js) under Miniflare's workerd, on 127.0.0.1, driven by the official SDK client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { Miniflare } from "miniflare";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";

const script = new URL("../../.build/worker.js", import.meta.url);

async function startWorker(compatibilityFlags) {
  if (!existsSync(script)) throw new Error("Run scripts/test-node.sh: it bundles examples/worker.ts first");
  const mf = new Miniflare({
    modules: true,
    scriptPath: script.pathname,
    compatibilityDate: "2025-06-01",
    compatibilityFlags,
    host: "127.0.0.1",
    port: 0,
  });
  const url = String(await mf.ready).replace(/\/$/, "");
  return { url, close: () => mf.dispose() };
}

async function liveSessions(url) {
  return (await (await fetch(`${url}/__sessions`)).json()).size;
}

async function waitForSessions(url, size, timeoutMs = 5000) {
  const start = Date.now();
  while ((await liveSessions(url)) !== size) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${size} sessions`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Without enable_request_signal, workerd (under Miniflare) never tells the worker about the gone
// client, even when writes go nowhere: the flag is required, as examples/worker.ts says.
for (const flags of [["enable_request_signal"]]) {
  const label = flags.join(", ");
  test(`Workers (workerd, ${label}): SDK client over SSE; a disconnect closes the session at the next keep-alive write, then POST → 404`, async () => {
    const worker = await startWorker(flags);
    const client = new Client({ name: "t", version: "1" });
    try {
      await client.connect(new SSEClientTransport(new URL(`${worker.url}/sse`)));
      const result = await client.callTool({ name: "echo", arguments: { text: "on workerd" } });
      assert.deepEqual(result.content, [{ type: "text", text: "on workerd" }]);
      const { ids } = await (await fetch(`${worker.url}/__sessions`)).json();
      assert.equal(ids.length, 1);
      await client.close();
      await waitForSessions(worker.url, 0);
      const res = await fetch(`${worker.url}/messages?sessionId=${ids[0]}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
      assert.equal(res.status, 404);
      assert.equal((await res.json()).error.code, -32001);
    } finally {
      await client.close();
      await worker.close();
    }
  });
}

// workerd cancels a timer when the request that set it ends: each stream's keep-alive must
// belong to its own request, or one client leaving would stop the others' keep-alive.
test("Workers (workerd): two SSE streams; when the first client goes, the second keeps its keep-alive and its session", async () => {
  const worker = await startWorker(["enable_request_signal"]);
  const opened = [];
  try {
    for (let i = 0; i < 2; i++) {
      const abort = new AbortController();
      const res = await fetch(`${worker.url}/sse`, { headers: { accept: "text/event-stream" }, signal: abort.signal });
      assert.equal(res.status, 200);
      const reader = res.body.getReader();
      assert.match(new TextDecoder().decode((await reader.read()).value), /event: endpoint/);
      opened.push({ abort, reader });
    }
    await waitForSessions(worker.url, 2);
    opened[0].abort.abort();
    await opened[0].reader.cancel().catch(() => {});
    await waitForSessions(worker.url, 1);
    // The keep-alive interval of the test worker is 100 ms: several comments within a second.
    let comments = 0;
    const until = Date.now() + 1000;
    while (Date.now() < until) {
      const next = await Promise.race([opened[1].reader.read(), new Promise((r) => setTimeout(() => r({ idle: true }), 500))]);
      if (next.idle) break;
      assert.equal(next.done, false, "the second stream must not end");
      comments++;
    }
    assert.ok(comments >= 3, `only ${comments} keep-alive chunks in a second`);
    assert.equal(await liveSessions(worker.url), 1);
  } finally {
    for (const { abort } of opened) abort.abort();
    await worker.close();
  }
});
