// tern_crdt_bench: the cost every region pays for every remote write, per op kind.
//
// For each op kind a source Replica (region 1) turns Redis-level commands into Ops, which are
// collected through take_outbox() in batches. The benchmark then times Keyspace::apply of
// those Ops on a fresh receiving Keyspace (steady_clock, `--repeats` times, a fresh receiver
// each time) and reports the median ns per op. Ops a kind needs but that are not of that kind
// (the SETs that create the keys a DEL deletes, the SADDs an SREM removes) are applied
// untimed, in the same stream order. After the last repeat the receiver reports
// Keyspace::metadata_bytes() before and after collect_garbage(stable = its applied vector).
//
// Output, one line per op kind:
//   crdt: op=<NAME> ns_per_op=<median> meta_bytes=<after GC> meta_bytes_before_gc=<..> keys=<..>
// plus comment lines starting with '#'. Diagnostics (origin command cost, peak RSS) go to
// stderr.
//
// Usage: tern_crdt_bench [--ops N] [--repeats R] [--only NAME[,NAME...]]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "crdt/keyspace.h"
#include "crdt/op.h"
#include "crdt/replica.h"

namespace {

using tern::crdt::Keyspace;
using tern::crdt::Op;
using tern::crdt::OpKind;
using tern::crdt::RegionId;
using tern::crdt::Replica;
using tern::crdt::SetTtl;
using SteadyClock = std::chrono::steady_clock;

constexpr std::uint32_t kDb = 0;
constexpr std::uint64_t kSeed = 0x7465726e'63726474ULL;  // "terncrdt"
constexpr std::uint64_t kStartUnixMs = 1'800'000'000'000ULL;
constexpr std::uint64_t kOpsPerMillisecond = 100;  // the simulated clock's pace
constexpr std::size_t kStringKeys = 100'000;       // SET, INCR, INCRBYFLOAT, DEL, EXPIRE
constexpr std::size_t kCollectionKeys = 1'000;     // HSET, HINCRBY, SADD, SREM, ZADD, ZINCRBY
constexpr std::size_t kMembersPerKey = 1'000;      // field/member population per collection key
constexpr std::size_t kDrainEvery = 10'000;        // commands between take_outbox() calls

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "tern_crdt_bench: %s\n", message.c_str());
  std::exit(1);
}

// A 16-byte name: a 3-letter tag, ':' and 12 digits.
std::string name16(const char* tag, std::uint64_t index) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3s:%012llu", tag, static_cast<unsigned long long>(index));
  return std::string(buffer, 16);
}

// The simulated physical clock: starts at kStartUnixMs, advances 1 ms every 100 commands.
class SimClock {
 public:
  std::uint64_t tick() {
    if (++commands_ % kOpsPerMillisecond == 0) ++now_;
    return now_;
  }
  [[nodiscard]] std::uint64_t now() const { return now_; }

 private:
  std::uint64_t now_ = kStartUnixMs;
  std::uint64_t commands_ = 0;
};

struct Phase {
  std::vector<Op> ops;
  bool timed = false;
};

enum class Unit { kKey, kSetMember, kHashField, kSortedSetMember };

struct Workload {
  std::string name;
  OpKind kind = OpKind::kSetString;  // every timed op must be of this kind
  Unit unit = Unit::kKey;
  std::vector<Phase> phases;
  double origin_seconds = 0;  // time the source spent in its commands (timed phases only)
};

// The source region: a Replica, its simulated clock, and the ops it has shipped so far.
class Source {
 public:
  Source() : replica_(RegionId{1}) {}

  Replica& replica() { return replica_; }
  std::uint64_t tick() { return clock_.tick(); }
  std::uint64_t now() const { return clock_.now(); }

  // Starts a phase; the commands issued until end_phase() are its ops.
  void begin_phase(bool timed) {
    phase_ = Phase{};
    phase_.timed = timed;
    since_drain_ = 0;
    started_ = SteadyClock::now();
  }
  // Call after every command: drains the outbox every kDrainEvery commands.
  void issued() {
    if (++since_drain_ >= kDrainEvery) drain();
  }
  Phase end_phase(Workload& workload) {
    drain();
    if (phase_.timed) {
      workload.origin_seconds += std::chrono::duration<double>(SteadyClock::now() - started_).count();
    }
    phase_.ops.shrink_to_fit();
    return std::move(phase_);
  }

