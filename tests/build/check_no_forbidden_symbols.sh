#!/usr/bin/env bash
# Usage: check_no_forbidden_symbols.sh <static library>
#
# Fails if the library's objects reference (leave undefined) any symbol from threads, OpenSSL or
# Asio. The configure-time link-closure check looks at what CMake links; this looks at what the
# compiled code actually calls, so a stray #include <thread> or <asio.hpp> in crdt/ is caught too.
set -euo pipefail

library="${1:?usage: $0 <static library>}"
forbidden='pthread_|SSL_|asio::'

if [[ ! -f "$library" ]]; then
  echo "no such library: $library" >&2
  exit 2
fi

symbols="$(nm -C --undefined-only "$library")"
if matches="$(grep -E "$forbidden" <<<"$symbols")"; then
  echo "forbidden undefined symbols in $library (pattern: $forbidden):"
  echo "$matches"
  exit 1
fi
echo "no forbidden undefined symbols in $library (pattern: $forbidden)"
