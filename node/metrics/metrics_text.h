#pragma once
// The Prometheus text exposition (format 0.0.4) of what a node knows about its region and the
// other regions: the same figures as INFO replication, under metric names with labels.
#include <cstdint>
#include <optional>
#include <string>

#include "node/region/region_status.h"
#include "node/shipping/shipping_status.h"

namespace tern::node {

struct MetricsInput {
  std::string region;
  std::uint64_t connected_clients = 0;
  std::uint64_t used_memory_bytes = 0;
  std::uint64_t commands_processed = 0;
  std::uint64_t clock_skew_warnings = 0;  // remote stamps further ahead than the allowed skew
  std::uint64_t max_clock_skew_ms = 0;
  std::optional<RegionReport> region_report;
  std::optional<ShippingReport> shipping;
};

std::string render_metrics(const MetricsInput& input);

}  // namespace tern::node
