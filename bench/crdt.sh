#!/usr/bin/env bash
# summary: CRDT apply/merge throughput of tern_crdt in-process (Release build, no server)
#
# Run through bench/run crdt [arguments for tern_crdt_bench...].
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$TERN_ROOT"

tern_install_packages >&2
tern_build_release >&2   # only rebuilds what changed
if [[ ! -x build/release/tern_crdt_bench ]]; then
  echo "build/release/tern_crdt_bench was not built: bench/crdt_bench.cc does not exist yet" >&2
  exit 1
fi
exec build/release/tern_crdt_bench "$@"
