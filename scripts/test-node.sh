#!/usr/bin/env bash
# Node 20+ and Cloudflare Workers tests: builds what npm ships (dist/, via `npm run build`),
# bundles the Workers test entry for Miniflare, then runs tests/node/*.node-test.mjs with `node --test`.
# Last line: "N passed, M failed". scripts/test.sh runs this too (and adds the counts) when it
# is given no file filter.
set -u
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
fail() { echo "$1"; echo "0 passed, 1 failed"; exit 1; }
node scripts/build.mjs || fail "build (node scripts/build.mjs) failed"
mkdir -p .build
bun build tests/node/_worker_entry.ts --target browser --format esm --outfile .build/worker.js >/dev/null \
  || fail "bundling the Workers test entry failed"
log=$(mktemp)
node --test tests/node/*.node-test.mjs 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
pass=$(grep -E '^# pass [0-9]+' "$log" | tail -1 | tr -dc 0-9)
failed=$(grep -E '^# fail [0-9]+' "$log" | tail -1 | tr -dc 0-9)
rm -f "$log"
pass=${pass:-0}; failed=${failed:-0}
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
