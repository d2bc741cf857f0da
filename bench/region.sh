#!/usr/bin/env bash
# summary: SET -P 16 on a 3-node region (quorum and local acks) vs one tern-server vs redis-server with a replica; failover times
#
# Run through bench/run region [--runs N] [--requests N] [--kills N]. bench/region_bench.py does
# the work (its header comment has the method). Prints:
#   region: test=SET P=16 single=<rps> quorum=<rps> ratio=<quorum/single>
#   region: test=SET P=16 single=<rps> local=<rps> ratio=<local/single>
#   region: test=SET P=16 redis_with_replica=<rps> quorum=<rps> ratio=<quorum/redis>
#   failover: kills=20 p50_ms=... p99_ms=... max_ms=... lost_acked=0
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$TERN_ROOT"

tern_install_packages >&2
tern_build_release >&2
exec /usr/bin/python3 bench/region_bench.py "$@"