 private:
  void drain() {
    auto batch = replica_.take_outbox();
    phase_.ops.insert(phase_.ops.end(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
    since_drain_ = 0;
  }

  Replica replica_;
  SimClock clock_;
  Phase phase_;
  std::size_t since_drain_ = 0;
  SteadyClock::time_point started_;
};

template <typename T>
void check(const tern::crdt::Result<T>& result, const char* what) {
  if (!result.ok()) die(std::string(what) + " failed at the source: " +
                        std::string(tern::crdt::errc_message(result.error())));
}

std::vector<std::size_t> shuffled(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::size_t> out(n);
  std::iota(out.begin(), out.end(), std::size_t{0});
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

std::string value16(std::uint64_t i) { return name16("val", i); }

// --- workloads -----------------------------------------------------------------------------

// SET, INCR, INCRBYFLOAT: `ops` commands on keys drawn uniformly from kStringKeys.
template <typename Command>
Workload uniform_string_workload(const char* name, OpKind kind, std::size_t ops, Command command) {
  Workload w{name, kind, Unit::kKey, {}, 0};
  Source source;
  std::mt19937_64 rng(kSeed ^ std::hash<std::string>{}(name));
  std::uniform_int_distribution<std::size_t> pick(0, kStringKeys - 1);
  source.begin_phase(true);
  for (std::size_t i = 0; i < ops; ++i) {
    command(source.replica(), name16("key", pick(rng)), i, source.tick());
    source.issued();
  }
  w.phases.push_back(source.end_phase(w));
  return w;
}

// DEL: rounds of (untimed) SET of up to kStringKeys keys, then (timed) DEL of each of them in
// another order, until `ops` DELs; every round leaves the keyspace empty again.
Workload del_workload(std::size_t ops) {
  Workload w{"DEL", OpKind::kDelete, Unit::kKey, {}, 0};
  Source source;
  std::mt19937_64 rng(kSeed ^ 0xde1);
  for (std::size_t done = 0; done < ops;) {
    const std::size_t round = std::min(kStringKeys, ops - done);
    auto keys = shuffled(kStringKeys, rng);
    keys.resize(round);
    source.begin_phase(false);
    for (std::size_t k : keys) {
      source.replica().set(kDb, name16("key", k), value16(k), SetTtl{}, source.tick());
      source.issued();
    }
    w.phases.push_back(source.end_phase(w));
    std::shuffle(keys.begin(), keys.end(), rng);
    source.begin_phase(true);
    for (std::size_t k : keys) {
      if (!source.replica().del(kDb, name16("key", k), source.tick())) die("DEL found no key");
      source.issued();
    }
    w.phases.push_back(source.end_phase(w));
    done += round;
  }
  return w;
}

// EXPIRE: (untimed) SET of every key, then `ops` EXPIREs on uniformly drawn keys, each to a
// deadline about an hour after the command (no deadline passes during the run).
Workload expire_workload(std::size_t ops) {
  Workload w{"EXPIRE", OpKind::kExpire, Unit::kKey, {}, 0};
  Source source;
  std::mt19937_64 rng(kSeed ^ 0xe8);
  source.begin_phase(false);
  for (std::size_t k = 0; k < kStringKeys; ++k) {
    source.replica().set(kDb, name16("key", k), value16(k), SetTtl{}, source.tick());
    source.issued();
  }
  w.phases.push_back(source.end_phase(w));
  std::uniform_int_distribution<std::size_t> pick(0, kStringKeys - 1);
  std::uniform_int_distribution<std::uint64_t> jitter(0, 60'000);
  source.begin_phase(true);
  for (std::size_t i = 0; i < ops; ++i) {
    const std::uint64_t now = source.tick();
    if (!source.replica().expire_at(kDb, name16("key", pick(rng)), now + 3'600'000 + jitter(rng), now)) {
      die("EXPIRE found no key");
    }
    source.issued();
  }
  w.phases.push_back(source.end_phase(w));
  return w;
}

// HSET, HINCRBY, ZADD, ZINCRBY: `ops` commands on (key, field/member) pairs drawn uniformly
// from kCollectionKeys x kMembersPerKey: a mix of new elements and updates.
template <typename Command>
Workload uniform_collection_workload(const char* name, OpKind kind, Unit unit, std::size_t ops,
                                     Command command) {
  Workload w{name, kind, unit, {}, 0};
  Source source;
  std::mt19937_64 rng(kSeed ^ std::hash<std::string>{}(name));
  std::uniform_int_distribution<std::size_t> pick_key(0, kCollectionKeys - 1);
  std::uniform_int_distribution<std::size_t> pick_member(0, kMembersPerKey - 1);
  source.begin_phase(true);
  for (std::size_t i = 0; i < ops; ++i) {
    const std::size_t key = pick_key(rng);
    const std::size_t member = key * kMembersPerKey + pick_member(rng);
    command(source.replica(), name16("col", key), name16("mem", member), i, source.tick());
    source.issued();
  }
  w.phases.push_back(source.end_phase(w));
  return w;
}

// SADD: `ops` distinct members (SADD of a present member ships nothing), spread evenly over
// kCollectionKeys keys, in random order.
Workload sadd_workload(std::size_t ops) {
  Workload w{"SADD", OpKind::kSetAdd, Unit::kSetMember, {}, 0};
  Source source;
  std::mt19937_64 rng(kSeed ^ 0x5add);
  source.begin_phase(true);
  for (std::size_t j : shuffled(ops, rng)) {
    auto added = source.replica().sadd(kDb, name16("set", j % kCollectionKeys), name16("mem", j), source.tick());
    check(added, "SADD");
    source.issued();
  }
  w.phases.push_back(source.end_phase(w));
  return w;
}

// SREM: (untimed) SADD of 2*ops distinct members over C = min(kCollectionKeys, ops) keys, then
// (timed) SREM of exactly half of each key's members in random order, so no SREM empties its
// set (that one would ship as a DEL) and `ops` members stay live.
Workload srem_workload(std::size_t ops) {
  Workload w{"SREM", OpKind::kSetRemove, Unit::kSetMember, {}, 0};
  Source source;
  std::mt19937_64 rng(kSeed ^ 0x5e3);
  const std::size_t keys = std::min(kCollectionKeys, ops);
  const auto key_of = [&](std::size_t j) { return name16("set", j % keys); };
  source.begin_phase(false);
  for (std::size_t j : shuffled(2 * ops, rng)) {
    check(source.replica().sadd(kDb, key_of(j), name16("mem", j), source.tick()), "SADD");
    source.issued();
  }
  w.phases.push_back(source.end_phase(w));
  std::vector<std::size_t> removed;
  for (std::size_t j = 0; j < 2 * ops; ++j) {
    if ((j / keys) % 2 == 0) removed.push_back(j);
  }
  std::shuffle(removed.begin(), removed.end(), rng);
  source.begin_phase(true);
  for (std::size_t j : removed) {
    auto result = source.replica().srem(kDb, key_of(j), name16("mem", j), source.tick());
    check(result, "SREM");
    if (!result.value()) die("SREM found no member");
    source.issued();
  }
  w.phases.push_back(source.end_phase(w));
  return w;
}

Workload make_workload(const std::string& name, std::size_t ops) {
  if (name == "SET") {
    return uniform_string_workload("SET", OpKind::kSetString, ops,
                                   [](Replica& r, const std::string& key, std::size_t i, std::uint64_t now) {
                                     r.set(kDb, key, value16(i), SetTtl{}, now);
                                   });
  }
  if (name == "INCR") {
    return uniform_string_workload("INCR", OpKind::kIncrement, ops,
                                   [](Replica& r, const std::string& key, std::size_t, std::uint64_t now) {
                                     check(r.incr_by(kDb, key, 1, now), "INCR");
                                   });
  }
  if (name == "INCRBYFLOAT") {
    return uniform_string_workload("INCRBYFLOAT", OpKind::kIncrementFloat, ops,
                                   [](Replica& r, const std::string& key, std::size_t, std::uint64_t now) {
                                     check(r.incr_by_float(kDb, key, 0.25L, now), "INCRBYFLOAT");
                                   });
  }
  if (name == "HSET") {
    return uniform_collection_workload(
        "HSET", OpKind::kHashSet, Unit::kHashField, ops,
        [](Replica& r, const std::string& key, const std::string& field, std::size_t i, std::uint64_t now) {
          check(r.hset(kDb, key, field, value16(i), now), "HSET");
        });
  }
  if (name == "HINCRBY") {
    return uniform_collection_workload(
        "HINCRBY", OpKind::kIncrement, Unit::kHashField, ops,
        [](Replica& r, const std::string& key, const std::string& field, std::size_t, std::uint64_t now) {
          check(r.hincr_by(kDb, key, field, 1, now), "HINCRBY");
        });
  }
  if (name == "SADD") return sadd_workload(ops);
  if (name == "SREM") return srem_workload(ops);
  if (name == "ZADD") {
    return uniform_collection_workload(
        "ZADD", OpKind::kSortedSetAdd, Unit::kSortedSetMember, ops,
        [](Replica& r, const std::string& key, const std::string& member, std::size_t i, std::uint64_t now) {
          check(r.zadd(kDb, key, member, static_cast<double>(i % 100'000) * 0.5, now), "ZADD");
        });
  }
  if (name == "ZINCRBY") {
    return uniform_collection_workload(
        "ZINCRBY", OpKind::kIncrementFloat, Unit::kSortedSetMember, ops,
        [](Replica& r, const std::string& key, const std::string& member, std::size_t, std::uint64_t now) {
          check(r.zincr_by(kDb, key, member, 1.5, now), "ZINCRBY");
        });
  }
  if (name == "DEL") return del_workload(ops);
  if (name == "EXPIRE") return expire_workload(ops);
  die("unknown op kind " + name);
}

// --- measurement ---------------------------------------------------------------------------

struct Measurement {
  double ns_per_op = 0;
  double meta_bytes = 0;
  double meta_bytes_before_gc = 0;
  std::size_t keys = 0;
  std::size_t elements = 0;
};

// Live units of the receiver: keys, or visible elements of the workload's collection type.
std::size_t live_units(const Keyspace& keyspace, Unit unit) {
  const auto& db = keyspace.database(kDb);
  if (unit == Unit::kKey) return db.size();
  std::size_t n = 0;
  for (const auto& [key, state] : db) {
    switch (unit) {
      case Unit::kSetMember: n += state.set_members().size(); break;
      case Unit::kHashField: n += state.hash_fields().size(); break;
      case Unit::kSortedSetMember: n += state.sorted_set_members().size(); break;
      case Unit::kKey: break;
    }
  }
  return n;
}

double per_unit(std::size_t bytes, std::size_t units) {
  return units == 0 ? 0.0 : static_cast<double>(bytes) / static_cast<double>(units);
}

Measurement measure(const Workload& w, int repeats) {
  std::size_t timed_ops = 0;
  std::size_t total_ops = 0;
  for (const auto& phase : w.phases) {
    total_ops += phase.ops.size();
    if (!phase.timed) continue;
    timed_ops += phase.ops.size();
    for (const Op& op : phase.ops) {
      if (op.kind != w.kind) die(w.name + ": the source shipped an op of another kind in a timed phase");
    }
  }
  if (timed_ops == 0) die(w.name + ": no ops to time");

  Measurement m;
  std::vector<double> samples;
  for (int r = 0; r < repeats; ++r) {
    auto receiver = std::make_unique<Keyspace>();
    SteadyClock::duration elapsed{};
    std::size_t accepted = 0;
    for (const auto& phase : w.phases) {
      if (!phase.timed) {
        for (const Op& op : phase.ops) accepted += receiver->apply(op) ? 1 : 0;
        continue;
      }
      const auto start = SteadyClock::now();
      for (const Op& op : phase.ops) accepted += receiver->apply(op) ? 1 : 0;
      elapsed += SteadyClock::now() - start;
    }
    if (accepted != total_ops) die(w.name + ": the receiver rejected ops");
    samples.push_back(std::chrono::duration<double, std::nano>(elapsed).count() /
                      static_cast<double>(timed_ops));
    if (r + 1 < repeats) continue;

    // Metadata, on the last receiver. Single-writer world: region 1 is the only writer, so
    // what this receiver has applied every region has applied; its applied vector is stable.
    const std::size_t before_units = live_units(*receiver, w.unit);
    m.meta_bytes_before_gc = per_unit(receiver->metadata_bytes(), before_units);
    const tern::crdt::StampVector stable = receiver->applied();
    receiver->collect_garbage(stable);
    m.elements = live_units(*receiver, w.unit);
    if (m.elements != before_units) die(w.name + ": collect_garbage changed what is visible");
    m.meta_bytes = per_unit(receiver->metadata_bytes(), m.elements);
    m.keys = receiver->database(kDb).size();
  }
  std::sort(samples.begin(), samples.end());
  m.ns_per_op = samples[samples.size() / 2];
  if (samples.size() % 2 == 0) m.ns_per_op = (samples[samples.size() / 2 - 1] + m.ns_per_op) / 2;
  std::fprintf(stderr, "# %s: samples ns/op:", w.name.c_str());
  for (double s : samples) std::fprintf(stderr, " %.1f", s);
  std::fprintf(stderr, "\n");
  return m;
}

std::size_t peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return static_cast<std::size_t>(std::strtoull(line.c_str() + 6, nullptr, 10));
  }
  return 0;
}

const char* unit_name(Unit unit) {
  switch (unit) {
    case Unit::kKey: return "key";
    case Unit::kSetMember: return "set member";
    case Unit::kHashField: return "hash field";
    case Unit::kSortedSetMember: return "sorted-set member";
  }
  return "?";
}

std::size_t parse_count(const char* flag, const char* text) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || v == 0) die(std::string("bad value for ") + flag + ": " + text);
  return static_cast<std::size_t>(v);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t ops = 1'000'000;
  int repeats = 5;
  std::vector<std::string> names = {"SET",  "INCR", "INCRBYFLOAT", "HSET", "HINCRBY", "SADD",
                                    "SREM", "ZADD", "ZINCRBY",     "DEL",  "EXPIRE"};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--ops" || arg == "--repeats" || arg == "--only") && i + 1 < argc) {
      const char* value = argv[++i];
      if (arg == "--ops") {
        ops = parse_count("--ops", value);
      } else if (arg == "--repeats") {
        repeats = static_cast<int>(std::min<std::size_t>(parse_count("--repeats", value), 1000));
      } else {
        names.clear();
        std::string list = value;
        for (std::size_t pos = 0; pos <= list.size();) {
          const std::size_t comma = std::min(list.find(',', pos), list.size());
          if (comma > pos) names.push_back(list.substr(pos, comma - pos));
          pos = comma + 1;
        }
      }
    } else if (arg == "--help" || arg == "-h") {
      std::printf("usage: tern_crdt_bench [--ops N] [--repeats R] [--only NAME[,NAME...]]\n");
      return 0;
    } else {
      die("unknown argument " + arg + " (usage: --ops N --repeats R --only NAME,...)");
    }
  }

  std::printf("# crdt apply: ops=%zu repeats=%d seed=0x%llx; string keys=%zu, collection keys=%zu, "
              "16-byte keys/fields/members/values; clock starts at %llu ms, +1 ms per %llu commands\n",
              ops, repeats, static_cast<unsigned long long>(kSeed), kStringKeys, kCollectionKeys,
              static_cast<unsigned long long>(kStartUnixMs), static_cast<unsigned long long>(kOpsPerMillisecond));
  std::printf("# ns_per_op: median over repeats of the time to Keyspace::apply the kind's ops (made by "
              "a region-1 Replica) on a fresh receiving Keyspace, per op\n");
  std::printf("# meta_bytes: Keyspace::metadata_bytes() per live key (SET INCR INCRBYFLOAT DEL EXPIRE) or "
              "per live element (HSET HINCRBY: field; SADD SREM ZADD ZINCRBY: member), after "
              "collect_garbage(stable = the receiver's applied vector)\n");
  std::printf("# assumption: single-writer world (region 1 writes, everyone receives), so everything the "
              "receiver has applied is applied everywhere: stable\n");
  std::fflush(stdout);

  for (const auto& name : names) {
    const auto generate_start = SteadyClock::now();
    Workload w = make_workload(name, ops);
    std::size_t timed = 0;
    for (const auto& p : w.phases) timed += p.timed ? p.ops.size() : 0;
    std::fprintf(stderr, "# %s: generated in %.1f s; origin command cost %.1f ns/op over %zu ops\n",
                 name.c_str(), std::chrono::duration<double>(SteadyClock::now() - generate_start).count(),
                 w.origin_seconds * 1e9 / static_cast<double>(timed), timed);
    const Measurement m = measure(w, repeats);
    std::fprintf(stderr, "# %s: %zu live %ss over %zu keys; peak RSS %zu MiB\n", name.c_str(), m.elements,
                 unit_name(w.unit), m.keys, peak_rss_kib() / 1024);
    std::printf("crdt: op=%s ns_per_op=%.1f meta_bytes=%.1f meta_bytes_before_gc=%.1f keys=%zu\n",
                name.c_str(), m.ns_per_op, m.meta_bytes, m.meta_bytes_before_gc, m.keys);
    std::fflush(stdout);
  }
  std::printf("# targets: string and counter apply < 100 ns; string key < 24 meta bytes; stable set "
              "element < 16 meta bytes\n");
  return 0;
}
