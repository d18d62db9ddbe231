// Benchmark harness: starts each server under test on 127.0.0.1 (pinned to one core), drives it
// from separate processes (wrk, or bench/lib/client.mjs) pinned to another, and writes
// results.json, RESULTS.md and chart.svg. See bench/README.md.
//
//   node bench/run.mjs            full run (about 15 minutes on 2 cores), writes bench/RESULTS.md
//   node bench/run.mjs --smoke    seconds; checks the harness end to end, asserts no timings
//   node bench/run.mjs --help     the options; an unknown option or list item is refused (exit 2)
//   options: --out DIR  --only tether,sdk  --runtimes deno,bun  --workloads a,b,c,d,e,f,g,h
//            --note "text for RESULTS.md"  --merge results.json (keep the other workloads' rows)  --runs N --seconds S --warm S --eN N --fN N (overrides)
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs as parseOptions } from "node:util";
import { cpuSample, cpuSpent } from "./lib/cpu.mjs";
import { Connection } from "./lib/wire.mjs";
import { renderChart, renderResults } from "./lib/report.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "node_modules/.bin");
/** The options this harness takes; anything else is refused before a server starts. */
const NUMBER_OPTIONS = ["runs", "seconds", "warm", "eN", "fN", "gCycles", "gSeconds", "gSecondsTether"];
const USAGE = `usage: node bench/run.mjs [--smoke] [--out DIR] [--only ID,...] [--runtimes deno,bun,node]
                         [--workloads a,b,c,d,e,f,g,h] [--note TEXT] [--merge results.json] [--command TEXT]
                         [--${NUMBER_OPTIONS.join(" N] [--")} N]
  (npm run bench / npm run bench:smoke / deno task bench pass their arguments through; see bench/README.md)`;

const args = parseArgs(process.argv.slice(2));
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const SMOKE = Boolean(args.smoke);
const OUT = path.resolve(args.out ?? (SMOKE ? fs.mkdtempSync(path.join(os.tmpdir(), "tether-bench-smoke-")) : path.join(ROOT, "bench")));
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "tether-bench-"));

/** Durations and sizes: the full run, and the smoke run that only proves the harness works. */
const P = SMOKE
  ? { warm: 0, runs: 1, seconds: 1, sessions: 4, cycleConc: 2, dWindows: 1, dSeconds: 1, gChunks: 2, gCycles: 40, gSeconds: 2, gSecondsTether: 2, gConc: 2, eN: 50, eWarm: 0, eSettleMs: 100, fN: 5, cConc: 4, cWindows: [0.3], cLatency: 10 }
  : { warm: 1, runs: 5, seconds: 3, sessions: 64, cycleConc: 16, dWindows: 7, dSeconds: 2, gChunks: 4, gCycles: 100_000, gSeconds: 16, gSecondsTether: 100, gConc: 16, eN: 10_000, eWarm: 50, eSettleMs: 1500, fN: 300, cConc: 64, cWindows: [3, 3, 3], cLatency: 500 };
for (const key of NUMBER_OPTIONS) if (args[key] !== undefined) P[key] = Number(args[key]);

const ACCEPT_BOTH = "application/json, text/event-stream";
/** Servers under test. `accept` is per response mode: mcp-lite picks its mode from Accept. */
const SERVERS = [
  { id: "tether", label: "Tether", file: "bench/servers/tether.ts", runtimes: ["deno", "bun"], streamable: true, legacy: true, modern: true, jsonMode: "auto" },
  { id: "sdk", label: "SDK WebStandardStreamableHTTPServerTransport", file: "bench/servers/sdk_web.ts", runtimes: ["deno", "bun"], streamable: true },
  { id: "hono", label: "@hono/mcp", file: "bench/servers/hono_mcp.ts", runtimes: ["deno", "bun"], streamable: true },
  { id: "mcp-lite", label: "mcp-lite", file: "bench/servers/mcp_lite.ts", runtimes: ["deno", "bun"], streamable: true, accept: { json: "application/json", sse: ACCEPT_BOTH } },
  { id: "sdk-sse", label: "SDK SSEServerTransport (node:http)", file: "bench/servers/sdk_legacy_node.mjs", runtimes: ["node", "deno", "bun"], legacy: true },
  { id: "sdk2", label: "SDK v2 createMcpHandler", file: "bench/servers/sdk_modern.ts", runtimes: ["deno", "bun"], modern: true },
  // Opt-in (every workload when named in --only; otherwise a full run gives them only (e) on Deno): the same two servers behind node:http and @hono/node-server
  // instead of Deno.serve / Bun.serve, for the per-stream memory of the runtime's own server (README, "(e) on Deno").
  { id: "tether-nodehttp", label: "Tether via node:http + @hono/node-server", file: "bench/servers/tether_node_http.ts", runtimes: ["deno", "bun"], streamable: true, legacy: true, jsonMode: "auto", optIn: true, defaultWorkloads: ["e"], defaultRuntimes: ["deno"] },
  { id: "bare-nodehttp", label: "bare via node:http + @hono/node-server", file: "bench/servers/bare_node_http.ts", runtimes: ["deno", "bun"], streamable: true, legacy: true, optIn: true, defaultWorkloads: ["e"], defaultRuntimes: ["deno"] },
  { id: "bare", label: "bare runtime (limit)", file: "bench/servers/bare.ts", runtimes: ["deno", "bun"], streamable: true, legacy: true, modern: true, limit: true },
];
const only = listOption("only", SERVERS.map((server) => server.id));
/** The smoke run starts every server file once (Tether on both runtimes), to stay within seconds. */
const SMOKE_PAIRS = new Set(["tether/deno", "tether/bun", "sdk/deno", "hono/bun", "mcp-lite/deno", "sdk-sse/node", "sdk2/deno", "bare/bun"]);
const runtimesWanted = listOption("runtimes", ["deno", "bun", "node"]);
const workloads = listOption("workloads", ["a", "b", "c", "d", "e", "f", "g", "h"]) ?? new Set(["a", "b", "c", "d", "e", "f", "g", "h"]);
const PIN = canPin();

