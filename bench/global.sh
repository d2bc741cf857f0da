#!/usr/bin/env bash
# summary: shipping between regions: wire bytes per op vs redis-server's replication stream, local throughput with two peer regions
#
# Run through bench/run global [--ops N] [--runs N] [--requests N]. bench/global_bench.py does the
# work (its header comment has the method). Prints:
#   global: bytes_per_op mix tern=... redis=... ratio=...
#   global: bytes_per_op mix_random64 tern=... redis=... ratio=...
#   global: throughput_with_peers alone=... peers=... ratio=...
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$TERN_ROOT"

tern_install_packages >&2
tern_build_release >&2
exec /usr/bin/python3 bench/global_bench.py "$@"
