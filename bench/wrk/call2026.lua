-- Workload (h): sessionless 2026-07-28 tools/call. Every POST carries the `_meta` envelope
-- (protocolVersion, clientCapabilities, clientInfo) and the MCP-Protocol-Version, Mcp-Method and
-- Mcp-Name headers; no session id. Env: BENCH_RESULT (file the summary is written to). Every
-- answer is checked for status 200, a JSON body and the echoed text.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  good = 0
end

function request()
  counter = counter + 1
  local id = tid * 1000000000 + counter
  local body = '{"jsonrpc":"2.0","id":' .. id .. ',"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello bench"},'
    .. '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},'
    .. '"io.modelcontextprotocol/clientInfo":{"name":"bench","version":"1.0.0"}}}}'
  return wrk.format("POST", "/mcp", {
    ["content-type"] = "application/json",
    ["accept"] = "application/json, text/event-stream",
    ["mcp-protocol-version"] = "2026-07-28",
    ["mcp-method"] = "tools/call",
    ["mcp-name"] = "echo",
  }, body)
end

function response(status, headers, body)
  local ctype = headers["Content-Type"] or headers["content-type"] or ""
  if status == 200 and string.find(ctype, "application/json", 1, true) and body and string.find(body, '"hello bench"', 1, true) then
    good = good + 1
  else
    bad = bad + 1
    if bad <= 3 then io.stderr:write("bad response " .. status .. " (" .. ctype .. "): " .. tostring(body):sub(1, 200) .. "\n") end
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
