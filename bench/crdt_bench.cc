// tern_crdt_bench: the cost every region pays for every remote write, per op kind.
//
// For each op kind a source (region 1) turns Redis-level commands into Ops, collected through
// take_outbox() in batches. The benchmark then times Keyspace::apply of those Ops on a fresh
// receiving Keyspace (steady_clock, `--repeats` times, a fresh receiver each time) and reports
// the median ns per op. Ops a kind needs that are not of that kind (the SETs that create the
// keys a DEL deletes, the SADDs whose members an SREM removes) are applied untimed, in stream
// order. After the last repeat the receiver reports Keyspace::metadata_bytes() before and after
// collect_garbage(stable = its own applied vector).
//
// The source is a Replica for SET, INCR, INCRBYFLOAT, DEL and EXPIRE. Collection commands at a
// Replica used to cost O(elements of the key) at the origin (KeyState::type() read every
// field/member), so by default HSET, HINCRBY, SADD, SREM, ZADD and ZINCRBY ops come from
// `Mirror`, which builds each Op exactly as Replica's command does (same clock, context, group,
// sums, observations) without the origin-side checks; every run first generates a
// 20,000-command version of each of those workloads both ways and requires the two op streams
// to be equal field by field and to build the same receiver state (digest, metadata bytes).
// `--generate replica` makes every op through Replica instead: the same ops, and since type()
// and count_members() are O(1) it takes seconds (2-3 us per command at the origin), no longer
// minutes.
//
// The source stays alive until its kind is measured (see Workload::source). The figures are
// memory-latency bound (100,000 random keys, 1,000,000 elements): the keyspace's hash lookups
// and allocations, not CRDT logic, dominate; `--string-keys 1000` shows the in-cache cost.
//
// With the defaults this takes about 2 minutes on 2 cores and peaks near 1.5 GB resident
// (SREM holds 2.5 million ops); about a fifth of the time is freeing the 1,000,000-element
// receivers between repeats.
//
// Output, one line per op kind:
//   crdt: op=<NAME> ns_per_op=<median> meta_bytes=<after GC> meta_bytes_before_gc=<..> keys=<..>
// plus comment lines starting with '#'. Diagnostics (origin command cost, samples, peak RSS)
// go to stderr.
//
// `--memory-keys N` measures memory instead: it SETs N keys with 16-byte names and 64-byte
// values through Keyspace::apply on an empty Keyspace and reports the heap it grew by
// (glibc's mallinfo2(): bytes in use in the arena plus mmapped blocks, so malloc's headers and
// rounding count), per key:
//   crdt: memory keys=<N> bytes_per_key=<..>
// Compare with redis-server's `used_memory` growth per key for the same data (bench/RESULTS.md).
//
// Usage:
//   tern_crdt_bench [--ops N] [--repeats R] [--only NAME[,NAME...]] [--generate mirror|replica]
//                   [--string-keys N] [--collection-keys N] [--members-per-key N]
//   tern_crdt_bench --memory-keys N
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <malloc.h>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "crdt/hybrid_logical_clock.h"
#include "crdt/keyspace.h"
#include "crdt/op.h"
#include "crdt/replica.h"

namespace {

using tern::crdt::CounterEntry;
using tern::crdt::HybridLogicalClock;
using tern::crdt::Keyspace;
using tern::crdt::Op;
using tern::crdt::OpKind;
using tern::crdt::RegionId;
using tern::crdt::Register;
using tern::crdt::RegisterObservations;
using tern::crdt::RegisterTarget;
using tern::crdt::Replica;
using tern::crdt::SetTtl;
using tern::crdt::Stamp;
using SteadyClock = std::chrono::steady_clock;

constexpr std::uint32_t kDb = 0;
constexpr RegionId kSourceRegion{1};
constexpr std::uint64_t kSeed = 0x7465726e'63726474ULL;  // "terncrdt"
constexpr std::uint64_t kStartUnixMs = 1'800'000'000'000ULL;
constexpr std::uint64_t kCommandsPerMillisecond = 100;  // the simulated clock's pace
constexpr std::size_t kDrainEvery = 10'000;             // commands between take_outbox() calls
constexpr std::size_t kValidationOps = 20'000;          // size of the Mirror-vs-Replica check

// Populations (flags of the same names): keys of SET INCR INCRBYFLOAT DEL EXPIRE; keys of
// HSET HINCRBY SADD SREM ZADD ZINCRBY; fields/members per key that HSET HINCRBY ZADD ZINCRBY draw
// from (SADD and SREM make distinct members, ops / collection keys of them per key).
struct Populations {
  std::size_t string_keys = 100'000;
  std::size_t collection_keys = 1'000;
  std::size_t members_per_key = 1'000;
};

// A run that cannot measure what it claims to stops; main() prints the message.
struct Failure {
  std::string message;
};

[[noreturn]] void die(const std::string& message) { throw Failure{message}; }

// A 16-byte name: a 3-letter tag, ':' and 12 decimal digits (`index` modulo 10^12).
std::string name16(const char* tag, std::uint64_t index) {
  std::string out(16, '0');
  out[0] = tag[0];
  out[1] = tag[1];
  out[2] = tag[2];
  out[3] = ':';
  for (int i = 15; i >= 4 && index != 0; --i, index /= 10)
    out[static_cast<std::size_t>(i)] = static_cast<char>('0' + index % 10);
  return out;
}

std::string value16(std::uint64_t i) { return name16("val", i); }

template <typename T>
void check(const tern::crdt::Result<T>& result, const char* what) {
  if (!result.ok()) {
    die(std::string(what) +
        " failed at the source: " + std::string(tern::crdt::errc_message(result.error())));
  }
}

// --- sources -------------------------------------------------------------------------------

// The collection commands the workloads issue, through a real Replica.
class ReplicaSource {
 public:
  static constexpr const char* kName = "replica";
  Replica& replica() { return replica_; }
  std::vector<Op> take_outbox() { return replica_.take_outbox(); }

