#!/usr/bin/env bash
# Runs the whole test suite under Deno and under Bun (both from node_modules), and, when given no
# file filter, the Node/Workers tests (scripts/test-node.sh); then prints one line
# "N passed, M failed" summed over all of them. Exit status is non-zero on any failure.
# Extra arguments are passed to both runners as file filters, e.g. `npm test -- tests/legacy_sse_test.ts`.
set -u
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
files=("$@")
run_node=0
[ ${#files[@]} -eq 0 ] && files=(tests/) && run_node=1
log=$(mktemp -d)

echo "== deno test =="
deno test -A --no-check --unstable-no-legacy-abort --v8-flags=--expose-gc --junit-path="$log/deno.xml" "${files[@]}" 2>&1 | tee "$log/deno.txt"
deno_rc=${PIPESTATUS[0]}

echo "== bun test =="
bun_files=()
for f in "${files[@]}"; do bun_files+=("./$f"); done
bun test "${bun_files[@]}" 2>&1 | tee "$log/bun.txt"
bun_rc=${PIPESTATUS[0]}

# "passed failed" of a deno test run, from its JUnit report (Deno counts a describe() block as one
# test with steps; the report lists the leaves) and its exit status: a run that crashed before its
# report counts as one failure, and a failing exit status as at least one.
deno_counts() {
  local pass="" fail=""
  if [ -s "$1" ]; then read -r pass fail < <(node scripts/count-junit.mjs "$1"); fi
  [ -z "$pass" ] && pass=0 && fail=${fail:-1}
  fail=${fail:-0}
  [ "$2" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
  echo "$pass $fail"
}

# Deno 2 by default also aborts request.signal when a response ends normally (and prints a warning
# once); the flag above opts in to the coming behaviour. Sessions must end the same way in both
# modes, so on a full run the disconnect and lifecycle tests also run in the default one.
abort_pass=0; abort_fail=0
if [ "$run_node" -eq 1 ]; then
  echo "== deno test, Deno's default abort mode (no --unstable-no-legacy-abort) =="
  deno test -A --no-check --junit-path="$log/deno-default-abort.xml" tests/security_disconnect_test.ts \
    tests/legacy_sse_test.ts tests/streamable_lifecycle_test.ts tests/streamable_http_test.ts 2>&1 | tee "$log/deno-default-abort.txt"
  abort_rc=${PIPESTATUS[0]}
  read -r abort_pass abort_fail < <(deno_counts "$log/deno-default-abort.xml" "$abort_rc")
fi

node_pass=0; node_fail=0
if [ "$run_node" -eq 1 ]; then
  echo "== node --test (scripts/test-node.sh) =="
  bash scripts/test-node.sh 2>&1 | tee "$log/node.txt"
  node_summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log/node.txt" | tail -1)
  node_pass=$(echo "$node_summary" | sed -E 's/^([0-9]+) passed.*/\1/'); node_pass=${node_pass:-0}
  node_fail=$(echo "$node_summary" | sed -E 's/.* ([0-9]+) failed$/\1/'); node_fail=${node_fail:-1}
fi

strip() { sed -E 's/\x1b\[[0-9;]*m//g' "$1"; }
read -r deno_pass deno_fail < <(deno_counts "$log/deno.xml" "$deno_rc")
bun_pass=$(strip "$log/bun.txt" | grep -E '^ *[0-9]+ pass$' | tail -1 | tr -dc 0-9)
bun_fail=$(strip "$log/bun.txt" | grep -E '^ *[0-9]+ fail$' | tail -1 | tr -dc 0-9)
# A runner that crashed before its summary counts as one failure.
[ -z "$bun_pass" ] && bun_pass=0 && bun_fail=${bun_fail:-1}
bun_fail=${bun_fail:-0}
[ "$bun_rc" -ne 0 ] && [ "$bun_fail" -eq 0 ] && bun_fail=1
rm -rf "$log"
deno_pass=$((deno_pass + abort_pass)); deno_fail=$((deno_fail + abort_fail))
echo "deno: $deno_pass passed, $deno_fail failed (of which default abort mode: $abort_pass passed, $abort_fail failed); bun: $bun_pass passed, $bun_fail failed; node: $node_pass passed, $node_fail failed"
passed=$((deno_pass + bun_pass + node_pass)); failed=$((deno_fail + bun_fail + node_fail))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
