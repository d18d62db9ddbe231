-- Workload (h): sessionless 2026-07-28 tools/call. Every POST carries the `_meta` envelope
-- (protocolVersion, clientCapabilities, clientInfo) and the MCP-Protocol-Version, Mcp-Method and
-- Mcp-Name headers; no session id. Env: BENCH_RESULT (file the summary is written to). Every
-- answer is checked as in call.lua (common.check_call), JSON expected.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")
local counter = 0

setup = common.setup

function init(args)
  pending = {}
  bad = 0
  good = 0
end

function request()
  counter = counter + 1
  local id = tostring(tid * 1000000000 + counter)
  pending[id] = true
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
  local wrong = common.check_call(status, headers, body, false, pending)
  if wrong then common.bad(wrong, status, body) else good = good + 1 end
end

function done(summary, latency, requests)
  common.write_result(summary, latency, { "good", "bad" })
end
