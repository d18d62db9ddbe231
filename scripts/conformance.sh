#!/usr/bin/env bash
# Runs the official MCP conformance suite against examples/everything.ts on Deno and on Bun:
#   @modelcontextprotocol/conformance 0.1.16          with --suite all (pending scenarios included)
#   @modelcontextprotocol/conformance 0.2.0-alpha.12  with --requirements 2025-11-25
#   @modelcontextprotocol/conformance 0.2.0-alpha.12  with --requirements 2026-07-28 (sessionless)
# Each server listens on 127.0.0.1 on a port the OS picks. The conformance CLI wants Node >= 22,
# so it runs under Bun. Prints each summary; exits non-zero on any failure.
# Known suite mistakes may be listed in conformance/baseline-<suite>.yml (with reason and spec text).
# Usage: npm run conformance [-- deno|bun ...]   (default: both runtimes)
set -u
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
runtimes=("$@")
[ ${#runtimes[@]} -eq 0 ] && runtimes=(deno bun)
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_server() { # $1 = runtime; sets server_pid and url
  local log="$work/server-$1.log"
  case "$1" in
    deno) PORT=0 deno run --allow-net --allow-env examples/everything.ts >"$log" 2>&1 & ;;
    bun) PORT=0 bun run examples/everything.ts >"$log" 2>&1 & ;;
    *) echo "unknown runtime $1" >&2; return 1 ;;
  esac
  server_pid=$!
  url=""
  for _ in $(seq 1 300); do
    url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/mcp' "$log" | head -1)
    [ -n "$url" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the everything server did not start on $1:" >&2
  cat "$log" >&2
  return 1
}

stop_server() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  server_pid=""
}

failed=0
summary=()
run_suite() { # $1 = runtime, $2 = label, $3 = package dir, rest = args
  local runtime=$1 label=$2 pkg=$3
  shift 3
  local out="$work/$runtime-$label.txt" baseline="conformance/baseline-$label.yml" extra=()
  [ -f "$baseline" ] && extra=(--expected-failures "$baseline")
  echo "== $runtime: conformance $label $* =="
  local start=$SECONDS
  bun "node_modules/$pkg/dist/index.js" server --url "$url" "$@" "${extra[@]}" >"$out" 2>&1
  local rc=$?
  # The per-scenario lines with their failures, then the totals.
  grep -E '✗|FAIL|Failed|Error|Total|passed|failed|WARN|expected' "$out" | grep -vE '^\s*$' | tail -40
  local line
  line=$(grep -E 'Total:' "$out" | tail -1)
  [ -z "$line" ] && line="(no summary; exit $rc)"
  local verdict=""
  if [ -f "$baseline" ]; then
    verdict=$(sed -E 's/\x1b\[[0-9;]*m//g' "$out" | grep -oE 'Baseline check passed|Unexpected failures|Baseline is stale' | head -1)
    verdict="; baseline $baseline: ${verdict:-no verdict}"
  fi
  summary+=("$runtime  $label  $line  ($((SECONDS - start)) s, exit $rc$verdict)")
  [ "$rc" -ne 0 ] && failed=1
}

for runtime in "${runtimes[@]}"; do
  if ! start_server "$runtime"; then failed=1; summary+=("$runtime  server did not start"); continue; fi
  run_suite "$runtime" "0.1" conformance-0.1 --suite all
  run_suite "$runtime" "0.2" conformance-0.2 --requirements 2025-11-25
  run_suite "$runtime" "0.2-2026" conformance-0.2 --requirements 2026-07-28
  stop_server
done

echo
echo "== conformance summary =="
for line in "${summary[@]}"; do echo "$line"; done
exit "$failed"
