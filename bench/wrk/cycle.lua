-- Workloads (d)/(g): session setup and teardown. Run with one connection per thread (-t N -c N)
-- so each thread's state is one connection's: initialize → notifications/initialized →
-- [tools/call when BENCH_CALL=1] → DELETE, then again, for the whole -d duration. The sessions
-- a thread was in the middle of when wrk stopped are listed in the result (`open`), so the
-- harness can DELETE them before it counts live sessions.
-- Env: BENCH_ACCEPT, BENCH_CALL, BENCH_RESULT.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  accept = os.getenv("BENCH_ACCEPT") or "application/json, text/event-stream"
  with_call = os.getenv("BENCH_CALL") == "1"
  step = "initialize"
  sid = nil
  cycles = 0
  bad = 0
  counter = 0
end

local init_body = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"wrk","version":"1.0.0"}}}'
local initialized_body = '{"jsonrpc":"2.0","method":"notifications/initialized"}'

function request()
  counter = counter + 1
  if step == "initialize" then
    return wrk.format("POST", "/mcp", { ["content-type"] = "application/json", ["accept"] = accept }, init_body)
  end
  local headers = {
    ["content-type"] = "application/json",
    ["accept"] = accept,
    ["mcp-session-id"] = sid,
    ["mcp-protocol-version"] = "2025-06-18",
  }
  if step == "initialized" then
    return wrk.format("POST", "/mcp", headers, initialized_body)
  elseif step == "call" then
    return wrk.format("POST", "/mcp", headers,
      '{"jsonrpc":"2.0","id":' .. counter .. ',"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello bench"}}}')
  else
    return wrk.format("DELETE", "/mcp", { ["mcp-session-id"] = sid, ["mcp-protocol-version"] = "2025-06-18" })
  end
end

local function fail(status, body)
  bad = bad + 1
  if bad <= 3 then io.stderr:write("bad " .. step .. " response " .. status .. ": " .. tostring(body):sub(1, 200) .. "\n") end
  step = "initialize"
end

function response(status, headers, body)
  if step == "initialize" then
    sid = nil
    for k, v in pairs(headers) do
      if string.lower(k) == "mcp-session-id" then sid = v end
    end
    if status ~= 200 or not sid then
      sid = nil
      return fail(status, body)
    end
    step = "initialized"
  elseif step == "initialized" then
    if status ~= 202 then return fail(status, body) end
    step = with_call and "call" or "delete"
  elseif step == "call" then
    if status ~= 200 or not string.find(body, '"hello bench"', 1, true) then return fail(status, body) end
    step = "delete"
  else
    if status ~= 200 and status ~= 204 then return fail(status, body) end
    cycles = cycles + 1
    step = "initialize"
    sid = nil
  end
end

function done(summary, latency, requests)
  local cycles_total, bad_total, open = 0, 0, {}
  for _, t in ipairs(threads) do
    cycles_total = cycles_total + t:get("cycles")
    bad_total = bad_total + t:get("bad")
    local s = t:get("sid")
    if s then table.insert(open, '"' .. s .. '"') end
  end
  local f = io.open(os.getenv("BENCH_RESULT"), "w")
  f:write(string.format(
    '{"requests":%d,"duration_us":%d,"cycles":%d,"bad":%d,"errors":%d,"p50_us":%d,"p99_us":%d,"open":[%s]}\n',
    summary.requests, summary.duration, cycles_total, bad_total,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), table.concat(open, ",")))
  f:close()
end
