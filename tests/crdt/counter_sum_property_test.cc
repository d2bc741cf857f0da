// Property: after any history of SET, INCRBY/DECRBY and DEL on three regions (with delays,
// duplicates, drops, partitions, snapshots, garbage collection and skewed clocks), every
// region reads a counter as exactly the winning SET's value plus the sum of the increments
// that no SET or DEL observed (crdt/README.md, "Counters"). The expected value is computed
// from the complete history, independently of the register's bookkeeping: an op observed an
// increment when its context covers the increment's stamp.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <string>

#include "crdt/replica.h"
#include "tests/crdt/simulation.h"

namespace tern::crdt {
namespace {

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once per test
  return text != nullptr ? std::strtoull(text, nullptr, 10) : fallback;
}

std::int64_t pick_delta(std::mt19937_64& rng) {
  switch (std::uniform_int_distribution<int>(0, 4)(rng)) {
    case 0: return std::numeric_limits<std::int64_t>::max() / 2;  // large: overflow gets refused
    case 1: return std::numeric_limits<std::int64_t>::min() / 3;
    case 2: return -1;
    default: return std::uniform_int_distribution<std::int64_t>(-1000, 1000)(rng);
  }
}

struct Increment {
  Stamp stamp;
  std::int64_t delta;
};
struct Reset {  // a SET (value) or a DEL (no value)
  Stamp stamp;
  StampVector context;
  std::optional<std::int64_t> value;
};
struct KeyHistory {
  std::vector<Increment> increments;
  std::vector<Reset> resets;
};

// What every region must read: nullopt when the key must be absent.
std::optional<std::int64_t> expected_value(const KeyHistory& h) {
  const Reset* winner = nullptr;
  for (const auto& r : h.resets) {
    if (!r.value) continue;
    const bool replaced = std::any_of(h.resets.begin(), h.resets.end(),
                                      [&](const Reset& o) { return o.context.covers(r.stamp); });
    if (!replaced && (winner == nullptr || r.stamp > winner->stamp)) winner = &r;
  }
  bool counted_any = false;
  std::uint64_t total = winner != nullptr ? static_cast<std::uint64_t>(*winner->value) : 0;
  for (const auto& inc : h.increments) {
    const bool observed = std::any_of(h.resets.begin(), h.resets.end(),
                                      [&](const Reset& r) { return r.context.covers(inc.stamp); });
    if (observed) continue;
    counted_any = true;
    total += static_cast<std::uint64_t>(inc.delta);  // the register reads modulo 2^64
  }
  if (winner == nullptr && !counted_any) return std::nullopt;
  return static_cast<std::int64_t>(total);
}

// Runs one history; returns an empty string when every region reads the expected sums.
std::string run_history(std::uint64_t seed, std::uint64_t* overflow_refusals) {
  sim::Simulation world(3, seed);
  auto& rng = world.rng();
  std::map<std::string, KeyHistory> history;
  const int ops = 120;
  for (int n = 0; n < ops; ++n) {
    const std::size_t at = std::uniform_int_distribution<std::size_t>(0, 2)(rng);
    world.advance(std::uniform_int_distribution<std::uint64_t>(0, 40)(rng));
    if (std::uniform_int_distribution<int>(0, 199)(rng) == 0) world.jump_back(at, 1500);
    const std::string key = "c" + std::to_string(std::uniform_int_distribution<int>(0, 2)(rng));
    Replica& replica = world.replica(at);
    const std::size_t before = world.log(at).size();
    const int choice = std::uniform_int_distribution<int>(0, 99)(rng);
    std::optional<std::int64_t> delta;
    std::optional<std::int64_t> set_value;
    if (choice < 10) {
      replica.del(0, key, world.now(at));
    } else if (choice < 25) {
      set_value = std::uniform_int_distribution<std::int64_t>(-100, 100)(rng);
      replica.set(0, key, std::to_string(*set_value), {}, world.now(at));
    } else {
      const std::int64_t d = pick_delta(rng);
      auto result = replica.incr_by(0, key, d, world.now(at));
      if (result.ok()) {
        delta = d;
      } else {
        if (result.error() != Errc::kOverflow) return "INCRBY failed with " + std::string(errc_message(result.error()));
        ++*overflow_refusals;
      }
    }
    world.publish(at);
    for (std::size_t i = before; i < world.log(at).size(); ++i) {
      const Op& op = world.log(at)[i].op;
      auto& h = history[op.key];
      if (op.kind == OpKind::kIncrement) h.increments.push_back({op.stamp, *delta});
      if (op.kind == OpKind::kSetString) h.resets.push_back({op.stamp, op.context, set_value});
      if (op.kind == OpKind::kDelete) h.resets.push_back({op.stamp, op.context, std::nullopt});
    }
    world.step();
  }
  world.quiesce();
  for (const auto& [key, h] : history) {
    const auto expected = expected_value(h);
    for (std::size_t i = 0; i < world.size(); ++i) {
      const KeyState* state = world.replica(i).lookup(0, key, world.global_time());
      std::optional<std::int64_t> got;
      if (state != nullptr) {
        const auto reading = state->string_register().integer();
        if (!reading.is_integer) return key + ": region " + std::to_string(i + 1) + " reads a non-integer";
        got = reading.value;
      }
      if (got != expected) {
        const auto text = [](const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "(absent)"; };
        return key + ": region " + std::to_string(i + 1) + " reads " + text(got) + ", expected " +
               text(expected) + "; state " + (state ? state->string_register().describe() : "none");
      }
    }
  }
  return {};
}

TEST_CASE("crdt counters: the value is exactly the sum of increments no SET or DEL observed") {
  const std::uint64_t only_seed = env_number("TERN_COUNTER_SEED", 0);
  const std::uint64_t histories = only_seed != 0 ? 1 : env_number("TERN_COUNTER_HISTORIES", 3000);
  const std::uint64_t first_seed = only_seed != 0 ? only_seed : 1;
  std::uint64_t wrong = 0;
  std::uint64_t overflow_refusals = 0;
  for (std::uint64_t h = 0; h < histories; ++h) {
    const std::string reason = run_history(first_seed + h, &overflow_refusals);
    if (!reason.empty()) {
      if (wrong == 0) {
        std::printf("crdt-counter-sum: seed %llu wrong (replay: TERN_COUNTER_SEED=%llu): %s\n",
                    static_cast<unsigned long long>(first_seed + h),
                    static_cast<unsigned long long>(first_seed + h), reason.c_str());
      }
      ++wrong;
    }
  }
  std::printf("crdt-counter-sum: %llu histories, %llu wrong, %llu overflows refused\n",
              static_cast<unsigned long long>(histories), static_cast<unsigned long long>(wrong),
              static_cast<unsigned long long>(overflow_refusals));
  CHECK(wrong == 0);
  CHECK(overflow_refusals > 0);  // the large deltas did reach the int64 edge
}

}  // namespace
}  // namespace tern::crdt
