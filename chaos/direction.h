#pragma once
// The two directions of a proxied link. "up" carries what the client (the side that connected to
// the proxy) sends towards the target; "down" carries the target's bytes back to the client. A
// tern region's shipper dials the peer, so on an inter-region link "up" is shipper -> receiver.
#include <array>
#include <cstdint>
#include <string_view>

namespace tern::chaos {

enum class Direction : std::uint8_t { kUp = 0, kDown = 1 };

inline constexpr std::array<Direction, 2> kBothDirections = {Direction::kUp, Direction::kDown};

// What a control command names: one direction or both.
enum class DirectionChoice : std::uint8_t { kUp, kDown, kBoth };

[[nodiscard]] constexpr std::size_t index_of(Direction direction) {
  return static_cast<std::size_t>(direction);
}

[[nodiscard]] constexpr std::string_view name_of(Direction direction) {
  return direction == Direction::kUp ? "up" : "down";
}

[[nodiscard]] constexpr bool includes(DirectionChoice choice, Direction direction) {
  return choice == DirectionChoice::kBoth ||
         (choice == DirectionChoice::kUp) == (direction == Direction::kUp);
}

}  // namespace tern::chaos
