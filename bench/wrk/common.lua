-- Shared by call.lua, call2026.lua and cycle.lua: the thread registry, the strict check of a
-- tools/call answer, and the summary file. wrk runs LuaJIT with the standard libraries, so a
-- script loads this with `require` after putting its own directory on package.path:
--   package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
-- Each wrk thread has its own Lua state (and its own copy of this module); setup() and done()
-- run in the main state, which is where `threads` lives.
local M = {}

M.threads = {}

--- wrk's setup(thread): numbers the thread (`tid`) and remembers it for done().
function M.setup(thread)
  thread:set("tid", #M.threads)
  table.insert(M.threads, thread)
end

--- A response header by name, whatever its case (runtimes differ: Content-Type, content-type).
function M.header(headers, name)
  local value = headers[name]
  if value then return value end
  for k, v in pairs(headers) do
    if string.lower(k) == name then return v end
  end
  return nil
end

--- Checks an answer to an echo tools/call. `sse`: the answer must be an SSE stream, else JSON.
--- `pending` (optional): the ids asked and not yet answered, as strings; the answer's id must be
--- one of them, and is then struck off, so a repeated or invented id counts as bad.
--- Returns nil when the answer is right, else what is wrong.
function M.check_call(status, headers, body, sse, pending)
  if status ~= 200 then return "status " .. status end
  local ctype = M.header(headers, "content-type") or ""
  if sse then
    if not string.find(ctype, "text/event-stream", 1, true) then return "content-type " .. ctype end
    if not string.find(body, "data:", 1, true) then return "no data line" end
  elseif not string.find(ctype, "application/json", 1, true) then
    return "content-type " .. ctype
  end
  if not string.find(body, '"jsonrpc":"2.0"', 1, true) then return "no jsonrpc" end
  if string.find(body, '"error"', 1, true) then return "error" end
  if not string.find(body, '"result"', 1, true) then return "no result" end
  if not string.find(body, '"hello bench"', 1, true) then return "no echo" end
  if string.find(body, '"isError":true', 1, true) then return "tool error" end
  if pending then
    local id = string.match(body, '"id":(%d+)')
    if not id then return "no id" end
    if not pending[id] then return "unexpected id " .. id end
    pending[id] = nil
  end
  return nil
end

--- Counts a bad answer (in the thread's global `bad`) and shows the first few on stderr.
function M.bad(what, status, body)
  bad = bad + 1
  if bad <= 3 then io.stderr:write("bad " .. what .. " (" .. status .. "): " .. tostring(body):sub(1, 200) .. "\n") end
end

local function errors(summary)
  local e = summary.errors
  return e.connect + e.read + e.write + e.status + e.timeout
end

--- Sums the per-thread counters named in `counters` and writes the summary JSON (one line) to
--- BENCH_RESULT: requests, duration, those sums, socket/status errors, latency percentiles,
--- plus `extra` (already JSON text, e.g. '"open":[...]').
function M.write_result(summary, latency, counters, extra)
  local totals = {}
  for _, name in ipairs(counters) do totals[name] = 0 end
  for _, t in ipairs(M.threads) do
    for _, name in ipairs(counters) do totals[name] = totals[name] + (t:get(name) or 0) end
  end
  local parts = {
    string.format('"requests":%d,"duration_us":%d,"errors":%d', summary.requests, summary.duration, errors(summary)),
    string.format('"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f',
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean),
  }
  for _, name in ipairs(counters) do table.insert(parts, string.format('"%s":%d', name, totals[name])) end
  if extra then table.insert(parts, extra) end
  local f = io.open(os.getenv("BENCH_RESULT"), "w")
  f:write("{" .. table.concat(parts, ",") .. "}\n")
  f:close()
end

return M
