#!/usr/bin/env bash
# Tests the tests: builds tern_crdt once per deliberate bug (crdt/mutant.h) and requires the
# convergence property test to catch each one within its 10,000 seeded histories.
# Usage: tests/crdt/mutants.sh [build root, default build]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root="${1:-build}"
names=("" "no tie-break by region" "floats summed in arrival order" "DEL as plain last-writer-wins" \
  "tombstones dropped on the local vector alone")
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
escaped=0
for mutant in 1 2 3 4; do
  dir="$root/mutant-$mutant"
  cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DTERN_CRDT_MUTANT="$mutant" >/dev/null
  cmake --build "$dir" --target tern_crdt_tests -j "${TERN_JOBS:-$(nproc)}" >/dev/null
  if output="$("$dir/tern_crdt_tests" -tc="crdt property*" 2>&1)"; then
    echo "mutant $mutant (${names[$mutant]}): NOT caught"
    echo "$output" | grep "crdt-property:" || true
    escaped=$((escaped + 1))
  else
    seed_line="$(echo "$output" | grep -m1 "diverged" | cut -c1-120 || true)"
    count_line="$(echo "$output" | grep "histories," || true)"
    echo "mutant $mutant (${names[$mutant]}): caught; $count_line; first: $seed_line"
  fi
done
echo "mutants: $((4 - escaped)) passed, $escaped failed"
[[ $escaped -eq 0 ]]
