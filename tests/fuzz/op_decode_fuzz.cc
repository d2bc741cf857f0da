// libFuzzer target for decode_batch, the first code to touch bytes from another region.
// Beyond "never crash" (ASan and UBSan watch for that), it checks that decoding is stable:
// whatever decodes, once re-encoded, decodes again to the same ops, so what a region applies
// does not depend on whether the batch went through a relay that re-encodes it.
//
//   cmake -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DTERN_FUZZ=ON \
//     -DCMAKE_BUILD_TYPE=Debug && cmake --build build/fuzz --target tern_fuzz_op_decode
//   cp -r tests/fuzz/corpus/op_decode /tmp/corpus && build/fuzz/tern_fuzz_op_decode /tmp/corpus
//
// The seed corpus is written by the test case "op codec seed batches of every kind decode and
// can be written as a fuzz corpus" (TERN_WRITE_FUZZ_CORPUS=<dir>).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "crdt/op_codec.h"
#include "tests/crdt/op_equality.h"

namespace tern::crdt {
namespace {


// Every field of Op; scores bit for bit, so -0.0 and 0.0 differ as they do in a digest.
bool same_op(const Op& a, const Op& b) {
  if (a.kind != b.kind || a.database != b.database || a.key != b.key || a.stamp != b.stamp ||
      a.context.raw() != b.context.raw() || a.target != b.target || a.path != b.path ||
      a.value != b.value || std::signbit(a.score) != std::signbit(b.score) ||
      !(a.score == b.score) || a.group != b.group || a.first != b.first || a.int_sum != b.int_sum ||
      !same_long_double(a.float_sum, b.float_sum) || a.deadline_ms != b.deadline_ms ||
      a.keep_ttl != b.keep_ttl || !same_registers(a.observed, b.observed) ||
      a.flush_observed.size() != b.flush_observed.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.flush_observed.size(); ++i) {
    if (a.flush_observed[i].key != b.flush_observed[i].key ||
        !same_registers(a.flush_observed[i].registers, b.flush_observed[i].registers)) {
      return false;
    }
  }
  return true;
}

// Traps (a crash libFuzzer reports) when a decodable batch does not decode stably.
void check_decode_is_stable(std::span<const std::byte> bytes) {
  const auto first = decode_batch(bytes);
  if (!first.ok()) return;
  const DecodedBatch& batch = first.value();
  const std::string again = encode_batch(batch.origin, batch.first_log_index, batch.ops);
  const auto second =
      decode_batch(std::as_bytes(std::span<const char>(again.data(), again.size())));
  if (!second.ok()) __builtin_trap();
  const DecodedBatch& redecoded = second.value();
  if (redecoded.origin != batch.origin || redecoded.first_log_index != batch.first_log_index ||
      redecoded.ops.size() != batch.ops.size()) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < batch.ops.size(); ++i) {
    if (!same_op(batch.ops[i], redecoded.ops[i])) __builtin_trap();
  }
}

}  // namespace
}  // namespace tern::crdt

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tern::crdt::check_decode_is_stable(std::as_bytes(std::span<const std::uint8_t>(data, size)));
  return 0;
}
