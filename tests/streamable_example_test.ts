import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "./_sdk.ts";
import { StreamableHTTPClientTransport } from "./_sdk.ts";
import { SSEClientTransport } from "./_sdk.ts";

interface Child {
  url: Promise<string>;
  kill(): Promise<void>;
}

/** Starts examples/server.ts on this runtime with PORT=0 and reads its URL from stdout. */
function startExample(): Child {
  const g = globalThis as Record<string, any>;
  const env = { ...(g.Bun ? g.process.env : g.Deno.env.toObject()), PORT: "0" };
  let stdout: ReadableStream<Uint8Array>;
  let kill: () => Promise<void>;
  if (g.Bun) {
    const child = g.Bun.spawn([g.process.execPath, "run", "examples/server.ts"], { env, stdout: "pipe", stderr: "inherit" });
    stdout = child.stdout;
    kill = async () => {
      child.kill();
      await child.exited;
    };
  } else {
    const child = new g.Deno.Command(g.Deno.execPath(), {
      args: ["run", "--allow-net", "--allow-env", "examples/server.ts"],
      env,
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    stdout = child.stdout;
    kill = async () => {
      child.kill("SIGTERM");
      await child.status;
    };
  }
  const url = (async () => {
    const reader = stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (true) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`example server exited: ${text}`);
      text += value;
      const match = /Streamable HTTP: (http:\/\/127\.0\.0\.1:\d+)\/mcp/.exec(text);
      if (match) {
        // Keep draining stdout so the child never blocks on a full pipe.
        void (async () => {
          while (!(await reader.read().catch(() => ({ done: true }))).done);
        })();
        return match[1];
      }
    }
  })();
  return { url, kill };
}

test("npm start's example server answers an SDK client over /mcp and over /sse", async () => {
  const child = startExample();
  try {
    const base = await child.url;
    for (const transport of [new StreamableHTTPClientTransport(new URL(`${base}/mcp`)), new SSEClientTransport(new URL(`${base}/sse`))]) {
      const client = new Client({ name: "example-test", version: "1" });
      try {
        await client.connect(transport);
        const tools = await client.listTools();
        assert.ok(tools.tools.some((t) => t.name === "calculate"));
        const result = await client.callTool({ name: "calculate", arguments: { op: "multiply", a: 6, b: 7 } });
        assert.deepEqual(result.structuredContent, { value: 42 });
      } finally {
        await client.close();
      }
    }
  } finally {
    await child.kill();
  }
});
