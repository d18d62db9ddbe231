// Renders bench results (results.json) as RESULTS.md and an SVG chart of the main table.

const LABEL = {
  tether: "Tether",
  sdk: "SDK WebStandardStreamableHTTPServerTransport",
  hono: "@hono/mcp",
  "mcp-lite": "mcp-lite",
  "sdk-sse": "SDK SSEServerTransport (node:http)",
  sdk2: "SDK v2 createMcpHandler",
  bare: "bare runtime (limit)",
  "tether-nodehttp": "Tether via node:http + @hono/node-server",
  "bare-nodehttp": "bare via node:http + @hono/node-server",
};
const ORDER = ["tether", "tether-nodehttp", "sdk", "hono", "mcp-lite", "sdk-sse", "sdk2", "bare", "bare-nodehttp"];
const COLOR = { tether: "#2b6cb0", sdk: "#c05621", hono: "#d69e2e", "mcp-lite": "#2f855a", "sdk-sse": "#9b2c2c", sdk2: "#805ad5", bare: "#718096", "tether-nodehttp": "#63b3ed", "bare-nodehttp": "#a0aec0" };
const RUNTIMES = ["deno", "bun", "node"];
// The node:http rows are Tether and the limit served another way, not peers.
const isPeer = (id) => id !== "tether" && id !== "bare" && id !== "tether-nodehttp" && id !== "bare-nodehttp";

const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "–");
const ms = (x) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : "–");
const kb = (x) => (Number.isFinite(x) ? (x / 1024).toFixed(1) : "–");
const mb = (x) => (Number.isFinite(x) ? (x / 2 ** 20).toFixed(1) : "–");
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "–");
const share = (x) => (Number.isFinite(x) ? x.toFixed(2) : "–");
const pct = (x) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : "–");
/** CPU µs per request (or per session cycle): the lowest run, the one least disturbed by neighbours. */
const cpuOf = (r) => r?.cpu_us?.min;
const us = (x) => (Number.isFinite(x) ? (x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString("en-US")) : "–");
const spread = (s) => (s && s.median ? `±${Math.round(((s.max - s.min) / 2 / s.median) * 100)}%` : "");

function byOrder(a, b) {
  return ORDER.indexOf(a.server) - ORDER.indexOf(b.server) || RUNTIMES.indexOf(a.runtime) - RUNTIMES.indexOf(b.runtime);
}

function find(rows, server, runtime) {
  return rows.find((r) => r.server === server && r.runtime === runtime);
}

/** Best peer (not Tether, not the limit) on a runtime by `value`; `higher` says which way is better. */
function bestPeer(rows, runtime, value, higher = true) {
  let best;
  for (const r of rows) {
    if (r.runtime !== runtime || !isPeer(r.server) || !Number.isFinite(value(r))) continue;
    if (!best || (higher ? value(r) > value(best) : value(r) < value(best))) best = r;
  }
  return best;
}

/**
 * The peer's CPU over Tether's round by round (runs of (a)-(c), windows of (d); round i of every
 * server of a runtime ran in the same stretch of time): median and range, or "" without rounds.
 * On a machine whose speed comes and goes, it shows how far the lowest-run ratio can be trusted.
 */
function roundByRound(peer, t) {
  const rounds = (row) => (row.runs ?? row.windows ?? []).map((r) => r.cpu_us);
  const a = rounds(peer), b = rounds(t);
  const ratios = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] > 0 && b[i] > 0) ratios.push(a[i] / b[i]);
  if (ratios.length < 2) return "";
  return `; round by round ${ratio(median(ratios))}, ${Math.min(...ratios).toFixed(2)}–${ratio(Math.max(...ratios))}`;
}

/**
 * The CPU form of a headline: Tether's server CPU per request, the best peer's CPU per request
 * over Tether's (above 1× = Tether cheaper), and the limit's CPU per request over Tether's (the
 * share of the limit's requests per second Tether would reach, both bound by one core).
 */
