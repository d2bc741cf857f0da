#include "node/region/write_forwarding.h"

#include <utility>

namespace tern::node {

bool WriteForwarding::park(PendingWrite write) {
  if (parked_.size() >= max_parked_) return false;
  parked_.push_back(std::move(write));
  return true;
}

WriteForwarding::Dispatch WriteForwarding::dispatch(const ForwardingSituation& now, std::uint64_t tick,
                                                    std::uint64_t reply_deadline_tick) {
  Dispatch out;
  const bool other_leads = now.leader && *now.leader != now.self;
  std::deque<PendingWrite> still;
  for (PendingWrite& write : parked_) {
    const bool ours = write.from == now.self;
    if (now.accepts_writes) {
      out.run_here.push_back(std::move(write));
    } else if (other_leads && !ours) {
      out.bounce.push_back(std::move(write));
    } else if (other_leads && now.leader_link_up) {
      in_flight_[write.request_id] = InFlight{write, reply_deadline_tick};
      out.send_to_leader.push_back(std::move(write));
    } else if (tick >= write.give_up_tick) {
      out.gave_up.push_back(std::move(write));
    } else {
      still.push_back(std::move(write));
    }
  }
  parked_ = std::move(still);
  return out;
}

std::optional<PendingWrite> WriteForwarding::answered(std::uint64_t request_id) {
  const auto it = in_flight_.find(request_id);
  if (it == in_flight_.end()) return std::nullopt;
  PendingWrite write = std::move(it->second.write);
  in_flight_.erase(it);
  return write;
}

std::vector<PendingWrite> WriteForwarding::overdue(std::uint64_t tick) {
  std::vector<PendingWrite> out;
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (it->second.reply_deadline_tick > tick) {
      ++it;
      continue;
    }
    out.push_back(std::move(it->second.write));
    it = in_flight_.erase(it);
  }
  return out;
}

}  // namespace tern::node
