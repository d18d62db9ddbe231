-- Workload (d): session setup and teardown. Run with one connection per thread (-t N -c N) so
-- each thread's state is one connection's: initialize → notifications/initialized →
-- [tools/call when BENCH_CALL=1] → DELETE, then again, for the whole -d duration. The sessions
-- a thread was in the middle of when wrk stopped are listed in the result (`open`), so the
-- harness can DELETE them before it counts live sessions.
-- Every answer is checked: initialize 200 with a session id, the mode's content type and an
-- InitializeResult for id 1; initialized 202; tools/call as in call.lua; DELETE 200 or 204.
-- Env: BENCH_ACCEPT, BENCH_MODE (json | sse), BENCH_CALL, BENCH_RESULT.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup

function init(args)
  accept = os.getenv("BENCH_ACCEPT") or "application/json, text/event-stream"
  sse = os.getenv("BENCH_MODE") == "sse"
  with_call = os.getenv("BENCH_CALL") == "1"
  step = "initialize"
  sid = nil
  cycles = 0
  bad = 0
  counter = 0
  pending = {}
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
    pending[tostring(counter)] = true
    return wrk.format("POST", "/mcp", headers,
      '{"jsonrpc":"2.0","id":' .. counter .. ',"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello bench"}}}')
  else
    return wrk.format("DELETE", "/mcp", { ["mcp-session-id"] = sid, ["mcp-protocol-version"] = "2025-06-18" })
  end
end

local function fail(what, status, body)
  common.bad(step .. ": " .. what, status, body)
  step = "initialize"
end

--- Checks an answer to initialize; nil when right, else what is wrong.
local function check_initialize(status, headers, body)
  if status ~= 200 then return "status" end
  if not sid then return "no mcp-session-id" end
  local ctype = common.header(headers, "content-type") or ""
  if not string.find(ctype, sse and "text/event-stream" or "application/json", 1, true) then return "content-type " .. ctype end
  if not string.find(body, '"id":1', 1, true) then return "not id 1" end
  if string.find(body, '"error"', 1, true) or not string.find(body, '"protocolVersion"', 1, true) then return "no InitializeResult" end
  return nil
end

function response(status, headers, body)
  if step == "initialize" then
    sid = common.header(headers, "mcp-session-id")
    local wrong = check_initialize(status, headers, body)
    if wrong then
      sid = nil
      return fail(wrong, status, body)
    end
    step = "initialized"
  elseif step == "initialized" then
    if status ~= 202 then return fail("status", status, body) end
    step = with_call and "call" or "delete"
  elseif step == "call" then
    local wrong = common.check_call(status, headers, body, sse, pending)
    if wrong then return fail(wrong, status, body) end
    step = "delete"
  else
    if status ~= 200 and status ~= 204 then return fail("status", status, body) end
    cycles = cycles + 1
    step = "initialize"
    sid = nil
  end
end

function done(summary, latency, requests)
  local open = {}
  for _, t in ipairs(common.threads) do
    local s = t:get("sid")
    if s then table.insert(open, '"' .. s .. '"') end
  end
  common.write_result(summary, latency, { "cycles", "bad" }, '"open":[' .. table.concat(open, ",") .. "]")
end
