#pragma once
// What a link has carried since the proxy started; LINKS reports it. Bytes count when written
// to the far side (forwarded) or when thrown away (dropped: blackhole, half-open, or still
// queued when a connection was reset or cut).
#include <array>
#include <cstdint>

#include "chaos/direction.h"

namespace tern::chaos {

struct LinkCounters {
  std::array<std::uint64_t, 2> forwarded_bytes{};
  std::array<std::uint64_t, 2> dropped_bytes{};
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t connections_reset = 0;  // by RESET, CUT, or a blackhole lifted before dialling
  std::uint64_t connects_failed = 0;    // the target refused or could not be reached
  // Connects refused while the link is cut are not counted: the kernel refuses them (the
  // listener is closed), so the proxy never sees them.
};

}  // namespace tern::chaos
