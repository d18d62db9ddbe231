// The load-generating process for the workloads wrk cannot drive (they need to read SSE
// streams or hold thousands of them). Run as `node bench/lib/client.mjs '<json task>'`; prints
// progress lines and, last, one JSON line with the result. Every loop is bounded by a count or
// a deadline, and only 127.0.0.1 is contacted.
import { cpuSample, cpuSpent } from "./cpu.mjs";
import { Connection, EventStream, now, percentile } from "./wire.mjs";

const task = JSON.parse(process.argv[2]);
const PROTOCOL = "2025-06-18";
const INIT = (id = 0) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: "bench", version: "1.0.0" } },
  });
const INITIALIZED = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });
const CALL = (id) => JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { text: "hello bench" } } });
const JSON_HEADERS = { "content-type": "application/json" };

function sessionHeaders(accept, sessionId) {
  return { "content-type": "application/json", accept, "mcp-session-id": sessionId, "mcp-protocol-version": PROTOCOL };
}

/** A legacy (2024-11-05) session: its stream, its endpoint, and responses matched by id. */
class LegacySession {
  waiting = new Map();
  constructor(port) {
    this.port = port;
    let ready, fail;
    this.ready = new Promise((resolve, reject) => ((ready = resolve), (fail = reject)));
    this.stream = new EventStream(port, "/sse", {}, ({ event, data }) => {
      if (event === "endpoint") {
        this.endpoint = data;
        this.id = new URL(data, "http://x").searchParams.get("sessionId");
        ready();
      } else if (event === "message") {
        const message = JSON.parse(data);
        const waiter = this.waiting.get(message.id);
        if (waiter) {
          this.waiting.delete(message.id);
          waiter(message);
        }
      }
    });
    this.stream.ended.then(() => fail(new Error("stream ended before endpoint")));
    this.post = new Connection(port);
  }
  /** POSTs a request and resolves with its response from the stream. */
  async call(id, body) {
    const answered = new Promise((resolve) => this.waiting.set(id, resolve));
    const accepted = await this.post.request("POST", this.endpoint, JSON_HEADERS, body);
    if (accepted.status !== 202) {
      this.waiting.delete(id);
      throw new Error(`POST answered ${accepted.status}: ${accepted.body.slice(0, 200)}`);
    }
    return answered;
  }
  async notify(body) {
    const accepted = await this.post.request("POST", this.endpoint, JSON_HEADERS, body);
    if (accepted.status !== 202) throw new Error(`notification answered ${accepted.status}`);
  }
  async open() {
    await this.ready;
    const init = await this.call(0, INIT(0));
    if (!init.result) throw new Error(`initialize failed: ${JSON.stringify(init)}`);
    await this.notify(INITIALIZED);
  }
  close() {
    this.stream.close();
    this.post.close();
  }
}

/** (c) legacy: closed-loop tools/call POST → event on `concurrency` sessions. */
async function legacyLoad() {
  const sessions = [];
  for (let i = 0; i < task.concurrency; i++) sessions.push(new LegacySession(task.port));
  await Promise.all(sessions.map((s) => s.open()));
  const runs = [];
  for (const seconds of task.windows) {
    const latencies = [];
    let bad = 0;
    // The server's CPU over the window (from /proc, when the harness passed its pid): CPU per
    // round trip holds on a shared machine where round trips per second do not.
    const cpuBefore = task.serverPid ? cpuSample(task.serverPid) : undefined;
    // This load generator's own share of its core: near 1, it is the bottleneck, and round trips
    // per second say more about it than about the server.
    const clientBefore = process.cpuUsage();
    const deadline = now() + seconds * 1000;
    const started = now();
    await Promise.all(sessions.map(async (session, index) => {
      let n = 0;
      while (now() < deadline) {
        const id = index * 1e9 + ++n + runs.length * 1e7;
        const t0 = now();
        const response = await session.call(id, CALL(id));
        const t1 = now();
        if (response.result?.content?.[0]?.text === "hello bench") latencies.push(t1 - t0);
        else bad++;
      }
    }));
    const elapsed = (now() - started) / 1000;
    const cpuNs = cpuSpent(cpuBefore, task.serverPid ? cpuSample(task.serverPid) : undefined);
    const client = process.cpuUsage(clientBefore);
    latencies.sort((a, b) => a - b);
    const roundTrips = latencies.length + bad;
    runs.push({
      seconds: elapsed,
      roundTrips: latencies.length,
      rps: latencies.length / elapsed,
      cpu_us: cpuNs / 1000 / roundTrips,
      server_util: cpuNs / 1e9 / elapsed,
      client_util: (client.user + client.system) / 1e6 / elapsed,
      p50_ms: percentile(latencies, 50),
      p99_ms: percentile(latencies, 99),
      bad,
    });
  }
  for (const s of sessions) s.close();
  return { runs };
}

