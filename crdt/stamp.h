#pragma once
// A Stamp is one 64-bit hybrid-logical-clock reading that is unique per operation:
//   bits 63..22  milliseconds since 2020-01-01 UTC (42 bits, good until year 2159)
//   bits 21..6   logical counter (16 bits)
//   bits  5..0   origin region id (6 bits, so at most 64 regions)
// Comparing the raw bits orders stamps by (time, logical, region), the total order every
// last-writer-wins rule uses. Because a region's HLC never repeats a reading, a stamp also
// names its operation uniquely: it is the operation's dot. Using the HLC rather than a log
// index as the dot means a log index reused after a leader change can never alias two
// operations (see crdt/README.md, "Identity").
#include <compare>
#include <cstdint>

namespace tern::crdt {

struct RegionId {
  std::uint8_t value = 0;
  auto operator<=>(const RegionId&) const = default;
};

inline constexpr int kRegionBits = 6;
inline constexpr int kLogicalBits = 16;
inline constexpr int kMillisecondBits = 64 - kRegionBits - kLogicalBits;
inline constexpr std::uint32_t kMaxRegions = 1U << kRegionBits;
inline constexpr std::uint32_t kMaxLogical = (1U << kLogicalBits) - 1;
inline constexpr std::uint64_t kStampEpochUnixMs = 1577836800000ULL;  // 2020-01-01T00:00:00Z
inline constexpr std::uint64_t kMaxStampMs = (1ULL << kMillisecondBits) - 1;

class Stamp {
 public:
  constexpr Stamp() = default;
  static constexpr Stamp from_bits(std::uint64_t bits) { return Stamp{bits}; }
  // `ms` counts from kStampEpochUnixMs; callers clamp it to kMaxStampMs.
  static constexpr Stamp make(std::uint64_t ms, std::uint32_t logical, RegionId region) {
    return Stamp{(ms << (kLogicalBits + kRegionBits)) |
                 (static_cast<std::uint64_t>(logical) << kRegionBits) | region.value};
  }
  // The smallest stamp at absolute Unix time `unix_ms`: "stamped before D" is `s < floor(D)`.
  static constexpr Stamp floor_of_unix_ms(std::uint64_t unix_ms) {
    if (unix_ms <= kStampEpochUnixMs) return Stamp{};
    std::uint64_t ms = unix_ms - kStampEpochUnixMs;
    if (ms > kMaxStampMs) return Stamp{~0ULL};
    return make(ms, 0, RegionId{0});
  }

  [[nodiscard]] constexpr std::uint64_t bits() const { return bits_; }
  [[nodiscard]] constexpr std::uint64_t ms() const { return bits_ >> (kLogicalBits + kRegionBits); }
  [[nodiscard]] constexpr std::uint64_t unix_ms() const { return ms() + kStampEpochUnixMs; }
  [[nodiscard]] constexpr std::uint32_t logical() const {
    return static_cast<std::uint32_t>((bits_ >> kRegionBits) & kMaxLogical);
  }
  [[nodiscard]] constexpr RegionId region() const {
    return RegionId{static_cast<std::uint8_t>(bits_ & (kMaxRegions - 1))};
  }
  [[nodiscard]] constexpr bool is_zero() const { return bits_ == 0; }

  constexpr auto operator<=>(const Stamp&) const = default;

 private:
  constexpr explicit Stamp(std::uint64_t bits) : bits_(bits) {}
  std::uint64_t bits_ = 0;
};

}  // namespace tern::crdt