  void hset(const std::string& key, const std::string& field, std::string value,
            std::uint64_t now) {
    check(replica_.hset(kDb, key, field, std::move(value), now), "HSET");
  }
  void hincr_by(const std::string& key, const std::string& field, std::int64_t delta,
                std::uint64_t now) {
    check(replica_.hincr_by(kDb, key, field, delta, now), "HINCRBY");
  }
  bool sadd(const std::string& key, const std::string& member, std::uint64_t now) {
    auto added = replica_.sadd(kDb, key, member, now);
    check(added, "SADD");
    return added.value();
  }
  bool srem(const std::string& key, const std::string& member, std::uint64_t now) {
    auto removed = replica_.srem(kDb, key, member, now);
    check(removed, "SREM");
    return removed.value();
  }
  void zadd(const std::string& key, const std::string& member, double score, std::uint64_t now) {
    check(replica_.zadd(kDb, key, member, score, now), "ZADD");
  }
  void zincr_by(const std::string& key, const std::string& member, double delta,
                std::uint64_t now) {
    check(replica_.zincr_by(kDb, key, member, delta, now), "ZINCRBY");
  }

 private:
  Replica replica_{kSourceRegion};
};

// The same commands, building each Op as Replica's command does (crdt/replica.cc: new_op,
// commit, add_integer, add_float, hset, sadd, srem/remove_from_collection, zadd) minus the
// origin-side checks that cannot fire in these workloads (no TTLs, no type conflicts, no
// overflow) and that cost O(elements) there. check_mirror() holds it to Replica's ops.
class Mirror {
 public:
  static constexpr const char* kName = "mirror";
  std::vector<Op> take_outbox() {
    std::vector<Op> out;
    out.swap(outbox_);
    return out;
  }

  void hset(const std::string& key, const std::string& field, std::string value,
            std::uint64_t now) {
    Op op = new_op(OpKind::kHashSet, key, now);
    op.path = field;
    op.value = std::move(value);
    if (const Register* raw = stored(key, RegisterTarget::kHashField, field)) {
      if (auto e = raw->observations(); !e.empty())
        op.observed.push_back({RegisterTarget::kHashField, field, std::move(e)});
    }
    commit(std::move(op));
  }
  void hincr_by(const std::string& key, const std::string& field, std::int64_t delta,
                std::uint64_t now) {
    Op op = new_op(OpKind::kIncrement, key, now);
    op.target = RegisterTarget::kHashField;
    op.path = field;
    const CounterEntry prior = prior_entry(op, RegisterTarget::kHashField, field);
    op.int_sum = static_cast<std::int64_t>(static_cast<std::uint64_t>(prior.int_sum) +
                                           static_cast<std::uint64_t>(delta));
    op.float_sum = prior.float_sum;
    op.first = prior.first.is_zero() ? op.stamp : prior.first;
    commit(std::move(op));
  }
  bool sadd(const std::string& key, const std::string& member, std::uint64_t now) {
    const auto* state = keyspace_.find(kDb, key);
    if (state != nullptr && state->set_contains(member)) return false;
    Op op = new_op(OpKind::kSetAdd, key, now);
    op.path = member;
    commit(std::move(op));
    return true;
  }
  // The workloads never remove a set's last member (Replica ships that one as a DEL).
  bool srem(const std::string& key, const std::string& member, std::uint64_t now) {
    const auto* state = keyspace_.find(kDb, key);
    if (state == nullptr || !state->set_contains(member)) return false;
    Op op = new_op(OpKind::kSetRemove, key, now);
    op.target = RegisterTarget::kString;
    op.path = member;
    commit(std::move(op));
    return true;
  }
  void zadd(const std::string& key, const std::string& member, double score, std::uint64_t now) {
    Op op = new_op(OpKind::kSortedSetAdd, key, now);
    op.path = member;
    op.score = score;
    if (const Register* raw = stored(key, RegisterTarget::kSortedSetMember, member)) {
      if (auto e = raw->observations(); !e.empty()) {
        op.observed.push_back({RegisterTarget::kSortedSetMember, member, std::move(e)});
      }
    }
    commit(std::move(op));
  }
  void zincr_by(const std::string& key, const std::string& member, double delta,
                std::uint64_t now) {
    Op op = new_op(OpKind::kIncrementFloat, key, now);
    op.target = RegisterTarget::kSortedSetMember;
    op.path = member;
    const CounterEntry prior = prior_entry(op, RegisterTarget::kSortedSetMember, member);
    op.int_sum = prior.int_sum;
    op.float_sum = prior.float_sum + static_cast<long double>(delta);
    op.first = prior.first.is_zero() ? op.stamp : prior.first;
    commit(std::move(op));
  }

