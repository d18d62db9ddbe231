-- Workloads (a)/(b): tools/call round trips spread over pre-established sessions.
-- Env: BENCH_SESSIONS (file, one session id per line), BENCH_ACCEPT, BENCH_MODE (json | sse: the
-- answer's expected form), BENCH_RESULT (file the summary is written to). Every request has a
-- fresh id (unique per session), and every answer is checked (common.check_call): status 200,
-- the content type of the mode, a JSON-RPC result with the echoed text, and the id of a request
-- this thread asked and had no answer to yet.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")
local counter = 0

setup = common.setup

function init(args)
  sessions = {}
  for line in io.lines(os.getenv("BENCH_SESSIONS")) do
    if line ~= "" then table.insert(sessions, line) end
  end
  accept = os.getenv("BENCH_ACCEPT") or "application/json, text/event-stream"
  sse = os.getenv("BENCH_MODE") == "sse"
  pending = {}
  bad = 0
  good = 0
end

function request()
  counter = counter + 1
  local sid = sessions[(counter % #sessions) + 1]
  local id = tostring(tid * 1000000000 + counter)
  pending[id] = true
  local body = '{"jsonrpc":"2.0","id":' .. id .. ',"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello bench"}}}'
  return wrk.format("POST", "/mcp", {
    ["content-type"] = "application/json",
    ["accept"] = accept,
    ["mcp-session-id"] = sid,
    ["mcp-protocol-version"] = "2025-06-18",
  }, body)
end

function response(status, headers, body)
  local wrong = common.check_call(status, headers, body, sse, pending)
  if wrong then common.bad(wrong, status, body) else good = good + 1 end
end

function done(summary, latency, requests)
  common.write_result(summary, latency, { "good", "bad" })
end