function cpuLine(rows, t, runtime, unit) {
  const peer = bestPeer(rows, runtime, cpuOf, false);
  const bare = find(rows, "bare", runtime);
  const parts = [];
  if (peer) parts.push(`${ratio(cpuOf(peer) / cpuOf(t))} the best peer's throughput per core (${LABEL[peer.server]}, ${us(cpuOf(peer))} µs${roundByRound(peer, t)})`);
  if (bare && Number.isFinite(cpuOf(bare))) parts.push(`${pct(cpuOf(bare) / cpuOf(t))} of the limit's (bare ${us(cpuOf(bare))} µs)`);
  return `Tether ${us(cpuOf(t))} µs server CPU per ${unit}${parts.length ? ` = ${parts.join(", ")}` : ""}`;
}

/** Headline ratios, computed from one run's rows. */
export function headlines(results) {
  const lines = [];
  for (const runtime of ["deno", "bun"]) {
    const name = runtime === "deno" ? "Deno" : "Bun";
    for (const [w, what] of [["a", "tools/call, JSON responses (a)"], ["b", "tools/call, SSE responses (b)"], ["h", "2026-07-28 tools/call, sessionless, JSON (h)"]]) {
      const t = find(results[w] ?? [], "tether", runtime);
      if (!t) continue;
      const peer = bestPeer(results[w], runtime, (r) => r.rps.median);
      const bare = find(results[w], "bare", runtime);
      const parts = [];
      if (peer) parts.push(`${ratio(t.rps.median / peer.rps.median)} the best peer (${LABEL[peer.server]})`);
      if (bare) parts.push(`${pct(t.rps.median / bare.rps.median)} of the bare ${name} limit`);
      lines.push(`${name}, ${what}: Tether ${int(t.rps.median)} req/s${parts.length ? ` = ${parts.join(", ")}` : ""}`);
      if (Number.isFinite(cpuOf(t))) lines.push(`${name}, ${what}, in CPU: ${cpuLine(results[w], t, runtime, "request")}`);
    }
    const c = find(results.c, "tether", runtime);
    if (c) {
      const peer = bestPeer(results.c, runtime, (r) => r.rps.median) ?? bestPeer(results.c, "node", (r) => r.rps.median);
      if (peer) lines.push(`${name}, legacy HTTP+SSE POST→event (c): Tether ${int(c.rps.median)}/s = ${ratio(c.rps.median / peer.rps.median)} ${LABEL[peer.server]} on ${peer.runtime}`);
      if (Number.isFinite(cpuOf(c))) lines.push(`${name}, legacy HTTP+SSE POST→event (c), in CPU: ${cpuLine(results.c, c, runtime, "round trip")}`);
    }
    const d = find(results.d, "tether", runtime);
    if (d) {
      const peer = bestPeer(results.d, runtime, (r) => r.rate.median);
      if (peer) lines.push(`${name}, session setup + teardown (d): Tether ${int(d.rate.median)} sessions/s = ${ratio(d.rate.median / peer.rate.median)} the best peer (${LABEL[peer.server]})`);
      if (Number.isFinite(cpuOf(d))) lines.push(`${name}, session setup + teardown (d), in CPU: ${cpuLine(results.d, d, runtime, "session")}`);
    }
    for (const transport of ["streamable", "legacy"]) {
      const rows = results.e.filter((r) => r.transport === transport);
      const e = rows.find((r) => r.server === "tether" && r.runtime === runtime);
      if (!e) continue;
      const peer = bestPeer(rows, runtime, (r) => r.bytesPerSession, false);
      const bare = find(rows, "bare", runtime);
      const extra = [peer ? `best peer ${kb(peer.bytesPerSession)} KB (${LABEL[peer.server]})` : "", bare ? `bare ${kb(bare.bytesPerSession)} KB` : ""].filter(Boolean).join(", ");
      // Through node:http (opt-in rows): the same HTTP server as the SDK's legacy row, without Deno.serve's per-stream ring.
      const viaNode = find(rows, "tether-nodehttp", runtime);
      const bareNode = find(rows, "bare-nodehttp", runtime);
      const node = viaNode ? `; through node:http + @hono/node-server, Tether ${kb(viaNode.bytesPerSession)} KB${bareNode ? ` (bare ${kb(bareNode.bytesPerSession)} KB)` : ""}` : "";
      lines.push(`${name}, idle session with an open SSE stream (e, ${transport}): Tether ${kb(e.bytesPerSession)} KB RSS per session${extra ? `; ${extra}` : ""}${node}`);
    }
    for (const g of results.g.filter((r) => r.server === "tether" && r.runtime === runtime)) {
      const warm = g.checkpoints[1] ?? g.checkpoints[0];
      lines.push(`${name}, leak check (g, ${g.transport}): ${int(g.cycles)} session cycles, live sessions ${int(g.liveBefore)} → ${int(g.liveAfter)}; from the first checkpoint (${int(warm.cycles)} cycles) to the end, heap ${mb(warm.heapUsed)} → ${mb(g.heapAfter)} MB, RSS ${mb(warm.rss)} → ${mb(g.rssAfter)} MB`);
    }
    const f = find(results.f, "tether", runtime);
    if (f) {
      const peer = bestPeer(results.f, runtime, (r) => r.p99_ms, false);
      lines.push(`${name}, client abort → legacy session gone (f): Tether p50 ${ms(f.p50_ms)} ms, p99 ${ms(f.p99_ms)} ms${peer ? `; ${LABEL[peer.server]} p50 ${ms(peer.p50_ms)} ms, p99 ${ms(peer.p99_ms)} ms` : ""}`);
    }
  }
  return lines;
}