 private:
  Op new_op(OpKind kind, const std::string& key, std::uint64_t now) {
    Op op;
    op.kind = kind;
    op.database = kDb;
    op.key = key;
    op.stamp = clock_.now(now);
    op.context = keyspace_.applied();
    return op;
  }
  void commit(Op op) {
    keyspace_.apply(op);
    outbox_.push_back(std::move(op));
  }
  // Replica::add_integer/add_float: the increment continues the source's own entry of the
  // register's current winner (sets op.group; returns that entry, or an empty one).
  [[nodiscard]] CounterEntry prior_entry(Op& op, RegisterTarget target,
                                         const std::string& path) const {
    const Register* raw = stored(op.key, target, path);
    op.group = raw != nullptr ? raw->winner_stamp() : Stamp{};
    CounterEntry prior;
    if (raw != nullptr) {
      if (auto e = raw->entry(kSourceRegion, op.group)) prior = *e;
    }
    return prior;
  }
  [[nodiscard]] const Register* stored(const std::string& key, RegisterTarget target,
                                       const std::string& path) const {
    const auto* state = keyspace_.find(kDb, key);
    return state != nullptr ? state->stored_register(target, path) : nullptr;
  }

  HybridLogicalClock clock_{kSourceRegion, 500};  // Replica's default max skew
  Keyspace keyspace_{16};                         // Replica's default database count
  std::vector<Op> outbox_;
};

// --- workloads -----------------------------------------------------------------------------

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
  double origin_seconds = 0;  // time the source spent making the timed phases' ops
  // The source, kept until the workload is dropped: freeing it just before the timed applies
  // would leave holes between the stored ops' strings for the receiver to fill, and spread
  // over hundreds of MB its keyspace runs up to 2x slower (a heap-layout effect, not apply).
  std::shared_ptr<void> source;
};

// Drives a source: the simulated physical clock (starts at kStartUnixMs, +1 ms every 100
// commands), and the phases the shipped ops are collected into.
template <typename S>
class Driver {
 public:
  explicit Driver(Workload& workload) : workload_(workload), source_(std::make_shared<S>()) {
    workload_.source = source_;
  }

  S& source() { return *source_; }
  std::uint64_t tick() {
    if (++commands_ % kCommandsPerMillisecond == 0) ++now_;
    return now_;
  }

  void begin_phase(bool timed) {
    phase_ = Phase{};
    phase_.timed = timed;
    since_drain_ = 0;
    started_ = SteadyClock::now();
  }
  // After every command: drains the outbox every kDrainEvery commands.
  void issued() {
    if (++since_drain_ >= kDrainEvery) drain();
  }
  void end_phase() {
    drain();
    if (phase_.timed) {
      workload_.origin_seconds +=
          std::chrono::duration<double>(SteadyClock::now() - started_).count();
    }
    phase_.ops.shrink_to_fit();
    workload_.phases.push_back(std::move(phase_));
  }

