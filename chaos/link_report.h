#pragma once
// LINKS's line for one link: "name=... state=... " fields, space separated, in a fixed order,
// like an INFO line, so redis-cli shows it readably and tests split it into a dict. Pure.
#include <array>
#include <cstdint>
#include <string>

#include "chaos/link_counters.h"
#include "chaos/link_faults.h"
#include "chaos/link_spec.h"

namespace tern::chaos {

struct LinkView {
  const LinkSpec& spec;
  std::uint16_t bound_port;  // the listening port actually bound (the spec may say 0)
  const LinkFaults& faults;
  const LinkCounters& counters;
  std::array<std::uint64_t, 2> queued_bytes{};  // held by the link's shapers right now
};

// state is the most severe of cut, blackhole, faulty (any setting), ok.
[[nodiscard]] std::string link_report_line(const LinkView& link, Instant now);

}  // namespace tern::chaos
