#!/usr/bin/env bash
# Usage: check_no_forbidden_symbols.sh <static library> [object:symbol allowed ...]
#
# An allowed pair names one object of the archive and one symbol it may reference: the
# uses are pthread_once in protobuf_element_walk.cc.o, op_codec.cc.o and snapshot_codec.cc.o
# (they walk wire bytes and ask FieldDescriptor::type()), which Protobuf's own headers (std::call_once on a field
# descriptor) put into the code that includes them. Protobuf is tern_crdt's one permitted
# dependency, threads included; tern's own code may call none.
#
# Fails if the library's objects reference (leave undefined) any symbol from threads, OpenSSL or
# Asio. The configure-time link-closure check looks at what CMake links; this looks at what the
# compiled code actually calls, so a stray #include <thread> or <asio.hpp> in crdt/ is caught too.
set -euo pipefail

library="${1:?usage: $0 <static library> [object:symbol allowed ...]}"
shift
allowed=("$@")
forbidden='pthread_|SSL_|asio::'

if [[ ! -f "$library" ]]; then
  echo "no such library: $library" >&2
  exit 2
fi

# "object: U symbol" lines, one per undefined reference, minus the allowed pairs.
symbols="$(nm -A -C --undefined-only "$library" | sed -E 's/^[^:]*:([^:]*):[[:space:]]*U[[:space:]]+/\1 /')"
for pair in "${allowed[@]}"; do
  symbols="$(grep -v -x -F "${pair%%:*} ${pair#*:}" <<<"$symbols" || true)"
done
if matches="$(grep -E "$forbidden" <<<"$symbols")"; then
  echo "forbidden undefined symbols in $library (pattern: $forbidden):"
  echo "$matches"
  exit 1
fi
echo "no forbidden undefined symbols in $library (pattern: $forbidden)"
