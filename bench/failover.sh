#!/usr/bin/env bash
# summary: a 3-node region under quorum writes; kill -9 the leader 20 times: failover p50/p99/max, acked writes lost
#
# Run through bench/run failover [--kills N]. bench/failover_bench.py does the work with the drill
# of tests/integration/region_drill.py: writes go to the leader continuously; after each kill the
# time to the first write acknowledged by the new leader is measured, and every acknowledged
# write is checked on the new leader, key by key. Prints one line:
#   failover: kills=20 p50_ms=... p99_ms=... max_ms=... lost_acked=0
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$TERN_ROOT"

tern_install_packages >&2
tern_build_release >&2
exec /usr/bin/python3 bench/failover_bench.py "$@"
