#include "chaos/link_report.h"

#include <chrono>

namespace tern::chaos {
namespace {

long long whole_milliseconds(Nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::string_view state_of(const LinkFaults& faults) {
  if (faults.cut) return "cut";
  if (faults.blackhole) return "blackhole";
  return faults == LinkFaults{} ? "ok" : "faulty";
}

void field(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty()) out += ' ';
  out.append(name).append("=").append(value);
}

void field(std::string& out, std::string_view name, std::uint64_t value) {
  field(out, name, std::to_string(value));
}

}  // namespace

std::string link_report_line(const LinkView& link, Instant now) {
  std::string out;
  HostPort listen = link.spec.listen;
  listen.port = link.bound_port;
  field(out, "name", link.spec.name);
  field(out, "listen", to_text(listen));
  field(out, "target", to_text(link.spec.target));
  field(out, "state", state_of(link.faults));
  field(out, "connections", link.counters.connections_open);
  field(out, "accepted", link.counters.connections_accepted);
  field(out, "reset", link.counters.connections_reset);
  field(out, "connect_failures", link.counters.connects_failed);
  for (const Direction d : kBothDirections) {
    const std::string prefix(name_of(d));
    const DirectionFaults& f = link.faults.of(d);
    field(out, prefix + "_bytes", link.counters.forwarded_bytes[index_of(d)]);
    field(out, prefix + "_dropped", link.counters.dropped_bytes[index_of(d)]);
    field(out, prefix + "_queued", link.queued_bytes[index_of(d)]);
    field(out, prefix + "_delay_ms", static_cast<std::uint64_t>(whole_milliseconds(f.delay)));
    field(out, prefix + "_jitter_ms", static_cast<std::uint64_t>(whole_milliseconds(f.jitter)));
    field(out, prefix + "_bandwidth", f.bytes_per_second);
    // A one-time stall that has ended is no longer worth reporting.
    const bool stalling = f.stall.duration.count() > 0 &&
                          (f.stall.period.count() > 0 || f.stall.clear_from(now) > now);
    field(out, prefix + "_stall_ms",
          stalling ? static_cast<std::uint64_t>(whole_milliseconds(f.stall.duration)) : 0);
    field(out, prefix + "_stall_every_ms",
          stalling ? static_cast<std::uint64_t>(whole_milliseconds(f.stall.period)) : 0);
    field(out, prefix + "_halfopen", f.dead ? "on" : "off");
  }
  return out;
}

}  // namespace tern::chaos