/**
 * Rows whose wrk process used most of its core (median over runs above 85%): there the load
 * generator, not the server, may have set the pace, and req/s understates the server.
 */
function wrkBound(results, ws) {
  const hits = [];
  for (const w of ws) {
    for (const r of results[w] ?? []) {
      const util = median((r.runs ?? r.windows ?? []).map((x) => x.client_util));
      if (util > 0.85) hits.push(`(${w}) ${LABEL[r.server]} on ${r.runtime} (wrk at ${pct(util)})`);
    }
  }
  return hits.length ? `Load generator near its limit in: ${hits.join("; ")}. Their req/s is a lower bound; the CPU column is not affected.` : "";
}

/** The statuses each server gave the spot checks before (a): what it rejects, what it lets through. */
function checksTable(results) {
  const rows = results.a.filter((r) => r.checks && !r.checks.error).sort(byOrder);
  if (!rows.length) return "";
  const out = [];
  out.push("What each server checks: before (a), one tools/call per case on a live session, wrong in one way each; the status it answered (200 = not checked, work that server skips on every request; compare costs with that in mind).");
  out.push("");
  out.push("| server | runtime | valid | Content-Type text/plain | Accept text/html | unknown session | MCP-Protocol-Version 1999-01-01 | foreign Origin |");
  out.push("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const c = r.checks;
    out.push(`| ${LABEL[r.server]} | ${r.runtime} | ${c.valid} | ${c.contentType} | ${c.accept} | ${c.unknownSession} | ${c.protocolVersion} | ${c.origin} |`);
  }
  return out.join("\n");
}

