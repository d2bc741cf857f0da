#include "node/metrics/metrics_text.h"

namespace tern::node {
namespace {

// Label values escape backslash, double quote and newline (the exposition format's rule).
std::string label_value(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const char* name, const std::string& labels, std::uint64_t value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
    out_ += std::to_string(value);
    out_ += '\n';
  }

 private:
  std::string& out_;
};

}  // namespace

std::string render_metrics(const MetricsInput& in) {
  std::string out;
  Writer w(out);
  const std::string region = "region=\"" + label_value(in.region) + "\"";
  w.family("tern_connected_clients", "gauge", "Client connections open now.");
  w.sample("tern_connected_clients", region, in.connected_clients);
  w.family("tern_used_memory_bytes", "gauge", "Bytes allocated by the node.");
  w.sample("tern_used_memory_bytes", region, in.used_memory_bytes);
  w.family("tern_commands_processed_total", "counter", "Commands run.");
  w.sample("tern_commands_processed_total", region, in.commands_processed);
  w.family("tern_clock_skew_warnings_total", "counter",
           "Operations from another region stamped further ahead of this node's clock than allowed.");
  w.sample("tern_clock_skew_warnings_total", region, in.clock_skew_warnings);
  w.family("tern_clock_skew_max_ms", "gauge", "The largest such lead seen, in milliseconds.");
  w.sample("tern_clock_skew_max_ms", region, in.max_clock_skew_ms);
  if (in.region_report) {
    const RegionReport& r = *in.region_report;
    w.family("tern_region_leader", "gauge", "1 when this node leads its region.");
    w.sample("tern_region_leader", region, r.role == "leader" ? 1 : 0);
    w.family("tern_region_term", "gauge", "The region log's current term.");
    w.sample("tern_region_term", region, r.term);
    w.family("tern_region_commit_index", "gauge", "The region log's commit index.");
    w.sample("tern_region_commit_index", region, r.commit);
    w.family("tern_region_applied_index", "gauge", "The last region log entry applied here.");
    w.sample("tern_region_applied_index", region, r.applied);
  }
  if (in.shipping) {
    const ShippingReport& s = *in.shipping;
    w.family("tern_shipping_retained_bytes", "gauge", "Committed ops kept for other regions.");
    w.sample("tern_shipping_retained_bytes", region, s.retained_bytes);
    w.family("tern_shipping_waiting_batches", "gauge", "Batches received before what they depend on.");
    w.sample("tern_shipping_waiting_batches", region, s.waiting_batches);
    struct Family {
      const char* name;
      const char* type;
      const char* help;
      std::uint64_t PeerRegionReport::*field;
    };
    static constexpr Family kFamilies[] = {
        {"tern_peer_lag_ms", "gauge", "How long the oldest op the peer region has not acknowledged has waited.",
         &PeerRegionReport::lag_ms},
        {"tern_peer_pending_batches", "gauge", "Batches for the peer region not sent yet.",
         &PeerRegionReport::pending_batches},
        {"tern_peer_pending_bytes", "gauge", "Bytes of ops for the peer region not sent yet.",
         &PeerRegionReport::pending_bytes},
        {"tern_peer_in_flight_bytes", "gauge", "Bytes of ops sent to the peer region and not acknowledged.",
         &PeerRegionReport::in_flight_bytes},
        {"tern_peer_batches_sent_total", "counter", "Batches shipped to the peer region.",
         &PeerRegionReport::batches_sent},
        {"tern_peer_ops_bytes_sent_total", "counter", "Bytes of ops shipped, before compression.",
         &PeerRegionReport::ops_bytes_sent},
        {"tern_peer_wire_bytes_sent_total", "counter", "Bytes of frames shipped, after compression.",
         &PeerRegionReport::wire_bytes_sent},
        {"tern_peer_batches_received_total", "counter", "Batches received from the peer region.",
         &PeerRegionReport::batches_received},
        {"tern_peer_ops_bytes_received_total", "counter", "Bytes of ops received, after decompression.",
         &PeerRegionReport::ops_bytes_received},
        {"tern_peer_wire_bytes_received_total", "counter", "Bytes of frames received, compressed.",
         &PeerRegionReport::wire_bytes_received},
        {"tern_peer_duplicates_received_total", "counter", "Batches received that were already here.",
         &PeerRegionReport::duplicates_received},
        {"tern_peer_connects_total", "counter", "Shipping links established (resumes after the first).",
         &PeerRegionReport::connects},
    };
    w.family("tern_peer_link_up", "gauge", "1 when this leader ships to the peer region.");
    for (const PeerRegionReport& peer : s.peers) {
      w.sample("tern_peer_link_up", region + ",peer=\"" + label_value(peer.name) + "\"", peer.outbound_up ? 1 : 0);
    }
    w.family("tern_peer_needs_snapshot", "gauge", "1 when the peer region misses ops no longer retained.");
    for (const PeerRegionReport& peer : s.peers) {
      w.sample("tern_peer_needs_snapshot", region + ",peer=\"" + label_value(peer.name) + "\"",
               peer.needs_snapshot ? 1 : 0);
    }
    for (const Family& f : kFamilies) {
      w.family(f.name, f.type, f.help);
      for (const PeerRegionReport& peer : s.peers) {
        w.sample(f.name, region + ",peer=\"" + label_value(peer.name) + "\"", peer.*f.field);
      }
    }
  }
  return out;
}

}  // namespace tern::node
