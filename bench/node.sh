#!/usr/bin/env bash
# summary: redis-server vs tern-server under redis-benchmark: rps, latency, CPU/request, bytes/key
#
# Run through bench/run node [--runs N] [--requests N[,N16]] [--tests SET,GET,...]
# [--load-keys N] [--quick]. bench/node_bench.py does the work; its header comment describes
# the method and the output.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$TERN_ROOT"

tern_install_packages >&2
tern_build_release >&2   # only rebuilds what changed
if [[ ! -x build/release/tern-server ]]; then
  echo "build/release/tern-server was not built: node/server_main.cc does not exist yet" >&2
  exit 1
fi
# Debian's interpreter by path: the python3 first on PATH may be another one.
exec /usr/bin/python3 bench/node_bench.py "$@"
