-- Workloads (a)/(b): tools/call round trips spread over pre-established sessions.
-- Env: BENCH_SESSIONS (file, one session id per line), BENCH_ACCEPT, BENCH_RESULT (file the
-- summary is written to). Every request has a fresh id (unique per session), and every answer
-- is checked for status 200 and the echoed text.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  sessions = {}
  for line in io.lines(os.getenv("BENCH_SESSIONS")) do
    if line ~= "" then table.insert(sessions, line) end
  end
  accept = os.getenv("BENCH_ACCEPT") or "application/json, text/event-stream"
  bad = 0
  good = 0
end

function request()
  counter = counter + 1
  local sid = sessions[(counter % #sessions) + 1]
  local id = tid * 1000000000 + counter
  local body = '{"jsonrpc":"2.0","id":' .. id .. ',"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello bench"}}}'
  return wrk.format("POST", "/mcp", {
    ["content-type"] = "application/json",
    ["accept"] = accept,
    ["mcp-session-id"] = sid,
    ["mcp-protocol-version"] = "2025-06-18",
  }, body)
end

function response(status, headers, body)
  if status == 200 and body and string.find(body, '"hello bench"', 1, true) then
    good = good + 1
  else
    bad = bad + 1
    if bad <= 3 then io.stderr:write("bad response " .. status .. ": " .. tostring(body):sub(1, 200) .. "\n") end
  end
end

function done(summary, latency, requests)
  local good_total, bad_total = 0, 0
  for _, t in ipairs(threads) do
    good_total = good_total + t:get("good")
    bad_total = bad_total + t:get("bad")
  end
  local f = io.open(os.getenv("BENCH_RESULT"), "w")
  f:write(string.format(
    '{"requests":%d,"duration_us":%d,"good":%d,"bad":%d,"errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, good_total, bad_total,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
  f:close()
end