function callTable(results) {
  const rows = [];
  rows.push("| server | runtime | (a) JSON req/s | (a) CPU µs/req | p50 / p99 ms | (b) SSE req/s | (b) CPU µs/req | p50 / p99 ms | (a) vs limit, req/s | (a) vs limit, CPU |");
  rows.push("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const keys = new Map();
  for (const r of [...results.a, ...results.b]) keys.set(`${r.server}/${r.runtime}`, r);
  const ordered = [...keys.values()].sort(byOrder);
  for (const k of ordered) {
    const a = find(results.a, k.server, k.runtime);
    const b = find(results.b, k.server, k.runtime);
    const bare = find(results.a, "bare", k.runtime);
    const cell = (r) => (r ? `${int(r.rps.median)} ${spread(r.rps)}` : "–");
    const lat = (r) => (r ? `${ms(r.p50_ms)} / ${ms(r.p99_ms)}` : "–");
    const bold = k.server === "tether" ? "**" : "";
    const bad = (r) => (r?.bad ? ` (${r.bad} bad)` : "");
    rows.push(`| ${bold}${LABEL[k.server]}${bold} | ${k.runtime} | ${cell(a)}${bad(a)} | ${us(cpuOf(a))} | ${lat(a)} | ${cell(b)}${bad(b)} | ${us(cpuOf(b))} | ${lat(b)} | ${a && bare ? pct(a.rps.median / bare.rps.median) : "–"} | ${a && bare ? pct(cpuOf(bare) / cpuOf(a)) : "–"} |`);
  }
  return rows.join("\n");
}

const CPU_NOTE =
  "CPU µs/req is the server process's CPU time (all its threads, from `/proc/<pid>/task/*/schedstat`) over a run divided by the requests answered in it, the lowest of the runs. Requests per second depend on what else the shared machine runs at that moment; CPU per request much less, so compare servers by it. \"vs limit, CPU\" is the bare server's CPU per request over this server's: the share of the limit's throughput this server would reach with both bound by one core. CPU per request still rises a little when a server is starved of load (fewer requests per wake-up), so rows measured under very different load are not exactly comparable.";

export function renderResults(results) {
  const m = results.meta;
  const out = [];
  out.push("# Tether benchmarks");
  out.push("");
  if (m.smoke) out.push("> **Smoke run**: durations of a fraction of a second; the figures prove only that the harness works.\n");
  out.push(`Measured ${m.date} with \`${m.command}\` on Tether \`${m.tether}\`${m.durationSeconds ? ` (the run took ${m.durationSeconds} s)` : ""}.`);
  out.push("");
  out.push(`- Machine: ${m.machine.cpu}, ${m.machine.cores} cores, ${m.machine.memoryGiB} GiB RAM, ${m.machine.os}, ${m.machine.kernel}; load average at start ${m.machine.loadAverageAtStart.join(" / ")}.`);
  out.push(`- Pinning: ${m.pinned}.`);
  out.push(`- Runtimes: ${m.versions.deno}, Bun ${m.versions.bun}, Node ${m.versions.node}. Load generator: ${m.versions.wrk} with the Lua scripts in \`bench/wrk/\`, and \`bench/lib/client.mjs\` (Node, raw sockets) where SSE streams must be read or held.`);
  out.push(`- Peers: \`@modelcontextprotocol/sdk\` ${m.versions["@modelcontextprotocol/sdk"]}, \`@hono/mcp\` ${m.versions["@hono/mcp"]} (hono ${m.versions.hono}), \`mcp-lite\` ${m.versions["mcp-lite"]}${m.versions["@modelcontextprotocol/server"] ? `, \`@modelcontextprotocol/server\` ${m.versions["@modelcontextprotocol/server"]}` : ""}; zod ${m.versions.zod}.`);
  if (m.merged) {
    out.push(`- Workload${m.merged.workloads.length > 1 ? "s" : ""} ${m.merged.workloads.map((w) => `(${w})`).join(", ")} come${m.merged.workloads.length > 1 ? "" : "s"} from an earlier invocation of the same harness (${m.merged.date}, Tether \`${m.merged.tether}\`, load average at start ${m.merged.loadAverageAtStart.join(" / ")}), kept with \`--merge\`; every ratio compares rows of one invocation.`);
  }
  if (m.note) out.push(`- Note: ${m.note}`);
  out.push("");
  const heads = headlines(results);
  if (heads.length) {
    out.push("## Headline");
    out.push("");
    out.push("Ratios in CPU compare each server's lowest run (or window). \"Round by round\" divides the peer's CPU by Tether's within each round instead (round i of every server of a runtime ran in the same stretch of time): its median and range show how much of a ratio the machine's changing speed could have made.");
    out.push("");
    for (const h of heads) out.push(`- ${h}`);
    out.push("");
  }
  if (results.notes.length) {
    out.push("## What did not run");
    out.push("");
    for (const n of results.notes) out.push(`- ${n}`);
    out.push("");
  }
  const P = m.profile;
  if (results.a.length || results.b.length) {
    out.push("## (a) and (b): tools/call round trips on established sessions");
    out.push("");
    out.push(`${P.sessions} sessions, ${P.sessions} keep-alive connections, wrk closed loop; every answer checked (\`bench/wrk/common.lua\`): status 200, the content type of the mode, a JSON-RPC result with the echoed text and the id of a request still unanswered. Median of ${P.runs} runs of ${P.seconds} s after a ${P.warm} s warm-up; ± is half the min–max spread. The servers of one runtime run side by side and their runs are interleaved (run 1 of each, then run 2 of each, …), so every row samples the same stretches of machine load. (a) asks for JSON responses (Tether in its default \`responseMode: "auto"\`, which answers JSON when the response is the first message, SDK and @hono/mcp \`enableJsonResponse: true\`, mcp-lite \`Accept: application/json\`), (b) for SSE responses.`);
    out.push("");
    out.push(CPU_NOTE);
    out.push("");
    out.push("![requests per second](chart.svg)");
    out.push("");
    out.push(callTable(results));
    out.push("");
    const busy = wrkBound(results, ["a", "b"]);
    if (busy) out.push(busy, "");
    const checks = checksTable(results);
    if (checks) out.push(checks, "");
  }
  if (results.c.length) {
    out.push("## (c) legacy HTTP+SSE (2024-11-05): POST → response event");
    out.push("");
    out.push(`${P.cConc} sessions, each a closed loop of POST /messages (202) then wait for the response on its SSE stream. Round trips per second: median of ${P.cWindows.length} windows of ${P.cWindows[0]} s, interleaved across the servers of a runtime as in (a). CPU µs/round trip is the server's CPU over a window (from /proc) divided by the round trips completed in it, the lowest window. Server / client: the share of a core the server and the load generator (one Node process) each used, medians; a server well below 1 while the client is near 1 was held back by the load generator, and its round trips per second understate it. Latency under that load, and alone (one session, one request at a time, ${P.cLatency} requests).`);
    out.push("");
    out.push("| server | runtime | round trips/s | CPU µs/round trip | server / client core share | p50 / p99 ms (loaded) | p50 / p99 ms (alone) |");
    out.push("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for (const r of [...results.c].sort(byOrder)) {
      out.push(`| ${LABEL[r.server]} | ${r.runtime} | ${int(r.rps.median)} ${spread(r.rps)} | ${us(cpuOf(r))} | ${share(r.server_util)} / ${share(r.client_util)} | ${ms(r.p50_ms)} / ${ms(r.p99_ms)} | ${ms(r.idle_p50_ms)} / ${ms(r.idle_p99_ms)} |`);
    }
    out.push("");
  }
  if (results.d.length) {
    out.push("## (d) session setup + teardown");
    out.push("");
    out.push(`initialize → notifications/initialized → DELETE, ${P.cycleConc} connections each running that cycle back to back (wrk, one thread per connection); every answer checked (initialize: 200, a session id, JSON, an InitializeResult for id 1; initialized: 202; DELETE: 200 or 204). Median of ${P.dWindows} windows of ${P.dSeconds} s, interleaved across servers as in (a); CPU µs/session is the server's CPU over a window divided by the cycles completed in it, the lowest window.`);
    out.push("");
    out.push("| server | runtime | sessions/s | CPU µs/session | request p50 / p99 ms |");
    out.push("| --- | --- | ---: | ---: | ---: |");
    for (const r of [...results.d].sort(byOrder)) {
      out.push(`| ${LABEL[r.server]} | ${r.runtime} | ${int(r.rate.median)} ${spread(r.rate)}${r.bad ? ` (${r.bad} bad)` : ""} | ${us(cpuOf(r))} | ${ms(median(r.windows.map((w) => w.p50_ms)))} / ${ms(median(r.windows.map((w) => w.p99_ms)))} |`);
    }
    out.push("");
    const busy = wrkBound(results, ["d"]);
    if (busy) out.push(busy, "");
  }
  if (results.e.length) {
    out.push("## (e) memory per idle session");
    out.push("");
    out.push(`A fresh server process, warmed with ${P.eWarm} sessions; then ${int(P.eN)} sessions, each with an open SSE stream (Streamable HTTP: initialize, initialized, GET /mcp; legacy: GET /sse). RSS and heap after a forced GC, delta divided by the number of streams held. "Live after drop" is the server's session count ${P.eSettleMs / 1000} s after the client dropped every stream without DELETE.`);
    out.push("");
    out.push("| server | runtime | transport | streams held | RSS KB / session | heap KB / session | live after drop |");
    out.push("| --- | --- | --- | ---: | ---: | ---: | ---: |");
    for (const r of [...results.e].sort(byOrder)) {
      out.push(`| ${LABEL[r.server]} | ${r.runtime} | ${r.transport} | ${int(r.held)}${r.failed ? ` (${r.failed} failed)` : ""} | ${kb(r.bytesPerSession)} | ${kb(r.heapBytesPerSession)} | ${int(r.liveAfterDrop)} |`);
    }
    out.push("");
  }
  if (results.f.length) {
    out.push("## (f) cleanup latency: client abort → session gone");
    out.push("");
    out.push(`Legacy transport (where the stream is the session): ${P.fN} sessions one after another. The client reads the clock (\`performance.timeOrigin + performance.now()\`) just before it drops the stream's TCP connection; the server reads the same machine clock in the hook that sees the session end (Tether: the session's signal, aborted inside \`Session.close()\`; the SDK: the response's \`close\` event; bare: the stream's cancel or the request's abort) and reports that time afterwards over its control port. Latency = the difference, with no control round trip in it. "Via control" is the older measure (drop → the control port's answer that the session is gone arrived), an upper bound kept for comparison. "Clock offset" is the server's clock minus the client's, from pings of the control port (± half the tightest round trips): it should be ~0 on one machine. On Streamable HTTP a dropped stream does not end a session by design (the client may resume): Tether ends it after \`idleTimeoutMs\` (default 30 min); the SDK, @hono/mcp and mcp-lite keep it until DELETE (see "live after drop" in (e)).`);
    out.push("");
    out.push("| server | runtime | gone | p50 ms | p99 ms | max ms | via control p50 / p99 ms | clock offset ms |");
    out.push("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const r of [...results.f].sort(byOrder)) {
      const via = r.bound_p50_ms !== undefined ? `${ms(r.bound_p50_ms)} / ${ms(r.bound_p99_ms)}` : "–";
      const clock = r.clockOffset_ms !== undefined ? `${r.clockOffset_ms.toFixed(3)} ± ${r.clockBound_ms.toFixed(3)}` : "–";
      out.push(`| ${LABEL[r.server]} | ${r.runtime} | ${r.gone}/${r.n}${r.timeouts ? ` (${r.timeouts} > 2 s)` : ""} | ${ms(r.p50_ms)} | ${ms(r.p99_ms)} | ${ms(r.max_ms)} | ${via} | ${clock} |`);
    }
    out.push("");
  }
  if (results.g.length) {
    out.push("## (g) leak check: RSS and live sessions across request/session cycles");
    out.push("");
    out.push(`Each cycle is a whole session: Streamable HTTP initialize → initialized → tools/call → DELETE; legacy GET /sse → initialize → initialized → tools/call → drop the stream. ${P.gConc} concurrent clients (bench/lib/client.mjs, every cycle completed), up to ${int(P.gCycles)} cycles or a time cap, whichever comes first: ${P.gSecondsTether ?? P.gSeconds} s for Tether, ${P.gSeconds} s for the others (the cycles column says how many ran). RSS and heap after a forced GC before the run and at ${P.gChunks} checkpoints. A leak-free server ends with as many live sessions as it started with.`);
    out.push("");
    out.push("| server | runtime | transport | cycles | cycles/s | live before → after | RSS MB at start, then at each checkpoint | heap MB at start, then at each checkpoint |");
    out.push("| --- | --- | --- | ---: | ---: | ---: | --- | --- |");
    for (const r of [...results.g].sort(byOrder)) {
      out.push(`| ${LABEL[r.server]} | ${r.runtime} | ${r.transport} | ${int(r.cycles)}${r.bad ? ` (${r.bad} bad)` : ""} | ${int(r.cycles / r.seconds)} | ${int(r.liveBefore)} → ${int(r.liveAfter)} | ${r.checkpoints.map((c) => mb(c.rss)).join(", ")} | ${r.checkpoints.map((c) => mb(c.heapUsed)).join(", ")} |`);
    }
    out.push("");
    out.push("RSS grows over the first checkpoint as the runtime's allocators and JIT warm up; a leak shows as growth from checkpoint to checkpoint after that, and in the heap.");
    out.push("");
  }
  if (results.h?.length) {
    out.push("## (h) 2026-07-28 tools/call, sessionless, JSON responses");
    out.push("");
    out.push(`Every POST carries the \`_meta\` envelope (\`io.modelcontextprotocol/protocolVersion: "2026-07-28"\`, \`clientCapabilities\`, \`clientInfo\`) and the \`MCP-Protocol-Version\`, \`Mcp-Method\` and \`Mcp-Name\` headers, with no session; every answer checked as in (a) (\`bench/wrk/call2026.lua\`); CPU µs/req as in (a). ${P.sessions} keep-alive connections, wrk closed loop; median of ${P.runs} runs of ${P.seconds} s after a ${P.warm} s warm-up. Tether in its default \`responseMode: "auto"\`; the official SDK v2 \`createMcpHandler\` (one \`McpServer\` from the factory per request, as it is designed) with \`responseMode: "json"\`; the bare limit parses the same body.`);
    out.push("");
    out.push("| server | runtime | requests/s | CPU µs/req | p50 / p99 ms | % of bare, req/s | % of bare, CPU |");
    out.push("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for (const r of [...results.h].sort(byOrder)) {
      const bare = find(results.h, "bare", r.runtime);
      const bold = r.server === "tether" ? "**" : "";
      out.push(`| ${bold}${LABEL[r.server]}${bold} | ${r.runtime} | ${int(r.rps.median)} ${spread(r.rps)}${r.bad ? ` (${r.bad} bad)` : ""} | ${us(cpuOf(r))} | ${ms(r.p50_ms)} / ${ms(r.p99_ms)} | ${bare ? pct(r.rps.median / bare.rps.median) : "–"} | ${bare ? pct(cpuOf(bare) / cpuOf(r)) : "–"} |`);
    }
    out.push("");
    const busy = wrkBound(results, ["h"]);
    if (busy) out.push(busy, "");
  }
  out.push("## Method");
  out.push("");
  out.push("Every server exposes the same `echo` tool (zod input `{ text: string }`, answers the text back) and is started by `bench/run.mjs` from `bench/servers/`; each is written the way its documentation shows (the SDK and @hono/mcp with one `McpServer` per session, mcp-lite with its `InMemorySessionAdapter`, the SDK v2 `createMcpHandler` with a per-request server factory). The limit is a bare `Deno.serve`/`Bun.serve` handler that parses the same JSON-RPC body and answers the same result with no MCP logic. Servers expose memory and session counts on a second, control port so the measured port carries no bench code. Only 127.0.0.1 is used.");
  out.push("");
  out.push("Reproduce: `npm run bench` (or `deno task bench`); it installs `wrk` with apt-get when it is missing and it runs as root. `npm run bench:smoke` runs every workload for a fraction of a second.");
  out.push("");
  return out.join("\n");
}