/** (c) latency alone: one session, one request at a time. */
async function legacyLatency() {
  const session = new LegacySession(task.port);
  await session.open();
  const latencies = [];
  for (let i = 1; i <= task.count; i++) {
    const t0 = now();
    await session.call(i, CALL(i));
    latencies.push(now() - t0);
  }
  session.close();
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99) };
}

/** Opens one Streamable HTTP session on `connection`; returns its id. */
async function openStreamable(connection, accept) {
  const init = await connection.request("POST", "/mcp", { "content-type": "application/json", accept }, INIT(1));
  const sessionId = init.headers["mcp-session-id"];
  if (init.status !== 200 || !sessionId) throw new Error(`initialize answered ${init.status}: ${init.body.slice(0, 200)}`);
  const initialized = await connection.request("POST", "/mcp", sessionHeaders(accept, sessionId), INITIALIZED);
  if (initialized.status !== 202) throw new Error(`initialized answered ${initialized.status}`);
  return sessionId;
}

/** Runs `worker(i)` for i in [0, n) with at most `concurrency` at once. */
async function pool(n, concurrency, worker) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, async (_, lane) => {
    while (next < n) await worker(next++, lane);
  }));
}

/** (e) idle sessions: opens `n` sessions each with an open SSE stream, holds them until told. */
async function streams() {
  const held = [];
  const sessionIds = [];
  let failed = 0;
  const started = now();
  const lanes = Array.from({ length: 32 }, () => (task.kind === "streamable" ? new Connection(task.port) : undefined));
  await pool(task.n, 32, async (_, lane) => {
    try {
      if (task.kind === "legacy") {
        const session = new LegacySession(task.port);
        session.post.close(); // Only the stream is needed.
        await session.ready;
        held.push(session.stream);
      } else {
        const sessionId = await openStreamable(lanes[lane], task.accept);
        sessionIds.push(sessionId);
        const stream = new EventStream(task.port, "/mcp", { "mcp-session-id": sessionId, "mcp-protocol-version": PROTOCOL });
        const head = await stream.opened;
        if (head.status !== 200) throw new Error(`GET answered ${head.status}`);
        held.push(stream);
      }
    } catch (error) {
      if (++failed <= 3) console.error(String(error));
    }
  });
  console.log(JSON.stringify({ progress: "held", held: held.length, failed, openSeconds: (now() - started) / 1000 }));
  // Wait for the harness to take its measurement, then drop every stream at once ("go"); then,
  // told so ("delete"), end the Streamable HTTP sessions too (they outlive their streams).
  const lines = readLines();
  await lines.next();
  for (const s of held) s.close();
  await lines.next();
  let deleted = 0;
  if (task.kind === "streamable") {
    await pool(sessionIds.length, 32, async (i, lane) => {
      const r = await lanes[lane].request("DELETE", "/mcp", { "mcp-session-id": sessionIds[i], "mcp-protocol-version": PROTOCOL }).catch(() => undefined);
      if (r?.status === 200 || r?.status === 204) deleted++;
    });
  }
  for (const c of lanes) c?.close();
  return { held: held.length, failed, deleted };
}

/** Lines from stdin, one per `next()`. */
function readLines() {
  const queue = [];
  const waiting = [];
  let buffer = "";
  process.stdin.on("data", (chunk) => {
    buffer += chunk;
    let at;
    while ((at = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      if (waiting.length) waiting.shift()(line);
      else queue.push(line);
    }
  });
  return { next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve))) };
}

/** Wall-clock ms with sub-ms precision; the servers' control ports read the same clock (_host.ts now()). */
const wallNow = () => performance.timeOrigin + performance.now();

/**
 * How far the server's clock reads from ours: `count` pings of its control port's /now, each
 * giving offset = server time − midpoint of our send and receive, within ± half the round trip.
 * On one machine both read the same system clock, so the offset should be ~0; it is reported
 * so a result that depends on it can be trusted (or not).
 */
