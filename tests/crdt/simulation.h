#pragma once
// A seeded simulation of several regions exchanging ops, for the property tests.
//
// Each region appends what it writes to its origin log. The network carries log entries
// from any region that has them (relaying) to any other, with random delays, duplicates,
// drops (re-sent later) and cut links; the receiver buffers them and applies an op only
// when it is the next of its origin and everything its context names has been applied:
// the delivery contract of crdt/keyspace.h. Heartbeat entries carry a region's applied
// vector, so every region learns what the others have applied (their "known" vectors) in
// origin order; the pointwise minimum is the stable vector that garbage collection uses.
// Snapshots merge one region's whole state into another. One seed replays everything.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "crdt/replica.h"

namespace tern::crdt::sim {

inline constexpr std::uint64_t kStartUnixMs = 1'800'000'000'000ULL;

struct LogEntry {
  bool heartbeat = false;
  Op op;               // when !heartbeat
  StampVector vector;  // what the origin had applied once this entry was written
};

struct SimRegion {
  Replica replica;
  std::int64_t clock_offset_ms = 0;
  // Per origin: how many of that origin's log entries have been consumed (applied).
  std::vector<std::size_t> next_index;
  // Per origin: buffered entries by index (a small map is enough at these sizes).
  std::vector<std::vector<std::pair<std::size_t, LogEntry>>> inbox;
  std::vector<StampVector> known;  // per region: its applied vector, as learned in order

  SimRegion(RegionId id, std::size_t regions)
      : replica(id, 4, 500), next_index(regions, 0), inbox(regions), known(regions) {}
};

struct Message {
  std::size_t to;
  std::size_t origin;
  std::size_t index;
  std::uint64_t deliver_at;
};

struct Faults {
  double duplicate = 0.05;
  double drop = 0.05;
  double snapshot = 0.01;
  double partition_change = 0.01;
  double gc = 0.05;
  std::uint64_t max_delay_ms = 200;
  std::int64_t max_skew_ms = 2000;
  bool final_gc = true;
};

class Simulation {
 public:
  Simulation(std::size_t regions, std::uint64_t seed, Faults faults = {}, bool skew = true)
      : rng_(seed), faults_(faults), logs_(regions), cut_(regions, std::vector<bool>(regions, false)) {
    for (std::size_t i = 0; i < regions; ++i) {
      regions_.emplace_back(RegionId{static_cast<std::uint8_t>(i + 1)}, regions);
      if (skew) {
        regions_.back().clock_offset_ms = std::uniform_int_distribution<std::int64_t>(
            -faults.max_skew_ms, faults.max_skew_ms)(rng_);
      }
    }
  }

  std::mt19937_64& rng() { return rng_; }
  std::size_t size() const { return regions_.size(); }
  Replica& replica(std::size_t i) { return regions_[i].replica; }
  std::uint64_t now(std::size_t i) const {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(time_) + regions_[i].clock_offset_ms);
  }
  std::uint64_t global_time() const { return time_; }
  const std::vector<LogEntry>& log(std::size_t origin) const { return logs_[origin]; }
  void advance(std::uint64_t ms) { time_ += ms; }
  // A region's physical clock jumps backwards (the HLC must stay monotonic).
  void jump_back(std::size_t i, std::int64_t ms) { regions_[i].clock_offset_ms -= ms; }

  // Moves what region i wrote into its log and offers it to the network.
  void publish(std::size_t i) {
    for (Op& op : regions_[i].replica.take_outbox()) {
      LogEntry entry;
      entry.vector = op.context;
      entry.vector.raise(op.stamp);
      entry.op = std::move(op);
      append(i, std::move(entry));
    }
  }
  void heartbeat(std::size_t i) {
    LogEntry entry;
    entry.heartbeat = true;
    entry.vector = regions_[i].replica.keyspace().applied();
    append(i, std::move(entry));
  }

  // One step of the world: random faults, then deliver what is due.
  void step() {
    std::uniform_real_distribution<double> coin(0, 1);
    if (coin(rng_) < faults_.partition_change) toggle_random_link();
    if (coin(rng_) < faults_.snapshot) random_snapshot();
    if (coin(rng_) < faults_.gc) {
      collect_garbage(std::uniform_int_distribution<std::size_t>(0, size() - 1)(rng_));
    }
    if (coin(rng_) < 0.1) heartbeat(std::uniform_int_distribution<std::size_t>(0, size() - 1)(rng_));
    if (coin(rng_) < 0.05) resend_all();  // the senders' periodic resend fills drops
    deliver_due();
  }

  void collect_garbage(std::size_t i) { regions_[i].replica.collect_garbage(stable(i)); }

  StampVector stable(std::size_t i) const {
    const auto& region = regions_[i];
    StampVector s = region.replica.keyspace().applied();
    for (std::size_t x = 0; x < size(); ++x) {
      if (x != i) s.meet(region.known[x]);
    }
    return s;
  }

  // Heal every link and deliver until nothing is in flight, then let every region learn
  // every other's final vector, and collect garbage everywhere.
  void quiesce() {
    for (auto& row : cut_) std::fill(row.begin(), row.end(), false);
    for (int round = 0; round < 3; ++round) {
      for (std::size_t i = 0; i < size(); ++i) heartbeat(i);
      drain();
    }
    if (faults_.final_gc) {
      for (std::size_t i = 0; i < size(); ++i) collect_garbage(i);
    }
  }