function median(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function escape(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

/** Grouped horizontal bars: requests per second for (a) and (b), per runtime. */
export function renderChart(results) {
  const groups = [];
  for (const runtime of ["deno", "bun"]) {
    for (const [w, label] of [["a", "JSON responses (a)"], ["b", "SSE responses (b)"]]) {
      const rows = results[w].filter((r) => r.runtime === runtime).sort(byOrder);
      if (rows.length) groups.push({ title: `${runtime === "deno" ? "Deno" : "Bun"}: tools/call, ${label}`, rows });
    }
  }
  const width = 860;
  const labelWidth = 300;
  const barArea = width - labelWidth - 90;
  const barHeight = 16;
  const max = Math.max(1, ...groups.flatMap((g) => g.rows.map((r) => r.rps.median)));
  let y = 40;
  const parts = [];
  for (const g of groups) {
    parts.push(`<text x="10" y="${y}" font-weight="bold">${escape(g.title)}</text>`);
    y += 10;
    for (const r of g.rows) {
      const w = Math.max(1, (r.rps.median / max) * barArea);
      const errMin = labelWidth + (r.rps.min / max) * barArea;
      const errMax = labelWidth + (r.rps.max / max) * barArea;
      parts.push(`<text x="${labelWidth - 8}" y="${y + 12}" text-anchor="end">${escape(LABEL[r.server])}</text>`);
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${COLOR[r.server]}"/>`);
      parts.push(`<line x1="${errMin.toFixed(1)}" x2="${errMax.toFixed(1)}" y1="${y + barHeight / 2}" y2="${y + barHeight / 2}" stroke="#000" stroke-width="1"/>`);
      parts.push(`<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 12}">${int(r.rps.median)}</text>`);
      y += barHeight + 4;
    }
    y += 22;
  }
  const m = results.meta;
  const header = `<text x="10" y="20" font-size="14" font-weight="bold">MCP tools/call requests per second (median, whiskers min–max) — ${escape((m.date ?? "").slice(0, 10))}${m.smoke ? " — SMOKE RUN" : ""}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="#fff"/>\n${header}\n${parts.join("\n")}\n</svg>\n`;
}