async function clockOffset(controlConnection, count = 60) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = wallNow();
    const server = Number((await controlConnection.request("GET", "/now", {})).body);
    const t1 = wallNow();
    samples.push({ offset: server - (t0 + t1) / 2, bound: (t1 - t0) / 2 });
  }
  // The tightest pings say the most.
  samples.sort((a, b) => a.bound - b.bound);
  const best = samples.slice(0, Math.max(1, Math.floor(count / 6)));
  const offsets = best.map((s) => s.offset).sort((a, b) => a - b);
  return { offset_ms: offsets[Math.floor(offsets.length / 2)], bound_ms: best.at(-1).bound };
}

/**
 * (f) cleanup latency: drop a legacy session's stream; latency = the server's time of "session
 * gone" (taken in the server's own hook, reported afterwards over the control port) minus our
 * time just before the drop. Both are wall-clock readings of this machine's one clock, so no
 * control round trip is in the figure. `bound` keeps the old measure for comparison: from the
 * drop until the control port's answer that it is gone arrived (includes that round trip).
 */
async function cleanup() {
  // One keep-alive connection to the control port (raw sockets: cheap, and no pool in the way).
  const controlConnection = new Connection(task.controlPort);
  const ask = async (path) => (await controlConnection.request("GET", path, {})).body;
  const clock = await clockOffset(controlConnection);
  const latencies = [];
  const bounds = [];
  let timeouts = 0;
  for (let i = 0; i < task.n; i++) {
    const session = new LegacySession(task.port);
    session.post.close();
    await session.ready;
    const watched = await ask(`/watch?id=${session.id}`);
    if (watched !== "ok") throw new Error(`watch: ${watched}`);
    const droppedAt = wallNow();
    session.stream.close();
    const outcome = JSON.parse(await ask(`/wait?id=${session.id}&ms=${task.timeoutMs}`));
    const answeredAt = wallNow();
    if (outcome.outcome === "gone") {
      latencies.push(outcome.goneAt - droppedAt);
      bounds.push(answeredAt - droppedAt);
    } else timeouts++;
  }
  controlConnection.close();
  latencies.sort((a, b) => a - b);
  bounds.sort((a, b) => a - b);
  return {
    n: task.n,
    gone: latencies.length,
    timeouts,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    max_ms: latencies.at(-1),
    min_ms: latencies[0],
    bound_p50_ms: percentile(bounds, 50),
    bound_p99_ms: percentile(bounds, 99),
    clockOffset_ms: clock.offset_ms,
    clockBound_ms: clock.bound_ms,
  };
}

/** Rejects after `ms`: no await of the load generator may hang it. */
function within(ms, promise, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** (g) leak check: whole request/session cycles, each ending cleanly, for `seconds`. */
async function churn() {
  let cycles = 0;
  let bad = 0;
  const deadline = now() + task.seconds * 1000;
  const maxCycles = task.maxCycles ?? Infinity;
  const started = now();
  await Promise.all(Array.from({ length: task.concurrency }, async (_, lane) => {
    const connection = task.kind === "streamable" ? new Connection(task.port) : undefined;
    let n = 0;
    while (now() < deadline && cycles < maxCycles) {
      try {
        if (task.kind === "legacy") {
          const session = new LegacySession(task.port);
          try {
            await within(10_000, session.open(), "legacy session setup");
            const response = await within(10_000, session.call(2, CALL(2)), "legacy tools/call");
            if (response.result?.content?.[0]?.text !== "hello bench") bad++;
          } finally {
            session.close();
          }
        } else {
          const sessionId = await within(10_000, openStreamable(connection, task.accept), "session setup");
          const headers = sessionHeaders(task.accept, sessionId);
          const call = await within(10_000, connection.request("POST", "/mcp", headers, CALL(++n)), "tools/call");
          if (call.status !== 200 || !call.body.includes("hello bench")) bad++;
          const deleted = await within(10_000, connection.request("DELETE", "/mcp", { "mcp-session-id": sessionId, "mcp-protocol-version": PROTOCOL }), "DELETE");
          if (deleted.status !== 200 && deleted.status !== 204) bad++;
        }
        cycles++;
      } catch (error) {
        if (++bad <= 3) console.error(String(error));
        // A connection left mid-request cannot be reused: this lane stops.
        if (task.kind === "streamable") {
          connection.close();
          return;
        }
      }
    }
    connection?.close();
  }));
  return { cycles, bad, seconds: (now() - started) / 1000 };
}

const workloads = { legacyLoad, legacyLatency, streams, cleanup, churn };
const result = await workloads[task.workload]();
console.log(JSON.stringify(result));
process.exit(0);
