#!/usr/bin/env bash
# Entry point of `npm run bench` / `npm run bench:smoke` / `deno task bench`: makes sure wrk is
# there (installing the Debian package when it is missing and we run as root), then runs the
# harness with node, itself pinned to CPU 0 where taskset exists (servers go to CPU 1).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing wrk (apt-get)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "bench: wrk is required (Debian/Ubuntu: sudo apt-get install wrk)" >&2
    exit 1
  fi
fi
[ -x node_modules/.bin/deno ] && [ -x node_modules/.bin/bun ] || npm install --no-audit --no-fund
pin=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then pin=(taskset -c 0); fi
exec "${pin[@]}" node bench/run.mjs "$@"