 private:
  void drain() {
    auto batch = source_->take_outbox();
    phase_.ops.insert(phase_.ops.end(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
    since_drain_ = 0;
  }

  Workload& workload_;
  std::shared_ptr<S> source_;
  Phase phase_;
  std::uint64_t now_ = kStartUnixMs;
  std::uint64_t commands_ = 0;
  std::size_t since_drain_ = 0;
  SteadyClock::time_point started_;
};

std::vector<std::size_t> shuffled(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::size_t> out(n);
  std::iota(out.begin(), out.end(), std::size_t{0});
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

std::uint64_t seed_for(const std::string& name) {
  std::uint64_t h = kSeed;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

// SET, INCR, INCRBYFLOAT: `ops` commands on keys drawn uniformly from pop.string_keys.
template <typename Command>
Workload uniform_string_workload(const Populations& pop, const std::string& name, OpKind kind,
                                 std::size_t ops, Command command) {
  Workload w{name, kind, Unit::kKey, {}, 0, nullptr};
  Driver<ReplicaSource> d(w);
  std::mt19937_64 rng(seed_for(name));
  std::uniform_int_distribution<std::size_t> pick(0, pop.string_keys - 1);
  d.begin_phase(true);
  for (std::size_t i = 0; i < ops; ++i) {
    command(d.source().replica(), name16("key", pick(rng)), i, d.tick());
    d.issued();
  }
  d.end_phase();
  return w;
}

// DEL: rounds of (untimed) SET of up to pop.string_keys keys, then (timed) DEL of each of them in
// another order, until `ops` DELs; every round leaves the keyspace empty again.
Workload del_workload(const Populations& pop, std::size_t ops) {
  Workload w{"DEL", OpKind::kDelete, Unit::kKey, {}, 0, nullptr};
  Driver<ReplicaSource> d(w);
  std::mt19937_64 rng(seed_for(w.name));
  for (std::size_t done = 0; done < ops;) {
    const std::size_t round = std::min(pop.string_keys, ops - done);
    auto keys = shuffled(pop.string_keys, rng);
    keys.resize(round);
    d.begin_phase(false);
    for (std::size_t k : keys) {
      d.source().replica().set(kDb, name16("key", k), value16(k), SetTtl{}, d.tick());
      d.issued();
    }
    d.end_phase();
    std::shuffle(keys.begin(), keys.end(), rng);
    d.begin_phase(true);
    for (std::size_t k : keys) {
      if (!d.source().replica().del(kDb, name16("key", k), d.tick())) die("DEL found no key");
      d.issued();
    }
    d.end_phase();
    done += round;
  }
  return w;
}

// EXPIRE: (untimed) SET of every key, then `ops` EXPIREs on uniformly drawn keys, each to a
// deadline about an hour after the command (none passes during the run).
Workload expire_workload(const Populations& pop, std::size_t ops) {
  Workload w{"EXPIRE", OpKind::kExpire, Unit::kKey, {}, 0, nullptr};
  Driver<ReplicaSource> d(w);
  std::mt19937_64 rng(seed_for(w.name));
  d.begin_phase(false);
  for (std::size_t k = 0; k < pop.string_keys; ++k) {
    d.source().replica().set(kDb, name16("key", k), value16(k), SetTtl{}, d.tick());
    d.issued();
  }
  d.end_phase();
  std::uniform_int_distribution<std::size_t> pick(0, pop.string_keys - 1);
  std::uniform_int_distribution<std::uint64_t> jitter(0, 60'000);
  d.begin_phase(true);
  for (std::size_t i = 0; i < ops; ++i) {
    const std::uint64_t now = d.tick();
    if (!d.source().replica().expire_at(kDb, name16("key", pick(rng)),
                                        now + 3'600'000 + jitter(rng), now)) {
      die("EXPIRE found no key");
    }
    d.issued();
  }
  d.end_phase();
  return w;
}

// HSET, HINCRBY, ZADD, ZINCRBY: `ops` commands on (key, field/member) pairs drawn uniformly from
// pop.collection_keys x pop.members_per_key: new elements and updates of existing ones.
template <typename S, typename Command>
Workload uniform_collection_workload(const Populations& pop, const std::string& name, OpKind kind,
                                     Unit unit, std::size_t ops, Command command) {
  Workload w{name, kind, unit, {}, 0, nullptr};
  Driver<S> d(w);
  std::mt19937_64 rng(seed_for(name));
  std::uniform_int_distribution<std::size_t> pick_key(0, pop.collection_keys - 1);
  std::uniform_int_distribution<std::size_t> pick_member(0, pop.members_per_key - 1);
  d.begin_phase(true);
  for (std::size_t i = 0; i < ops; ++i) {
    const std::size_t key = pick_key(rng);
    const std::size_t member = key * pop.members_per_key + pick_member(rng);
    command(d.source(), name16("col", key), name16("mem", member), i, d.tick());
    d.issued();
  }
  d.end_phase();
  return w;
}

// SADD: `ops` distinct members (an SADD of a present member ships nothing) spread evenly over
// pop.collection_keys keys, in random order.
template <typename S>
Workload sadd_workload(const Populations& pop, std::size_t ops) {
  Workload w{"SADD", OpKind::kSetAdd, Unit::kSetMember, {}, 0, nullptr};
  Driver<S> d(w);
  std::mt19937_64 rng(seed_for(w.name));
  d.begin_phase(true);
  for (std::size_t j : shuffled(ops, rng)) {
    if (!d.source().sadd(name16("set", j % pop.collection_keys), name16("mem", j), d.tick()))
      die("SADD added nothing");
    d.issued();
  }
  d.end_phase();
  return w;
}

// SREM: (untimed) SADD of M = ops + ceil(ops/2) distinct members over C = min(pop.collection_keys,
// ceil(ops/2)) keys (member j goes to key j mod C), then (timed) SREM of members 0..ops-1 in
// random order. Members ops..M-1 stay: at least one per key, so no SREM empties its set (that
// one would ship as a DEL); with the defaults each key goes from 1,500 members to 500.
template <typename S>
Workload srem_workload(const Populations& pop, std::size_t ops) {
  Workload w{"SREM", OpKind::kSetRemove, Unit::kSetMember, {}, 0, nullptr};
  Driver<S> d(w);
  std::mt19937_64 rng(seed_for(w.name));
  const std::size_t kept = (ops + 1) / 2;
  const std::size_t keys = std::min(pop.collection_keys, kept);
  const auto key_of = [&](std::size_t j) { return name16("set", j % keys); };
  d.begin_phase(false);
  for (std::size_t j : shuffled(ops + kept, rng)) {
    if (!d.source().sadd(key_of(j), name16("mem", j), d.tick())) die("SADD added nothing");
    d.issued();
  }
  d.end_phase();
  d.begin_phase(true);
  for (std::size_t j : shuffled(ops, rng)) {
    if (!d.source().srem(key_of(j), name16("mem", j), d.tick())) die("SREM found no member");
    d.issued();
  }
  d.end_phase();
  return w;
}

bool is_collection_kind(const std::string& name) {
  return name == "HSET" || name == "HINCRBY" || name == "SADD" || name == "SREM" ||
         name == "ZADD" || name == "ZINCRBY";
}

template <typename S>
Workload make_collection_workload(const Populations& pop, const std::string& name,
                                  std::size_t ops) {
  if (name == "HSET") {
    return uniform_collection_workload<S>(
        pop, name, OpKind::kHashSet, Unit::kHashField, ops,
        [](S& s, const std::string& key, const std::string& field, std::size_t i,
           std::uint64_t now) { s.hset(key, field, value16(i), now); });
  }
  if (name == "HINCRBY") {
    return uniform_collection_workload<S>(
        pop, name, OpKind::kIncrement, Unit::kHashField, ops,
        [](S& s, const std::string& key, const std::string& field, std::size_t, std::uint64_t now) {
          s.hincr_by(key, field, 1, now);
        });
  }
  if (name == "SADD") return sadd_workload<S>(pop, ops);
  if (name == "SREM") return srem_workload<S>(pop, ops);
  if (name == "ZADD") {
    return uniform_collection_workload<S>(
        pop, name, OpKind::kSortedSetAdd, Unit::kSortedSetMember, ops,
        [](S& s, const std::string& key, const std::string& member, std::size_t i,
           std::uint64_t now) {
          s.zadd(key, member, static_cast<double>(i % 100'000) * 0.5, now);
        });
  }
  if (name == "ZINCRBY") {
    return uniform_collection_workload<S>(
        pop, name, OpKind::kIncrementFloat, Unit::kSortedSetMember, ops,
        [](S& s, const std::string& key, const std::string& member, std::size_t,
           std::uint64_t now) { s.zincr_by(key, member, 1.5, now); });
  }
  die("not a collection kind: " + name);
}

Workload make_workload(const Populations& pop, const std::string& name, std::size_t ops,
                       bool mirror) {
  if (is_collection_kind(name)) {
    return mirror ? make_collection_workload<Mirror>(pop, name, ops)
                  : make_collection_workload<ReplicaSource>(pop, name, ops);
  }
  if (name == "SET") {
    return uniform_string_workload(
        pop, name, OpKind::kSetString, ops,
        [](Replica& r, const std::string& key, std::size_t i, std::uint64_t now) {
          r.set(kDb, key, value16(i), SetTtl{}, now);
        });
  }
  if (name == "INCR") {
    return uniform_string_workload(
        pop, name, OpKind::kIncrement, ops,
        [](Replica& r, const std::string& key, std::size_t, std::uint64_t now) {
          check(r.incr_by(kDb, key, 1, now), "INCR");
        });
  }
  if (name == "INCRBYFLOAT") {
    return uniform_string_workload(
        pop, name, OpKind::kIncrementFloat, ops,
        [](Replica& r, const std::string& key, std::size_t, std::uint64_t now) {
          check(r.incr_by_float(kDb, key, 0.25L, now), "INCRBYFLOAT");
        });
  }
  if (name == "DEL") return del_workload(pop, ops);
  if (name == "EXPIRE") return expire_workload(pop, ops);
  die("unknown op kind " + name);
}

// --- the mirror check ----------------------------------------------------------------------

bool same_observations(const std::vector<RegisterObservations>& a,
                       const std::vector<RegisterObservations>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].target != b[i].target || a[i].path != b[i].path || a[i].entries != b[i].entries)
      return false;
  }
  return true;
}

bool same_op(const Op& a, const Op& b) {
  return a.kind == b.kind && a.database == b.database && a.key == b.key && a.stamp == b.stamp &&
         a.context == b.context && a.context.size() == b.context.size() && a.target == b.target &&
         a.path == b.path && a.value == b.value && a.score == b.score && a.group == b.group &&
         a.first == b.first && a.int_sum == b.int_sum && a.float_sum == b.float_sum &&
         a.deadline_ms == b.deadline_ms && a.keep_ttl == b.keep_ttl &&
         same_observations(a.observed, b.observed) && a.flush_observed.empty() &&
         b.flush_observed.empty();
}

// Mirror must make exactly Replica's ops; a change to crdt/replica.cc that breaks this stops
// the benchmark rather than silently measuring other ops. Two checks: the ops field by field,
// and (for any Op field added later that same_op does not know) the state each stream builds
// on a receiver: Keyspace::digest() and metadata_bytes().
void check_mirror(const Populations& pop, const std::string& name) {
  const Workload expected = make_collection_workload<ReplicaSource>(pop, name, kValidationOps);
  const Workload actual = make_collection_workload<Mirror>(pop, name, kValidationOps);
  const auto fail = [&](const std::string& what) {
    die(name + ": Mirror's ops differ from Replica's (" + what +
        "); update Mirror to crdt/replica.cc, or run with --generate replica");
  };
  if (expected.phases.size() != actual.phases.size()) fail("phase count");
  Keyspace from_replica;
  Keyspace from_mirror;
  std::size_t compared = 0;
  for (std::size_t p = 0; p < expected.phases.size(); ++p) {
    const auto& e = expected.phases[p].ops;
    const auto& a = actual.phases[p].ops;
    if (e.size() != a.size()) fail("op count");
    for (std::size_t i = 0; i < e.size(); ++i, ++compared) {
      if (!same_op(e[i], a[i])) fail("op " + std::to_string(compared));
      from_replica.apply(e[i]);
      from_mirror.apply(a[i]);
    }
  }
  if (from_replica.digest() != from_mirror.digest() ||
      from_replica.metadata_bytes() != from_mirror.metadata_bytes()) {
    fail("the receiver states they build");
  }
  std::fprintf(stderr, "# %s: mirror check: %zu ops equal to Replica's, same receiver state\n",
               name.c_str(), compared);
}

// --- measurement ---------------------------------------------------------------------------

struct Measurement {
  double ns_per_op = 0;
  double meta_bytes = 0;
  double meta_bytes_before_gc = 0;
  std::size_t keys = 0;
  std::size_t units = 0;
  std::vector<double> samples;
};

// Live units of the receiver: keys, or visible elements of the workload's collection type.
std::size_t live_units(const Keyspace& keyspace, Unit unit) {
  const auto& db = keyspace.database(kDb);
  if (unit == Unit::kKey) return db.size();
  std::size_t n = 0;
  for (const auto& [key, state] : db) {
    switch (unit) {
      case Unit::kSetMember:
        n += state.set_members().size();
        break;
      case Unit::kHashField:
        n += state.hash_fields().size();
        break;
      case Unit::kSortedSetMember:
        n += state.sorted_set_members().size();
        break;
      case Unit::kKey:
        break;
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
      if (op.kind != w.kind)
        die(w.name + ": the source shipped an op of another kind in a timed phase");
    }
  }
  if (timed_ops == 0) die(w.name + ": no ops to time");

  Measurement m;
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
    m.samples.push_back(std::chrono::duration<double, std::nano>(elapsed).count() /
                        static_cast<double>(timed_ops));
    if (r + 1 < repeats) continue;

    // Metadata, on the last receiver. Single-writer world: region 1 is the only writer, so
    // what this receiver has applied every region has applied: its applied vector is stable.
    // Elements: collect_garbage never changes what is visible (Register::collect_garbage's
    // contract; the property tests check it), so one count serves both figures. Keys: those
    // stored before, and after, GC (GC drops keys that hold nothing but dead metadata).
    m.units = live_units(*receiver, w.unit);
    m.meta_bytes_before_gc = per_unit(receiver->metadata_bytes(), m.units);
    const tern::crdt::StampVector stable = receiver->applied();
    receiver->collect_garbage(stable);
    if (w.unit == Unit::kKey) m.units = live_units(*receiver, w.unit);
    m.meta_bytes = per_unit(receiver->metadata_bytes(), m.units);
    m.keys = receiver->database(kDb).size();
  }
  std::vector<double> sorted = m.samples;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t mid = sorted.size() / 2;
  m.ns_per_op = sorted.size() % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return m;
}

std::size_t peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) / 1024;
  }
  return 0;
}