const results = { meta: {}, notes: [], a: [], b: [], c: [], d: [], e: [], f: [], g: [], h: [] };
/** Every process this harness started, so none outlives it. */
const children = new Set();
process.on("exit", () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});
function track(child) {
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

function parseArgs(argv) {
  const options = { smoke: { type: "boolean" }, help: { type: "boolean", short: "h" } };
  for (const name of ["out", "only", "runtimes", "workloads", "note", "merge", "command", ...NUMBER_OPTIONS]) options[name] = { type: "string" };
  try {
    const { values } = parseOptions({ args: argv, options, strict: true, allowPositionals: false });
    for (const name of NUMBER_OPTIONS) {
      if (values[name] !== undefined && !(Number(values[name]) >= 0)) throw new Error(`--${name} takes a number, not "${values[name]}"`);
    }
    return values;
  } catch (error) {
    console.error(`bench: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
}

/** A comma-separated option's items, refused (exit 2) unless each is one of `allowed`. */
function listOption(name, allowed) {
  if (args[name] === undefined) return undefined;
  const items = args[name].split(",").filter((item) => item !== "");
  const unknown = items.filter((item) => !allowed.includes(item));
  if (items.length === 0 || unknown.length > 0) {
    console.error(`bench: --${name} ${unknown.length ? `has unknown ${unknown.join(", ")}` : "is empty"}; choose from ${allowed.join(", ")}`);
    process.exit(2);
  }
  return new Set(items);
}

function canPin() {
  try {
    execFileSync("taskset", ["-c", "0", "true"]);
    return os.cpus().length >= 2;
  } catch {
    return false;
  }
}

function log(...parts) {
  console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);
}

function sh(cmd, argv) {
  try {
    return execFileSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (error) {
    return (error.stdout || error.stderr || String(error)).trim();
  }
}

/** The command that runs a server file on a runtime. */
function serverCommand(runtime, file) {
  const abs = path.join(ROOT, file);
  if (runtime === "deno") return [path.join(BIN, "deno"), "run", "-A", "--v8-flags=--expose-gc", abs];
  if (runtime === "bun") return [path.join(BIN, "bun"), "run", abs];
  return [process.execPath, "--expose-gc", abs];
}

/** Starts a server under test on core 1; resolves once it printed READY. */
function startServer(server, runtime, env = {}) {
  const [cmd, ...argv] = serverCommand(runtime, server.file);
  const full = PIN ? ["taskset", "-c", "1", cmd, ...argv] : [cmd, ...argv];
  const child = track(spawn(full[0], full.slice(1), { cwd: ROOT, env: { ...process.env, ...env, PORT: "0", CONTROL_PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] }));
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${server.id}/${runtime} did not start in 60 s: ${stderr}`));
    }, 60_000);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/READY (\d+) (\d+)/);
      if (m) {
        clearTimeout(timer);
        child.stdout.removeAllListeners("data");
        child.stdout.resume();
        resolve({
          port: Number(m[1]),
          controlPort: Number(m[2]),
          pid: child.pid,
          stderr: () => stderr,
          stop: () => stopChild(child),
        });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${server.id}/${runtime} exited (${code}) before READY: ${stderr}`));
    });
  });
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Runs a client process on core 0; resolves with its last JSON line. `onLine` sees the others. */
function runClient(argv, { input, onLine, onStart } = {}) {
  const full = PIN ? ["taskset", "-c", "0", ...argv] : argv;
  const child = track(spawn(full[0], full.slice(1), { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] }));
  onStart?.(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    const text = String(d);
    stdout += text;
    if (onLine) for (const line of text.split("\n").filter(Boolean)) onLine(line, child);
  });
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  if (input !== undefined) child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      const lines = stdout.trim().split("\n");
      try {
        resolve({ result: JSON.parse(lines.at(-1)), stderr });
      } catch {
        reject(new Error(`client failed (${code}): ${stderr.slice(-1000)} ${stdout.slice(-500)}`));
      }
    });
  });
}

/** Runs bench/lib/client.mjs; it is killed if it outlives `limitSeconds` (a hung load generator). */
async function client(task, options = {}, limitSeconds = 600) {
  let timer;
  const run = runClient([process.execPath, path.join(ROOT, "bench/lib/client.mjs"), JSON.stringify(task)], {
    ...options,
    onStart: (child) => (timer = setTimeout(() => child.kill("SIGKILL"), limitSeconds * 1000)),
  });
  try {
    return await run;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs wrk with a Lua script; resolves with the JSON the script's done() wrote, plus `cpu_ns`:
 * the CPU the server process `pid` spent while wrk ran (see lib/cpu.mjs).
 */
async function wrk(script, port, { threads, connections, seconds, env, pid }) {
  const resultFile = path.join(TMP, `wrk-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  // wrk takes whole seconds.
  const argv = ["wrk", `-t${threads}`, `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, "--timeout", "5s", "-s", path.join(ROOT, "bench/wrk", script), `http://127.0.0.1:${port}/`];
  const full = PIN ? ["taskset", "-c", "0", ...argv] : argv;
  const child = track(spawn(full[0], full.slice(1), { env: { ...process.env, ...env, BENCH_RESULT: resultFile }, stdio: ["ignore", "pipe", "pipe"] }));
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
  child.stdout.resume();
  const cpuBefore = cpuSample(pid);
  // wrk's own CPU share (its /proc entry goes with it, so sampled while it runs): near 1, wrk is
  // the bottleneck and the run's requests per second say more about wrk than about the server.
  const clientStart = { at: performance.now(), cpu: cpuSample(child.pid) };
  let clientLast = clientStart;
  const sampler = setInterval(() => {
    const cpu = cpuSample(child.pid);
    if (cpu) clientLast = { at: performance.now(), cpu };
  }, 250);
  await new Promise((resolve) => child.on("exit", resolve));
  clearInterval(sampler);
  const cpuAfter = cpuSample(pid);
  if (!fs.existsSync(resultFile)) throw new Error(`wrk wrote no result: ${stderr}`);
  const result = JSON.parse(fs.readFileSync(resultFile, "utf8"));
  result.cpu_ns = cpuSpent(cpuBefore, cpuAfter);
  // The coarse figure (10 ms ticks of /proc/<pid>/stat), kept to cross-check the precise one.
  result.cpu_tick_ns = cpuBefore && cpuAfter ? cpuAfter.tickNs - cpuBefore.tickNs : NaN;
  result.client_util = clientLast === clientStart ? NaN : cpuSpent(clientStart.cpu, clientLast.cpu) / 1e6 / (clientLast.at - clientStart.at);
  if (stderr.trim()) result.stderr = stderr.trim().slice(0, 500);
  return result;
}

async function stats(served, gc = true) {
  const response = await fetch(`http://127.0.0.1:${served.controlPort}/stats${gc ? "?gc=1" : ""}`, { signal: AbortSignal.timeout(30_000) });
  return response.json();
}

const INIT_BODY = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1.0.0" } } });

/** Opens a Streamable HTTP session from the harness (setup, not measured). */
async function openSession(port, accept) {
  const init = await fetch(`http://127.0.0.1:${port}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept }, body: INIT_BODY });
  await init.text();
  const id = init.headers.get("mcp-session-id");
  if (init.status !== 200 || !id) throw new Error(`initialize answered ${init.status}`);
  const done = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept, "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await done.text();
  return id;
}

async function deleteSession(port, id) {
  const r = await fetch(`http://127.0.0.1:${port}/mcp`, { method: "DELETE", headers: { "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" } });
  await r.text();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const int = (x) => Math.round(x).toLocaleString("en-US");
const summary = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** True when this Tether build serves Streamable HTTP at /mcp. */
async function tetherHasStreamable(runtime) {
  const served = await startServer(SERVERS[0], runtime, { MODE: "auto" });
  try {
    const r = await fetch(`http://127.0.0.1:${served.port}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: ACCEPT_BOTH }, body: INIT_BODY });
    await r.text();
    return r.status === 200 && r.headers.get("mcp-session-id") !== null;
  } finally {
    await served.stop();
  }
}

function acceptFor(server, mode) {
  return server.accept?.[mode] ?? ACCEPT_BOTH;
}

/** One wrk run of (a)/(b)/(h): rate of good answers, latency, and server CPU per answered request. */
function callRun(r) {
  return {
    rps: r.good / (r.duration_us / 1e6),
    cpu_us: r.cpu_ns / 1000 / r.requests,
    cpu_tick_us: r.cpu_tick_ns / 1000 / r.requests,
    // Share of a core the server used; a cheap server that sleeps between bursts uses less.
    server_util: r.cpu_ns / 1000 / r.duration_us,
    client_util: r.client_util,
    p50_ms: r.p50_us / 1000,
    p99_ms: r.p99_us / 1000,
    good: r.good,
    bad: r.bad + r.errors,
  };
}

/** Medians and spread over runs; CPU per request takes the lowest run too (least disturbed by neighbours). */
function callSummary(runs) {
  return {
    runs,
    rps: summary(runs.map((r) => r.rps)),
    cpu_us: summary(runs.map((r) => r.cpu_us)),
    p50_ms: median(runs.map((r) => r.p50_ms)),
    p99_ms: median(runs.map((r) => r.p99_ms)),
    bad: runs.reduce((n, r) => n + r.bad, 0),
  };
}

/**
 * Runs `round(entry, i)` for every entry, `rounds` times, interleaved: round i of every server
 * before round i+1 of any, each round starting one server further along. Servers compared in
 * one table thus share the same stretches of machine load (a neighbour's test suite, a
 * throttled core) instead of one of them measured minutes after another. An entry whose round
 * fails is reported and dropped from the rest of the rotation.
 */
async function interleave(entries, rounds, round) {
  let live = [...entries];
  for (let i = 0; i < rounds; i++) {
    const order = live.map((_, k) => live[(k + i) % live.length]);
    for (const entry of order) {
      try {
        await round(entry, i);
      } catch (error) {
        fail(entry.server, entry.runtime, error);
        live = live.filter((e) => e !== entry);
      }
    }
  }
  return live;
}

function fail(server, runtime, error) {
  const message = `${server.label} on ${runtime}: ${String(error.message ?? error).slice(0, 400)}`;
  log(`FAILED ${message}`);
  results.notes.push(`Could not complete: ${message}`);
}

/** Starts each server (env per server); those that fail to start are reported and left out. */
async function startAll(servers, runtime, envFor) {
  const entries = [];
  for (const server of servers) {
    try {
      entries.push({ server, runtime, served: await startServer(server, runtime, envFor(server)) });
    } catch (error) {
      fail(server, runtime, error);
    }
  }
  return entries;
}

/** Runs `setup(entry)` on each; an entry whose setup fails is reported and left out of what is returned. */
async function prepare(entries, setup) {
  const ready = [];
  for (const e of entries) {
    try {
      await setup(e);
      ready.push(e);
    } catch (error) {
      fail(e.server, e.runtime, error);
    }
  }
  return ready;
}

async function stopAll(entries) {
  for (const e of entries) await e.served.stop();
}

const SPOT_CALL = JSON.stringify({ jsonrpc: "2.0", id: 99, method: "tools/call", params: { name: "echo", arguments: { text: "hello bench" } } });

/**
 * What a server rejects, on one live session: the status it gives a tools/call that is wrong in
 * one way each. 200 means it skipped that check, which is work it does not do per request: the
 * reader should know when comparing costs. Not measured, not judged: reported.
 */
async function spotChecks(port, sessionId, accept) {
  const good = { "content-type": "application/json", accept, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" };
  const cases = {
    valid: good,
    contentType: { ...good, "content-type": "text/plain" },
    accept: { ...good, accept: "text/html" },
    unknownSession: { ...good, "mcp-session-id": "0123456789abcdef0123456789abcdef" },
    protocolVersion: { ...good, "mcp-protocol-version": "1999-01-01" },
    origin: { ...good, origin: "http://evil.example" },
  };
  const out = {};
  const connection = new Connection(port);
  try {
    for (const [name, headers] of Object.entries(cases)) out[name] = (await connection.request("POST", "/mcp", headers, SPOT_CALL)).status;
  } finally {
    connection.close();
  }
  return out;
}

/**
 * (a)/(b): tools/call round trips on established sessions, every server of `entries` (one
 * runtime, one response mode) in one interleaved rotation of wrk runs.
 */
async function callWorkloads(all, runtime, mode) {
  const entries = await prepare(all, async (e) => {
    e.accept = acceptFor(e.server, mode);
    e.ids = [];
    for (let i = 0; i < P.sessions; i++) e.ids.push(await openSession(e.served.port, e.accept));
    const sessionsFile = path.join(TMP, `sessions-${e.server.id}-${runtime}-${mode}.txt`);
    fs.writeFileSync(sessionsFile, e.ids.join("\n") + "\n");
    e.shape = { threads: 1, connections: P.sessions, env: { BENCH_SESSIONS: sessionsFile, BENCH_ACCEPT: e.accept, BENCH_MODE: mode }, pid: e.served.pid };
    e.runs = [];
    if (mode === "json") e.checks = await spotChecks(e.served.port, e.ids[0], e.accept).catch((error) => ({ error: String(error) }));
    if (P.warm) await wrk("call.lua", e.served.port, { ...e.shape, seconds: P.warm });
  });
  const done = await interleave(entries, P.runs, async (e) => {
    e.runs.push(callRun(await wrk("call.lua", e.served.port, { ...e.shape, seconds: P.seconds })));
  });
  for (const e of entries) for (const id of e.ids ?? []) await deleteSession(e.served.port, id).catch(() => {});
  return done.map((e) => ({ server: e.server.id, runtime, mode, sessions: P.sessions, ...(e.checks ? { checks: e.checks } : {}), ...callSummary(e.runs) }));
}

/**
 * (h): sessionless 2026-07-28 tools/call (the `_meta` envelope and the MCP-Protocol-Version,
 * Mcp-Method, Mcp-Name headers on every POST, no session), answered JSON; interleaved wrk runs.
 */
async function modernWorkloads(all, runtime) {
  const entries = await prepare(all, async (e) => {
    e.shape = { threads: 1, connections: P.sessions, env: {}, pid: e.served.pid };
    e.runs = [];
    if (P.warm) await wrk("call2026.lua", e.served.port, { ...e.shape, seconds: P.warm });
  });
  const done = await interleave(entries, P.runs, async (e) => {
    e.runs.push(callRun(await wrk("call2026.lua", e.served.port, { ...e.shape, seconds: P.seconds })));
  });
  return done.map((e) => ({ server: e.server.id, runtime, connections: P.sessions, ...callSummary(e.runs) }));
}

/** (d): session setup + teardown rate (initialize, initialized, DELETE); interleaved windows. */
async function setupWorkloads(all, runtime) {
  const entries = await prepare(all, async (e) => {
    e.shape = { threads: P.cycleConc, connections: P.cycleConc, env: { BENCH_ACCEPT: acceptFor(e.server, "json"), BENCH_MODE: "json" }, pid: e.served.pid };
    e.leftovers = [];
    e.windows = [];
    if (P.warm) e.leftovers.push(...(await wrk("cycle.lua", e.served.port, { ...e.shape, seconds: P.warm / 2 })).open);
  });
  const done = await interleave(entries, P.dWindows, async (e) => {
    const r = await wrk("cycle.lua", e.served.port, { ...e.shape, seconds: P.dSeconds });
    e.leftovers.push(...r.open);
    e.windows.push({ cyclesPerSecond: r.cycles / (r.duration_us / 1e6), cycles: r.cycles, cpu_us: r.cpu_ns / 1000 / r.cycles, server_util: r.cpu_ns / 1000 / r.duration_us, client_util: r.client_util, p50_ms: r.p50_us / 1000, p99_ms: r.p99_us / 1000, bad: r.bad + r.errors });
  });
  for (const e of entries) for (const id of e.leftovers) await deleteSession(e.served.port, id).catch(() => {});
  return done.map((e) => ({
    server: e.server.id,
    runtime,
    concurrency: P.cycleConc,
    windows: e.windows,
    rate: summary(e.windows.map((w) => w.cyclesPerSecond)),
    cpu_us: summary(e.windows.map((w) => w.cpu_us)),
    bad: e.windows.reduce((n, w) => n + w.bad, 0),
  }));
}

/**
 * The throughput workloads of one runtime, every server in one rotation per workload: (a) then
 * (d) on JSON-mode processes, (b) on SSE-mode ones, (h) on fresh ones.
 */
async function throughputGroup(runtime, servers, tetherStreamable) {
  const streamable = servers.filter((s) => s.streamable && (s.id !== "tether" || tetherStreamable));
  if (streamable.length && (workloads.has("a") || workloads.has("d"))) {
    const entries = await startAll(streamable, runtime, (s) => ({ MODE: s.jsonMode ?? "json" }));
    try {
      if (workloads.has("a")) {
        log(`  (a) tools/call JSON on ${runtime}: ${entries.map((e) => e.server.id).join(", ")}, interleaved`);
        results.a.push(...(await callWorkloads(entries, runtime, "json")));
        save();
      }
      if (workloads.has("d")) {
        log(`  (d) session setup/teardown on ${runtime}: ${entries.map((e) => e.server.id).join(", ")}, interleaved`);
        results.d.push(...(await setupWorkloads(entries, runtime)));
        save();
      }
    } finally {
      await stopAll(entries);
    }
  }
  if (streamable.length && workloads.has("b")) {
    const entries = await startAll(streamable, runtime, () => ({ MODE: "sse" }));
    try {
      log(`  (b) tools/call SSE on ${runtime}: ${entries.map((e) => e.server.id).join(", ")}, interleaved`);
      results.b.push(...(await callWorkloads(entries, runtime, "sse")));
      save();
    } finally {
      await stopAll(entries);
    }
  }
  const modern = servers.filter((s) => s.modern);
  if (modern.length && workloads.has("h")) {
    const entries = await startAll(modern, runtime, (s) => ({ MODE: s.jsonMode ?? "json" }));
    try {
      log(`  (h) 2026-07-28 tools/call, sessionless, JSON on ${runtime}: ${entries.map((e) => e.server.id).join(", ")}, interleaved`);
      results.h.push(...(await modernWorkloads(entries, runtime)));
      save();
    } finally {
      await stopAll(entries);
    }
  }
}

/** (g): RSS and live sessions across many complete request/session cycles. */
async function leakWorkload(served, server, runtime, kind) {
  const accept = acceptFor(server, "json");
  const before = await stats(served);
  const checkpoints = [{ cycles: 0, ...before }];
  let cycles = 0;
  let bad = 0;
  let seconds = 0;
  // Tether runs the whole cycle count (the target is about it); peers run for a shorter while.
  const cap = server.id === "tether" ? P.gSecondsTether : P.gSeconds;
  for (let i = 0; i < P.gChunks; i++) {
    const { result } = await client({
      workload: "churn",
      kind,
      port: served.port,
      accept,
      concurrency: P.gConc,
      seconds: cap / P.gChunks,
      maxCycles: P.gCycles / P.gChunks,
    }, {}, cap / P.gChunks + 60);
    cycles += result.cycles;
    bad += result.bad;
    seconds += result.seconds;
    log(`    ${int(cycles)} cycles`);
    checkpoints.push({ cycles, ...(await stats(served)) });
  }
  const after = checkpoints.at(-1);
  return {
    server: server.id,
    runtime,
    transport: kind,
    cycles,
    seconds,
    bad,
    liveBefore: before.live,
    liveAfter: after.live,
    capSeconds: cap,
    rssBefore: before.rss,
    rssAfter: after.rss,
    heapBefore: before.heapUsed,
    heapAfter: after.heapUsed,
    checkpoints,
  };
}

/** (e): RSS per idle session with `n` open SSE streams; the process is fresh. */
async function memoryWorkload(server, runtime, kind) {
  const served = await startServer(server, runtime, { MODE: server.jsonMode ?? "json" });
  try {
    const accept = acceptFor(server, "json");
    // Warm-up: a few sessions opened and dropped, so code paths are compiled before the baseline.
    if (P.eWarm) {
      await client({ workload: "streams", kind, port: served.port, accept, n: P.eWarm }, { onLine: (line, child) => line.startsWith('{"progress":"held"') && child.stdin.end("go\ndelete\n") });
      await new Promise((r) => setTimeout(r, 300));
    }
    const before = await stats(served);
    let held;
    let during;
    let after;
    const run = client({ workload: "streams", kind, port: served.port, accept, n: P.eN }, {
      onLine: async (line, child) => {
        if (!line.startsWith('{"progress":"held"')) return;
        held = JSON.parse(line);
        await new Promise((r) => setTimeout(r, Math.min(500, P.eSettleMs)));
        during = await stats(served);
        child.stdin.write("go\n");
        await new Promise((r) => setTimeout(r, P.eSettleMs));
        after = await stats(served);
        child.stdin.end("delete\n");
      },
    });
    await run;
    return {
      server: server.id,
      runtime,
      transport: kind,
      n: P.eN,
      held: held.held,
      failed: held.failed,
      openSeconds: held.openSeconds,
      liveHeld: during.live,
      rssBefore: before.rss,
      rssHeld: during.rss,
      heapBefore: before.heapUsed,
      heapHeld: during.heapUsed,
      bytesPerSession: held.held ? (during.rss - before.rss) / held.held : NaN,
      heapBytesPerSession: held.held ? (during.heapUsed - before.heapUsed) / held.held : NaN,
      liveAfterDrop: after.live,
    };
  } finally {
    await served.stop();
  }
}

/**
 * (c) on one runtime: every legacy server started at once, each warmed, then the windows
 * interleaved across them as in (a) (window i of every server before window i+1 of any), so
 * the servers compared share the same stretches of machine load; then each one's latency alone.
 * Each window is one client run: its 64 sessions are opened before and closed after the window.
 */
async function legacyLoadWorkloads(runtime, servers) {
  const entries = await startAll(servers, runtime, (s) => ({ MODE: s.jsonMode ?? "json" }));
  try {
    log(`  (c) legacy POST→event on ${runtime}: ${entries.map((e) => e.server.id).join(", ")}, interleaved`);
    const ready = await prepare(entries, async (e) => {
      e.windows = [];
      if (P.warm) await client({ workload: "legacyLoad", port: e.served.port, concurrency: P.cConc, windows: [P.warm / 2] });
    });
    const done = await interleave(ready, P.cWindows.length, async (e, i) => {
      // The client reads the server's CPU (/proc/<pid>) around the window itself.
      const { result } = await client({ workload: "legacyLoad", port: e.served.port, serverPid: e.served.pid, concurrency: P.cConc, windows: [P.cWindows[i]] });
      e.windows.push(...result.runs);
    });
    for (const e of done) {
      try {
        const { result: single } = await client({ workload: "legacyLatency", port: e.served.port, count: P.cLatency });
        const runs = e.windows;
        results.c.push({
          server: e.server.id,
          runtime,
          concurrency: P.cConc,
          runs,
          rps: summary(runs.map((r) => r.rps)),
          cpu_us: summary(runs.map((r) => r.cpu_us)),
          server_util: median(runs.map((r) => r.server_util)),
          client_util: median(runs.map((r) => r.client_util)),
          p50_ms: median(runs.map((r) => r.p50_ms)),
          p99_ms: median(runs.map((r) => r.p99_ms)),
          idle_p50_ms: single.p50_ms,
          idle_p99_ms: single.p99_ms,
          bad: runs.reduce((n, r) => n + r.bad, 0),
        });
      } catch (error) {
        fail(e.server, runtime, error);
      }
    }
  } finally {
    await stopAll(entries);
  }
}

/** (f) on the legacy transport, then (g) for it, then (e) in a fresh process; (c) runs in legacyLoadWorkloads. */
async function legacyGroup(server, runtime, ws = workloads) {
  const served = await startServer(server, runtime, { MODE: server.jsonMode ?? "json" });
  try {
    if (ws.has("f")) {
      log(`  (f) cleanup latency ${server.id}/${runtime}`);
      const { result } = await client({ workload: "cleanup", port: served.port, controlPort: served.controlPort, n: P.fN, timeoutMs: 2000 });
      results.f.push({ server: server.id, runtime, ...result });
    }
    if (ws.has("g")) {
      log(`  (g) legacy leak check ${server.id}/${runtime}`);
      results.g.push(await leakWorkload(served, server, runtime, "legacy"));
    }
  } finally {
    await served.stop();
  }
  if (ws.has("e")) {
    log(`  (e) legacy idle memory ${server.id}/${runtime}`);
    results.e.push(await memoryWorkload(server, runtime, "legacy"));
  }
}

/** (g) in one JSON-mode process, (e) in a fresh one; (a), (b), (d) run in throughputGroup. */
async function streamableGroup(server, runtime, ws = workloads) {
  if (ws.has("g")) {
    const served = await startServer(server, runtime, { MODE: server.jsonMode ?? "json" });
    try {
      log(`  (g) leak check ${server.id}/${runtime}`);
      results.g.push(await leakWorkload(served, server, runtime, "streamable"));
    } finally {
      await served.stop();
    }
  }
  if (ws.has("e")) {
    log(`  (e) idle memory ${server.id}/${runtime}`);
    results.e.push(await memoryWorkload(server, runtime, "streamable"));
  }
}

function packageVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "not installed";
  }
}

function collectMeta() {
  const cpu = os.cpus();
  return {
    date: new Date().toISOString(),
    command: SMOKE ? "npm run bench:smoke" : (args.command ?? "npm run bench"),
    smoke: SMOKE,
    machine: {
      cpu: cpu[0]?.model ?? "unknown",
      cores: cpu.length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      kernel: `${os.type()} ${os.release()}`,
      os: sh("sh", ["-c", ". /etc/os-release && echo $PRETTY_NAME"]),
      loadAverageAtStart: os.loadavg().map((x) => x.toFixed(2)),
    },
    pinned: PIN ? "servers on CPU 1, load generators (wrk, client.mjs) and the harness on CPU 0 (taskset)" : "not pinned (taskset unavailable or a single core)",
    versions: {
      deno: sh(path.join(BIN, "deno"), ["--version"]).split("\n")[0],
      bun: sh(path.join(BIN, "bun"), ["--version"]),
      node: process.version,
      wrk: sh("sh", ["-c", "wrk -v 2>&1 | head -1"]),
      "@modelcontextprotocol/sdk": packageVersion("@modelcontextprotocol/sdk"),
      "@modelcontextprotocol/server": packageVersion("@modelcontextprotocol/server"),
      "@hono/mcp": packageVersion("@hono/mcp"),
      hono: packageVersion("hono"),
      "mcp-lite": packageVersion("mcp-lite"),
      zod: packageVersion("zod"),
    },
    tether: sh("git", ["-C", ROOT, "log", "-1", "--format=%h %s"]),
    note: args.note ?? "",
    profile: P,
  };
}

/** --merge FILE: keeps the rows of the workloads not run now from an earlier results.json. */
function mergeEarlier() {
  if (!args.merge) return;
  const earlier = JSON.parse(fs.readFileSync(args.merge, "utf8"));
  const kept = [];
  for (const w of ["a", "b", "c", "d", "e", "f", "g", "h"]) {
    if (workloads.has(w) || !earlier[w]?.length) continue;
    results[w] = earlier[w];
    results.meta.workloadDates[w] = earlier.meta.workloadDates?.[w] ?? earlier.meta.date;
    kept.push(w);
  }
  if (kept.length) {
    results.meta.merged = { workloads: kept, date: earlier.meta.date, loadAverageAtStart: earlier.meta.machine.loadAverageAtStart, tether: earlier.meta.tether };
    for (const note of earlier.notes) if (!results.notes.includes(note)) results.notes.push(note);
  }
}

async function main() {
  results.meta = collectMeta();
  results.meta.workloadDates = Object.fromEntries([...workloads].map((w) => [w, results.meta.date]));
  mergeEarlier();
  log(`bench ${SMOKE ? "smoke" : "full"} run → ${OUT}; ${results.meta.pinned}`);
  const started = Date.now();
  let tetherStreamable = {};
  for (const runtime of ["deno", "bun"]) {
    tetherStreamable[runtime] = await tetherHasStreamable(runtime).catch(() => false);
  }
  results.meta.tetherStreamable = tetherStreamable;
  if (!tetherStreamable.deno && !tetherStreamable.bun) {
    results.notes.push("This Tether commit serves no Streamable HTTP endpoint (/mcp), so it has no rows in the Streamable HTTP workloads (a), (b), (d), (e streamable), (g streamable).");
  }
  const wanted = (server, runtime) =>
    (only ? only.has(server.id) : !server.optIn) &&
    server.runtimes.includes(runtime) &&
    (!runtimesWanted || runtimesWanted.has(runtime)) &&
    (!SMOKE || args.only || args.runtimes || SMOKE_PAIRS.has(`${server.id}/${runtime}`));
  // Full runs (no --only, not smoke) also run an opt-in server's default workloads on its default
  // runtimes: (e) through node:http on Deno, the same HTTP stack as the SDK's legacy row there.
  const wantedByDefault = (server, runtime) =>
    !only && !SMOKE && server.optIn && server.defaultRuntimes.includes(runtime) &&
    (!runtimesWanted || runtimesWanted.has(runtime)) && server.defaultWorkloads.some((w) => workloads.has(w));
  // Throughput first, all servers of a runtime interleaved (see interleave()).
  if (["a", "b", "d", "h"].some((w) => workloads.has(w))) {
    for (const runtime of ["deno", "bun"]) {
      const servers = SERVERS.filter((s) => wanted(s, runtime));
      if (!servers.length) continue;
      log(`throughput on ${runtime}`);
      await throughputGroup(runtime, servers, tetherStreamable[runtime]);
      save();
    }
  }
  // (c), all legacy servers of a runtime interleaved.
  if (workloads.has("c")) {
    for (const runtime of ["deno", "bun", "node"]) {
      const servers = SERVERS.filter((s) => s.legacy && wanted(s, runtime));
      if (!servers.length) continue;
      await legacyLoadWorkloads(runtime, servers);
      save();
    }
  }
  // Then the workloads that need one server at a time (memory, latency, long churn).
  for (const server of SERVERS) {
    for (const runtime of server.runtimes) {
      if (!wanted(server, runtime) && !wantedByDefault(server, runtime)) continue;
      // An opt-in server not named in --only runs just its default workloads (see SERVERS).
      const ws = wanted(server, runtime) ? workloads : new Set(server.defaultWorkloads.filter((w) => workloads.has(w)));
      const legacy = server.legacy && ["e", "f", "g"].some((w) => ws.has(w));
      const streamable = server.streamable && (server.id !== "tether" || tetherStreamable[runtime]) && ["e", "g"].some((w) => ws.has(w));
      if (!legacy && !streamable) continue;
      log(`${server.label} on ${runtime}`);
      try {
        if (legacy) await legacyGroup(server, runtime, ws);
        if (streamable) await streamableGroup(server, runtime, ws);
      } catch (error) {
        fail(server, runtime, error);
      }
      // Write as we go, so an interrupted run still leaves what it measured.
      save();
    }
  }
  results.meta.durationSeconds = Math.round((Date.now() - started) / 1000);
  save();
  log(`done in ${results.meta.durationSeconds} s → ${path.join(OUT, "RESULTS.md")}`);
  if (SMOKE) smokeCheck();
}

function save() {
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, "results.json"), JSON.stringify(results, null, 2) + "\n");
  fs.writeFileSync(path.join(OUT, "chart.svg"), renderChart(results));
  fs.writeFileSync(path.join(OUT, "RESULTS.md"), renderResults(results));
}

/** The smoke run asserts that every workload produced rows and every answer was right. */
function smokeCheck() {
  const problems = [...results.notes.filter((n) => n.startsWith("Could not complete"))];
  for (const w of workloads) {
    if (!results[w]?.length) problems.push(`workload (${w}) produced no rows`);
    for (const row of results[w] ?? []) {
      if (row.bad) problems.push(`(${w}) ${row.server}/${row.runtime}: ${row.bad} bad answers`);
      if (w === "e" && row.failed) problems.push(`(e) ${row.server}/${row.runtime}: ${row.failed} streams failed to open`);
      if (w === "f" && row.timeouts) problems.push(`(f) ${row.server}/${row.runtime}: ${row.timeouts} sessions never went away`);
      if (w === "a" && row.checks && row.checks.valid !== 200) problems.push(`(a) ${row.server}/${row.runtime}: spot checks failed: ${JSON.stringify(row.checks)}`);
      if (["a", "b", "h"].includes(w) && !(row.cpu_us?.min > 0) && fs.existsSync("/proc/self/stat")) problems.push(`(${w}) ${row.server}/${row.runtime}: no server CPU time measured`);
    }
  }
  if (problems.length) {
    console.error("bench smoke FAILED:\n  " + problems.join("\n  "));
    process.exit(1);
  }
  console.log("bench smoke passed");
}

process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));
await main();
fs.rmSync(TMP, { recursive: true, force: true });
process.exit(0);