  void drain() {
    for (int guard = 0; guard < 100000; ++guard) {
      resend_all();
      time_ += faults_.max_delay_ms + 1;
      deliver_due();
      bool complete = true;
      for (std::size_t i = 0; i < size(); ++i) {
        for (std::size_t o = 0; o < size(); ++o) {
          if (regions_[i].next_index[o] < logs_[o].size()) complete = false;
        }
      }
      if (complete && in_flight_.empty()) return;
    }
  }

  void snapshot(std::size_t from, std::size_t to) {
    auto& source = regions_[from];
    auto& target = regions_[to];
    target.replica.merge_snapshot(source.replica.keyspace());
    for (std::size_t o = 0; o < size(); ++o) {
      target.next_index[o] = std::max(target.next_index[o], source.next_index[o]);
      target.known[o].join(source.known[o]);
      std::erase_if(target.inbox[o], [&](const auto& e) { return e.first < target.next_index[o]; });
    }
    try_apply(to);
  }

 private:
  void append(std::size_t origin, LogEntry entry) {
    logs_[origin].push_back(std::move(entry));
    const std::size_t index = logs_[origin].size() - 1;
    for (std::size_t to = 0; to < size(); ++to) {
      if (to != origin) send(origin, to, origin, index);
    }
  }

  void send(std::size_t via, std::size_t to, std::size_t origin, std::size_t index) {
    if (cut_[via][to]) return;
    std::uniform_real_distribution<double> coin(0, 1);
    if (coin(rng_) < faults_.drop) return;
    const int copies = coin(rng_) < faults_.duplicate ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      const std::uint64_t delay = std::uniform_int_distribution<std::uint64_t>(0, faults_.max_delay_ms)(rng_);
      in_flight_.push_back(Message{to, origin, index, time_ + delay});
    }
  }

  // Every region offers every peer what it has consumed of every origin past the peer's
  // position (a relay when origin differs from the sender).
  void resend_all() {
    for (std::size_t via = 0; via < size(); ++via) {
      for (std::size_t to = 0; to < size(); ++to) {
        if (via == to) continue;
        for (std::size_t o = 0; o < size(); ++o) {
          const std::size_t have = o == via ? logs_[o].size() : regions_[via].next_index[o];
          for (std::size_t idx = regions_[to].next_index[o]; idx < have && idx < regions_[to].next_index[o] + 64; ++idx) {
            send(via, to, o, idx);
          }
        }
      }
    }
  }

  void deliver_due() {
    std::vector<Message> due;
    std::vector<Message> later;
    for (auto& m : in_flight_) (m.deliver_at <= time_ ? due : later).push_back(m);
    in_flight_ = std::move(later);
    std::shuffle(due.begin(), due.end(), rng_);
    for (const auto& m : due) {
      auto& region = regions_[m.to];
      if (m.index < region.next_index[m.origin]) continue;  // duplicate
      auto& box = region.inbox[m.origin];
      if (std::none_of(box.begin(), box.end(), [&](const auto& e) { return e.first == m.index; })) {
        box.emplace_back(m.index, logs_[m.origin][m.index]);
      }
      try_apply(m.to);
    }
  }

  void try_apply(std::size_t i) {
    auto& region = regions_[i];
    bool progress = true;
    while (progress) {
      progress = false;
      for (std::size_t o = 0; o < size(); ++o) {
        auto& box = region.inbox[o];
        auto it = std::find_if(box.begin(), box.end(),
                               [&](const auto& e) { return e.first == region.next_index[o]; });
        if (it == box.end()) continue;
        const LogEntry& entry = it->second;
        if (!entry.heartbeat) {
          // Causal readiness: everything the op's origin had applied is applied here.
          const auto& ctx = entry.op.context.raw();
          const auto& mine = region.replica.keyspace().applied().raw();
          bool ready = true;
          for (std::size_t r = 0; r < ctx.size(); ++r) {
            if (ctx[r] > (r < mine.size() ? mine[r] : 0)) ready = false;
          }
          if (!ready) continue;
          region.replica.receive(entry.op, now(i));
        }
        region.known[o].join(entry.vector);
        ++region.next_index[o];
        box.erase(it);
        progress = true;
      }
    }
  }

  void toggle_random_link() {
    std::uniform_int_distribution<std::size_t> pick(0, size() - 1);
    const std::size_t a = pick(rng_);
    const std::size_t b = pick(rng_);
    if (a == b) return;
    const bool cut = !cut_[a][b];
    cut_[a][b] = cut_[b][a] = cut;
  }

  void random_snapshot() {
    std::uniform_int_distribution<std::size_t> pick(0, size() - 1);
    const std::size_t a = pick(rng_);
    const std::size_t b = pick(rng_);
    if (a != b && !cut_[a][b]) snapshot(a, b);
  }

  std::mt19937_64 rng_;
  Faults faults_;
  std::vector<SimRegion> regions_;
  std::vector<std::vector<LogEntry>> logs_;
  std::vector<std::vector<bool>> cut_;
  std::vector<Message> in_flight_;
  std::uint64_t time_ = kStartUnixMs;
};

}  // namespace tern::crdt::sim
