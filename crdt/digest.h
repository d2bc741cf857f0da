#pragma once
// A 64-bit state digest (FNV-1a over a canonical encoding). Replicas compare digests to
// prove convergence; every container is fed in a sorted order so equal states hash equal.
#include <cstdint>
#include <string_view>

namespace tern::crdt {

class Digest {
 public:
  void add_bytes(std::string_view bytes) {
    add_u64(bytes.size());
    for (unsigned char c : bytes) mix(c);
  }
  void add_u64(std::uint64_t value) {
    for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(value >> (8 * i)));
  }
  void add_long_double(long double value) {
    // The x87 80-bit format has 6 padding bytes whose content is unspecified: hash only the
    // significand and the sign/exponent word.
    unsigned char raw[sizeof(long double)] = {};
    __builtin_memcpy(raw, &value, sizeof value);
    for (int i = 0; i < 10; ++i) mix(raw[i]);
  }
  [[nodiscard]] std::uint64_t value() const { return state_; }

 private:
  void mix(unsigned char c) {
    state_ ^= c;
    state_ *= 0x100000001b3ULL;
  }
  std::uint64_t state_ = 0xcbf29ce484222325ULL;
};

}  // namespace tern::crdt
