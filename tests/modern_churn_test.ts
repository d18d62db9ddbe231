/**
 * 2026 churn: listens and requests whose clients vanish leave nothing behind.
 * In-process (handler.fetch) so that 1,000 cycles stay fast.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHandler } from "../mod.ts";
import { trackTimers, trackUnhandledRejections } from "./_timers.ts";
import { waitFor } from "./_serve.ts";
import { modernHeaders, modernServer, type Probe, request } from "./_modern.ts";

const BASE = "http://127.0.0.1";

function modernRequest(body: ReturnType<typeof request>, signal: AbortSignal): Request {
  return new Request(`${BASE}/mcp`, { method: "POST", headers: modernHeaders(body), body: JSON.stringify(body), signal });
}

describe("2026 churn", () => {
  test("1,000 listens opened and dropped by the client leave 0 open listens and no timers", async () => {
    const timers = trackTimers();
    const unhandled = trackUnhandledRejections();
    try {
      const handler = createHandler(modernServer(), { keepAliveMs: 15_000 });
      for (let i = 0; i < 1000; i++) {
        const abort = new AbortController();
        const body = request(i, "subscriptions/listen", { notifications: { toolsListChanged: true } });
        const response = await handler.fetch(modernRequest(body, abort.signal));
        assert.equal(response.status, 200);
        const reader = response.body!.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        assert.match(first, /notifications\/subscriptions\/acknowledged/);
        assert.equal(handler.openListens, 1);
        // Alternate the way the client goes: cancel, abort, both.
        if (i % 3 !== 1) await reader.cancel();
        if (i % 3 !== 0) abort.abort();
        assert.equal(handler.openListens, 0, `listen ${i} still open`);
      }
      assert.equal(timers.live(), 0, `timers still pending, set at: ${timers.origins().slice(0, 3).join(" | ")}`);
      await handler.close();
      assert.equal(unhandled.count(), 0);
    } finally {
      unhandled.restore();
      timers.restore();
    }
  });

  test("1,000 requests whose client vanished mid-stream: every handler signal aborted, nothing left", async () => {
    const timers = trackTimers();
    const unhandled = trackUnhandledRejections();
    try {
      const probe: Probe = { aborted: 0, started: 0 };
      const handler = createHandler(modernServer(probe), { keepAliveMs: 15_000 });
      for (let batch = 0; batch < 10; batch++) {
        await Promise.all(Array.from({ length: 100 }, async (_, j) => {
          const i = batch * 100 + j;
          const abort = new AbortController();
          const body = request(i, "tools/call", { name: "wait", arguments: {} }, { progressToken: i });
          const response = await handler.fetch(modernRequest(body, abort.signal));
          assert.equal(response.headers.get("content-type"), "text/event-stream");
          const reader = response.body!.getReader();
          const first = new TextDecoder().decode((await reader.read()).value);
          assert.match(first, /notifications\/progress/);
          if (i % 3 !== 1) await reader.cancel();
          if (i % 3 !== 0) abort.abort();
        }));
      }
      await waitFor(() => probe.aborted === 1000, 5000, "every handler signal to abort");
      assert.equal(probe.started, 1000);
      assert.equal(handler.modernInFlight, 0);
      assert.equal(timers.live(), 0, `timers still pending, set at: ${timers.origins().slice(0, 3).join(" | ")}`);
      await handler.close();
      assert.equal(unhandled.count(), 0);
    } finally {
      unhandled.restore();
      timers.restore();
    }
  });

  test("a listener that stops reading is cut off at maxBufferedBytes: the listen closes, nothing remains", async () => {
    const timers = trackTimers();
    try {
      const server = modernServer();
      const handler = createHandler(server, { keepAliveMs: 15_000, maxBufferedBytes: 2_000 });
      const body = request(1, "subscriptions/listen", { notifications: { toolsListChanged: true } });
      const response = await handler.fetch(modernRequest(body, new AbortController().signal));
      const reader = response.body!.getReader();
      reader.closed.catch(() => {});
      await reader.read(); // the acknowledgement; then the client stops reading
      assert.equal(handler.openListens, 1);
      for (let i = 0; i < 100 && handler.openListens > 0; i++) server.publish({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      assert.equal(handler.openListens, 0);
      assert.equal(timers.live(), 0, `timers still pending, set at: ${timers.origins().slice(0, 3).join(" | ")}`);
      await handler.close();
    } finally {
      timers.restore();
    }
  });

  test("shutdown with no grace period aborts 2026 requests in progress", async () => {
    const probe: Probe = { aborted: 0, started: 0 };
    const handler = createHandler(modernServer(probe), { keepAliveMs: 0 });
    const body = request(1, "tools/call", { name: "wait", arguments: {} });
    const pending = handler.fetch(modernRequest(body, new AbortController().signal));
    await waitFor(() => probe.started === 1, 5000, "the handler to start");
    assert.equal(handler.modernInFlight, 1);
    await handler.close({ graceMs: 0 });
    assert.equal(probe.aborted, 1);
    assert.equal(handler.modernInFlight, 0);
    const response = await pending;
    assert.equal(response.status, 503);
    const error = await response.json();
    assert.deepEqual([error.id, error.error.code], [1, -32603]);
  });
});
