// Property: when every write has seen the previous one (each is delivered everywhere before
// the next is issued, from any region), tern reads exactly what Redis would: replies,
// errors, values, types and TTLs, compared after every command with a plain sequential
// model of Redis's semantics. (crdt/README.md "Proof", second property.)
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "crdt/number_text.h"
#include "crdt/replica.h"
#include "tests/crdt/random_commands.h"
#include "tests/crdt/simulation.h"
#include "tests/crdt/visible_dump.h"

namespace tern::crdt {
namespace {

// Redis's data model, sequentially: what redis-server does for the same commands.
class RedisModel {
 public:
  struct Value {
    ValueType type = ValueType::kNone;
    std::string text;
    std::map<std::string, std::string> hash;
    std::set<std::string> set;
    std::map<std::string, double> zset;
    std::optional<std::uint64_t> deadline;
  };

  Value* live(std::uint32_t db, const std::string& key, std::uint64_t now) {
    auto it = data_.find({db, key});
    if (it == data_.end()) return nullptr;
    if (it->second.deadline && *it->second.deadline <= now) {
      data_.erase(it);
      return nullptr;
    }
    return &it->second;
  }
  Result<Value*> typed(std::uint32_t db, const std::string& key, ValueType type, std::uint64_t now) {
    Value* v = live(db, key, now);
    if (v != nullptr && v->type != type) return Errc::kWrongType;
    if (v == nullptr) {
      v = &data_[{db, key}];
      v->type = type;
    }
    return v;
  }
  void erase_if_empty(std::uint32_t db, const std::string& key) {
    auto it = data_.find({db, key});
    if (it == data_.end()) return;
    const Value& v = it->second;
    if ((v.type == ValueType::kHash && v.hash.empty()) || (v.type == ValueType::kSet && v.set.empty()) ||
        (v.type == ValueType::kSortedSet && v.zset.empty())) {
      data_.erase(it);
    }
  }
  void erase(std::uint32_t db, const std::string& key) { data_.erase({db, key}); }
  void flush(std::uint32_t db) { std::erase_if(data_, [&](const auto& kv) { return kv.first.first == db; }); }

  std::string dump(std::uint64_t now) {
    std::string out;
    std::vector<std::pair<std::uint32_t, std::string>> keys;
    for (const auto& [k, v] : data_) keys.push_back(k);
    for (const auto& [db, key] : keys) {
      const Value* v = live(db, key, now);
      if (v == nullptr) continue;
      out += std::to_string(db) + " " + key;
      if (v->deadline) out += " ttl=" + std::to_string(*v->deadline);
      switch (v->type) {
        case ValueType::kString: out += " string " + v->text; break;
        case ValueType::kHash:
          out += " hash";
          for (const auto& [f, x] : v->hash) out += " " + f + "=" + x;
          break;
        case ValueType::kSet:
          out += " set";
          for (const auto& m : v->set) out += " " + m;
          break;
        case ValueType::kSortedSet:
          out += " zset";
          for (const auto& [m, s] : v->zset) out += " " + m + "=" + sim::format_score(s);
          break;
        case ValueType::kNone: break;
      }
      out += "\n";
    }
    return out;
  }