const char* unit_name(Unit unit) {
  switch (unit) {
    case Unit::kKey:
      return "keys";
    case Unit::kSetMember:
      return "set members";
    case Unit::kHashField:
      return "hash fields";
    case Unit::kSortedSetMember:
      return "sorted-set members";
  }
  return "?";
}

std::size_t parse_count(const std::string& flag, const char* text) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || v == 0 || v > 100'000'000ULL)
    die("bad value for " + flag + ": " + text);
  return static_cast<std::size_t>(v);
}

constexpr const char* kUsage =
    "usage: tern_crdt_bench [--ops N] [--repeats R] [--only NAME[,NAME...]] [--generate "
    "mirror|replica]\n"
    "                       [--string-keys N] [--collection-keys N] [--members-per-key N]\n"
    "       tern_crdt_bench --memory-keys N\n";

// --- memory --------------------------------------------------------------------------------

// Heap bytes in use: the arena's allocated chunks (headers and rounding included) and the
// blocks malloc mmapped (large arrays such as the keyspace's slot array).
std::size_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// SETs `keys` distinct keys (16-byte names, 64-byte values) on an empty Keyspace, one op at a
// time through apply, and prints the heap growth per key. The one Op is reused, its strings
// allocated before the first reading, so only the keyspace's own memory is counted.
int run_memory(std::size_t keys) {
  constexpr std::size_t kValueBytes = 64;
  Op op;
  op.kind = OpKind::kSetString;
  op.database = kDb;
  op.key = name16("key", 0);
  op.value = std::string(kValueBytes, 'v');
  HybridLogicalClock clock{kSourceRegion, 500};
  auto keyspace = std::make_unique<Keyspace>();
  malloc_trim(0);
  const std::size_t before = heap_in_use();
  for (std::size_t k = 0; k < keys; ++k) {
    const std::string name = name16("key", k);
    op.key.replace(0, name.size(), name);                  // same length: no reallocation
    op.value.replace(kValueBytes - 16, 16, value16(k));  // distinct values, still 64 bytes
    op.stamp = clock.now(kStartUnixMs + k / kCommandsPerMillisecond);
    if (!keyspace->apply(op)) die("memory: the keyspace refused a SET");
  }
  const std::size_t after = heap_in_use();
  if (keyspace->database(kDb).size() != keys) die("memory: keys missing after the SETs");
  if (after <= before) die("memory: mallinfo2() saw no growth (a sanitizer's or another malloc?)");
  const auto& db = keyspace->database(kDb);
  std::printf(
      "# memory: %zu SETs (16-byte keys, %zu-byte values) through Keyspace::apply; heap grew by "
      "%zu bytes (mallinfo2 uordblks+hblkhd); slot array %zu bytes (%zu slots, %.2f load); "
      "metadata_bytes %.1f per key\n",
      keys, kValueBytes, after - before, db.slot_bytes(), db.capacity(),
      static_cast<double>(keys) / static_cast<double>(db.capacity()),
      per_unit(keyspace->metadata_bytes(), keys));
  std::printf("crdt: memory keys=%zu bytes_per_key=%.1f\n", keys,
              per_unit(after - before, keys));
  return 0;
}

