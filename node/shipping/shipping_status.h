#pragma once
// What INFO replication shows about the other regions: filled by ShippingService, read by the
// command handlers through Node::shipping_report (node/ never includes the service itself).
#include <cstdint>
#include <string>
#include <vector>

namespace tern::node {

struct PeerRegionReport {
  std::string name;
  std::uint32_t id = 0;
  bool outbound_up = false;      // this leader's link to that region's leader carries batches
  bool inbound_up = false;       // that region's leader ships here
  bool needs_snapshot = false;   // it misses ops no longer retained here
  std::uint64_t pending_batches = 0;
  std::uint64_t pending_bytes = 0;
  std::uint64_t in_flight_bytes = 0;
  std::uint64_t lag_ms = 0;      // how long the oldest op it has not acknowledged has waited
  std::uint64_t batches_sent = 0;
  std::uint64_t ops_bytes_sent = 0;    // before compression
  std::uint64_t wire_bytes_sent = 0;   // frames, after compression
  std::uint64_t batches_received = 0;
  std::uint64_t ops_bytes_received = 0;   // after decompression
  std::uint64_t wire_bytes_received = 0;  // frames as they arrived (all links from that region)
  std::uint64_t duplicates_received = 0;
  std::uint64_t connects = 0;          // links established (resumes after the first)
};

struct ShippingReport {
  bool leader = false;  // this node ships and receives (it leads its region)
  std::uint64_t retained_batches = 0;
  std::uint64_t retained_bytes = 0;
  std::uint64_t waiting_batches = 0;  // received early, waiting for what they depend on
  std::string waiting_reason;         // why the oldest of them waits
  std::vector<PeerRegionReport> peers;
};

}  // namespace tern::node