 private:
  std::map<std::pair<std::uint32_t, std::string>, Value> data_;
};

template <typename T>
std::string describe(const Result<T>& r) {
  if (!r.ok()) return std::string(errc_message(r.error()));
  if constexpr (std::is_same_v<T, std::string>) {
    return r.value();
  } else if constexpr (std::is_same_v<T, double>) {
    return sim::format_score(r.value());
  } else {
    return std::to_string(r.value());
  }
}

std::string text_of(long double value) { return format_long_double(value).value_or("nan"); }

Result<std::int64_t> model_add_integer(std::string& text, bool present, std::int64_t delta) {
  std::int64_t current = 0;
  if (present) {
    auto parsed = parse_int64(text);
    if (!parsed) return Errc::kNotInteger;
    current = *parsed;
  }
  if ((delta < 0 && current < 0 && delta < INT64_MIN - current) ||
      (delta > 0 && current > 0 && delta > INT64_MAX - current)) {
    return Errc::kOverflow;
  }
  text = std::to_string(current + delta);
  return current + delta;
}

Result<std::string> model_add_float(std::string& text, bool present, long double delta) {
  long double current = 0;
  if (present) {
    auto parsed = parse_long_double(text);
    if (!parsed) return Errc::kNotFloat;
    current = *parsed;
  }
  const long double next = current + delta;
  if (std::isnan(next) || std::isinf(next)) return Errc::kNanOrInfinity;
  text = text_of(next);
  return text;
}

// One random command on both; returns "tern reply | redis reply" when they differ.
std::string step(Replica& replica, RedisModel& model, std::mt19937_64& rng, std::uint64_t now) {
  sim::CommandMix mix;
  mix.decimal_floats = false;  // see crdt/README.md: float sums are exact for these
  const std::string key = sim::pick_key(rng, mix);
  const std::string member = sim::pick_member(rng, mix);
  const std::uint32_t db = 0;
  std::string ours;
  std::string theirs;
  int choice = std::uniform_int_distribution<int>(0, 16)(rng);
  // Float increments are exact (the same bits as Redis's step-by-step rounding) while the
  // sums fit a long double's 64-bit significand; beyond 2^52 in magnitude they may round
  // differently (crdt/README.md, "Floats"), so there an integer increment is sent instead.
  if (choice == 3 || choice == 7) {
    RedisModel::Value* v = model.live(db, key, now);
    std::string text;
    if (v != nullptr && v->type == ValueType::kString) text = v->text;
    if (v != nullptr && v->type == ValueType::kHash && v->hash.count(member) > 0) text = v->hash[member];
    const auto value = parse_long_double(text);
    if (value && std::fabs(static_cast<double>(*value)) >= 4503599627370496.0) choice = choice == 3 ? 1 : 6;
  }
  switch (choice) {
    case 0: {
      const std::string value = sim::pick_value(rng);
      const int t = std::uniform_int_distribution<int>(0, 2)(rng);
      SetTtl ttl;
      if (t == 1) ttl = {SetTtl::Mode::kDeadline, now + std::uniform_int_distribution<std::uint64_t>(1, 3000)(rng)};
      if (t == 2) ttl.mode = SetTtl::Mode::kKeep;
      replica.set(db, key, value, ttl, now);
      RedisModel::Value* old = model.live(db, key, now);
      std::optional<std::uint64_t> keep = old != nullptr ? old->deadline : std::nullopt;
      model.erase(db, key);
      auto* v = model.typed(db, key, ValueType::kString, now).value();
      v->text = value;
      if (t == 1) v->deadline = ttl.deadline_ms;
      if (t == 2) v->deadline = keep;
      break;
    }
    case 1: case 2: {
      const std::int64_t delta = sim::pick_integer(rng);
      const bool existed = model.live(db, key, now) != nullptr;
      ours = describe(replica.incr_by(db, key, delta, now));
      auto v = model.typed(db, key, ValueType::kString, now);
      if (!v.ok()) {
        theirs = describe(Result<std::int64_t>(v.error()));
        break;
      }
      auto r = model_add_integer(v.value()->text, existed, delta);
      theirs = describe(r);
      if (!r.ok() && !existed) model.erase(db, key);
      break;
    }
    case 3: {
      const long double delta = sim::pick_float(rng, mix);
      const bool existed = model.live(db, key, now) != nullptr;
      ours = describe(replica.incr_by_float(db, key, delta, now));
      auto v = model.typed(db, key, ValueType::kString, now);
      if (!v.ok()) {
        theirs = describe(Result<std::string>(v.error()));
        break;
      }
      auto r = model_add_float(v.value()->text, existed, delta);
      theirs = describe(r);
      if (!r.ok() && !existed) model.erase(db, key);
      break;
    }
    case 4: {
      const std::string value = sim::pick_value(rng);
      ours = describe(replica.hset(db, key, member, value, now));
      auto v = model.typed(db, key, ValueType::kHash, now);
      if (!v.ok()) {
        theirs = describe(Result<bool>(v.error()));
        break;
      }
      const bool created = v.value()->hash.count(member) == 0;
      v.value()->hash[member] = value;
      theirs = describe(Result<bool>(created));
      break;
    }
    case 5: {
      ours = describe(replica.hdel(db, key, member, now));
      RedisModel::Value* v = model.live(db, key, now);
      if (v != nullptr && v->type != ValueType::kHash) {
        theirs = describe(Result<bool>(Errc::kWrongType));
        break;
      }
      const bool removed = v != nullptr && v->hash.erase(member) > 0;
      model.erase_if_empty(db, key);
      theirs = describe(Result<bool>(removed));
      break;
    }
    case 6: case 7: {
      const bool is_float = choice == 7;
      RedisModel::Value* before = model.live(db, key, now);
      const bool had_field = before != nullptr && before->type == ValueType::kHash && before->hash.count(member) > 0;
      if (is_float) {
        const long double delta = sim::pick_float(rng, mix);
        ours = describe(replica.hincr_by_float(db, key, member, delta, now));
        auto v = model.typed(db, key, ValueType::kHash, now);
        if (!v.ok()) {
          theirs = describe(Result<std::string>(v.error()));
          break;
        }
        std::string text = had_field ? v.value()->hash[member] : "";
        auto r = model_add_float(text, had_field, delta);
        if (r.ok()) v.value()->hash[member] = text;
        theirs = describe(r);
      } else {
        const std::int64_t delta = sim::pick_integer(rng);
        ours = describe(replica.hincr_by(db, key, member, delta, now));
        auto v = model.typed(db, key, ValueType::kHash, now);
        if (!v.ok()) {
          theirs = describe(Result<std::int64_t>(v.error()));
          break;
        }
        std::string text = had_field ? v.value()->hash[member] : "";
        auto r = model_add_integer(text, had_field, delta);
        if (r.ok()) v.value()->hash[member] = text;
        theirs = describe(r);
      }
      model.erase_if_empty(db, key);
      break;
    }
    case 8: {
      ours = describe(replica.sadd(db, key, member, now));
      auto v = model.typed(db, key, ValueType::kSet, now);
      theirs = v.ok() ? describe(Result<bool>(v.value()->set.insert(member).second)) : describe(Result<bool>(v.error()));
      break;
    }
    case 9: {
      ours = describe(replica.srem(db, key, member, now));
      RedisModel::Value* v = model.live(db, key, now);
      if (v != nullptr && v->type != ValueType::kSet) {
        theirs = describe(Result<bool>(Errc::kWrongType));
        break;
      }
      theirs = describe(Result<bool>(v != nullptr && v->set.erase(member) > 0));
      model.erase_if_empty(db, key);
      break;
    }
    case 10: case 11: {
      if (choice == 10) {
        const double score = static_cast<double>(std::uniform_int_distribution<int>(-20, 20)(rng)) / 4.0;
        ours = describe(replica.zadd(db, key, member, score, now));
        auto v = model.typed(db, key, ValueType::kSortedSet, now);
        if (!v.ok()) {
          theirs = describe(Result<bool>(v.error()));
          break;
        }
        const bool created = v.value()->zset.count(member) == 0;
        v.value()->zset[member] = score;
        theirs = describe(Result<bool>(created));
      } else {
        const double delta = static_cast<double>(sim::pick_float(rng, mix));
        ours = describe(replica.zincr_by(db, key, member, delta, now));
        auto v = model.typed(db, key, ValueType::kSortedSet, now);
        if (!v.ok()) {
          theirs = describe(Result<double>(v.error()));
          break;
        }
        v.value()->zset[member] += delta;
        theirs = describe(Result<double>(v.value()->zset[member]));
      }
      break;
    }
    case 12: {
      ours = describe(replica.zrem(db, key, member, now));
      RedisModel::Value* v = model.live(db, key, now);
      if (v != nullptr && v->type != ValueType::kSortedSet) {
        theirs = describe(Result<bool>(Errc::kWrongType));
        break;
      }
      theirs = describe(Result<bool>(v != nullptr && v->zset.erase(member) > 0));
      model.erase_if_empty(db, key);
      break;
    }
    case 13: {
      ours = std::to_string(replica.del(db, key, now));
      const bool existed = model.live(db, key, now) != nullptr;
      model.erase(db, key);
      theirs = std::to_string(existed);
      break;
    }
    case 14: {
      const std::uint64_t deadline = now + std::uniform_int_distribution<std::uint64_t>(0, 3000)(rng);
      ours = std::to_string(replica.expire_at(db, key, deadline, now));
      RedisModel::Value* v = model.live(db, key, now);
      theirs = std::to_string(v != nullptr);
      if (v != nullptr && deadline <= now) model.erase(db, key);
      else if (v != nullptr) v->deadline = deadline;
      break;
    }
    case 15: {
      ours = std::to_string(replica.persist(db, key, now));
      RedisModel::Value* v = model.live(db, key, now);
      const bool had = v != nullptr && v->deadline.has_value();
      if (had) v->deadline.reset();
      theirs = std::to_string(had);
      break;
    }
    default: {
      if (std::uniform_int_distribution<int>(0, 20)(rng) == 0) {
        replica.flush_database(db, now);
        model.flush(db);
      } else {
        replica.expire_if_due(db, key, now);
      }
      break;
    }
  }
  if (std::getenv("TERN_ORACLE_TRACE") != nullptr) {  // NOLINT(concurrency-mt-unsafe)
    std::printf("  now=%llu choice=%d key=%s member=%s tern=%s redis=%s\n",
                static_cast<unsigned long long>(now), choice, key.c_str(), member.c_str(), ours.c_str(),
                theirs.c_str());
  }
  if (ours != theirs) return "reply: tern=" + ours + " redis=" + theirs;
  return {};
}

TEST_CASE("crdt oracle: causally ordered writes from any region read exactly like Redis") {
  const char* env = std::getenv("TERN_ORACLE_HISTORIES");  // NOLINT(concurrency-mt-unsafe)
  const int histories = env != nullptr ? std::atoi(env) : 1000;
  int mismatches = 0;
  const char* first = std::getenv("TERN_ORACLE_FIRST");  // NOLINT(concurrency-mt-unsafe)
  for (int h = first != nullptr ? std::atoi(first) : 1; h <= histories && mismatches == 0; ++h) {
    sim::Faults calm;
    calm.gc = 0.05;
    calm.snapshot = 0;
    calm.partition_change = 0;
    sim::Simulation world(3, static_cast<std::uint64_t>(h), calm, /*skew=*/false);
    RedisModel model;
    for (int n = 0; n < 200; ++n) {
      world.advance(std::uniform_int_distribution<std::uint64_t>(0, 60)(world.rng()));
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, 2)(world.rng());
      const std::uint64_t now = world.now(at);
      const std::string reply = step(world.replica(at), model, world.rng(), now);
      world.publish(at);
      world.drain();  // the next write, wherever it is issued, has seen this one
      for (std::size_t i = 0; i < 3; ++i) world.collect_garbage(i);
      std::string problem = reply;
      for (std::size_t i = 0; i < 3 && problem.empty(); ++i) {
        const std::string got = sim::visible_dump(world.replica(i), now);
        const std::string want = model.dump(now);
        if (got != want) problem = "region " + std::to_string(i + 1) + " reads\n" + got + "redis reads\n" + want;
      }
      if (!problem.empty()) {
        std::printf("crdt-oracle: history %d, command %d differs from Redis: %s\n", h, n, problem.c_str());
        ++mismatches;
        break;
      }
    }
  }
  std::printf("crdt-oracle: %d causal histories of 200 commands, %d differing from Redis\n", histories, mismatches);
  CHECK(mismatches == 0);
}

}  // namespace
}  // namespace tern::crdt