int run(int argc, char** argv) {
  std::size_t ops = 1'000'000;
  int repeats = 5;
  bool mirror = true;
  Populations pop;
  const std::vector<std::string> all = {"SET",  "INCR", "INCRBYFLOAT", "HSET", "HINCRBY", "SADD",
                                        "SREM", "ZADD", "ZINCRBY",     "DEL",  "EXPIRE"};
  std::vector<std::string> names = all;
  std::size_t memory_keys = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsage);
      return 0;
    }
    if (i + 1 >= argc) die("unknown argument or missing value: " + arg + "\n" + kUsage);
    const char* value = argv[++i];
    if (arg == "--ops") {
      ops = parse_count(arg, value);
    } else if (arg == "--repeats") {
      repeats = static_cast<int>(std::min<std::size_t>(parse_count(arg, value), 101));
    } else if (arg == "--string-keys") {
      pop.string_keys = parse_count(arg, value);
    } else if (arg == "--collection-keys") {
      pop.collection_keys = parse_count(arg, value);
    } else if (arg == "--members-per-key") {
      pop.members_per_key = parse_count(arg, value);
    } else if (arg == "--memory-keys") {
      memory_keys = parse_count(arg, value);
    } else if (arg == "--generate") {
      const std::string how = value;
      if (how != "mirror" && how != "replica") die("--generate takes mirror or replica");
      mirror = how == "mirror";
    } else if (arg == "--only") {
      names.clear();
      const std::string list = value;
      for (std::size_t pos = 0; pos <= list.size();) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        const std::string name = list.substr(pos, comma - pos);
        if (std::find(all.begin(), all.end(), name) == all.end())
          die("unknown op kind in --only: " + name);
        names.push_back(name);
        pos = comma + 1;
      }
    } else {
      die("unknown argument " + arg + "\n" + kUsage);
    }
  }

  if (memory_keys != 0) return run_memory(memory_keys);

  std::printf(
      "# crdt apply: ops=%zu repeats=%d seed=0x%llx string_keys=%zu collection_keys=%zu "
      "members_per_key=%zu; keys, fields, members and values are 16 bytes; clock from %llu ms, "
      "+1 ms per %llu commands; collection ops made by %s\n",
      ops, repeats, static_cast<unsigned long long>(kSeed), pop.string_keys, pop.collection_keys,
      pop.members_per_key, static_cast<unsigned long long>(kStartUnixMs),
      static_cast<unsigned long long>(kCommandsPerMillisecond),
      mirror ? "Mirror (checked equal to Replica's)" : "Replica");
  std::printf(
      "# ns_per_op: median over repeats of the time to Keyspace::apply the kind's ops (made by "
      "region 1) on a fresh receiving Keyspace, per op\n");
  std::printf(
      "# meta_bytes: Keyspace::metadata_bytes() per live key (SET INCR INCRBYFLOAT DEL EXPIRE) or "
      "per live element (HSET HINCRBY: field; SADD SREM ZADD ZINCRBY: member) after "
      "collect_garbage(stable = the receiver's applied vector); keys: live keys after GC\n");
  std::printf(
      "# assumption: single-writer world (only region 1 writes; every region applies all of its "
      "ops), so everything the receiver has applied is applied everywhere, i.e. stable\n");
  std::fflush(stdout);

  for (const auto& name : names) {
    if (mirror && is_collection_kind(name)) check_mirror(pop, name);
    const auto generate_start = SteadyClock::now();
    Workload w = make_workload(pop, name, ops, mirror);
    std::size_t timed = 0;
    std::size_t total = 0;
    for (const auto& p : w.phases) {
      timed += p.timed ? p.ops.size() : 0;
      total += p.ops.size();
    }
    const double generate_seconds =
        std::chrono::duration<double>(SteadyClock::now() - generate_start).count();
    const Measurement m = measure(w, repeats);
    std::string samples;
    for (double s : m.samples) samples += " " + std::to_string(std::llround(s));
    std::fprintf(
        stderr,
        "# %s: %zu timed ops (%zu in all) made in %.1f s by %s, %.0f ns per timed command at "
        "the origin; apply samples ns/op:%s; %zu live %s in %zu keys; peak RSS %zu MiB\n",
        name.c_str(), timed, total, generate_seconds,
        mirror && is_collection_kind(name) ? Mirror::kName : ReplicaSource::kName,
        w.origin_seconds * 1e9 / static_cast<double>(timed), samples.c_str(), m.units,
        unit_name(w.unit), m.keys, peak_rss_mib());
    std::printf("crdt: op=%s ns_per_op=%.1f meta_bytes=%.1f meta_bytes_before_gc=%.1f keys=%zu\n",
                name.c_str(), m.ns_per_op, m.meta_bytes, m.meta_bytes_before_gc, m.keys);
    std::fflush(stdout);
  }
  std::printf(
      "# targets: string and counter apply < 100 ns; string key < 24 meta bytes; stable set "
      "element < 16 meta bytes\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Failure& failure) {
    std::fflush(stdout);
    std::fprintf(stderr, "tern_crdt_bench: %s\n", failure.message.c_str());
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tern_crdt_bench: %s\n", e.what());
  }
  return 1;
}
