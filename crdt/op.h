#pragma once
// An Op is one replicated write, already resolved at its origin (effects, not commands):
// every region applies the same Op with the same outcome. Its Stamp is its identity (dot)
// and its HLC time; `context` is what its origin had applied when it wrote, which is the
// set an observed-remove removes. Conversion to and from the wire is in op_codec.h.
#include <cstdint>
#include <string>
#include <vector>

#include "crdt/register.h"
#include "crdt/stamp.h"
#include "crdt/stamp_vector.h"

namespace tern::crdt {

enum class OpKind : std::uint8_t {
  kSetString,       // SET and every string write resolved to a value (APPEND, SETRANGE, ...)
  kIncrement,       // INCR/DECR/INCRBY/DECRBY, HINCRBY
  kIncrementFloat,  // INCRBYFLOAT, HINCRBYFLOAT, ZINCRBY
  kHashSet,         // HSET, HSETNX, HMSET (one op per field)
  kRemoveRegister,  // HDEL, ZREM (one op per field or member)
  kSetAdd,          // SADD
  kSetRemove,       // SREM, SPOP's chosen members
  kSortedSetAdd,    // ZADD (score resolved at the origin: NX/XX/GT/LT/INCR)
  kDelete,          // DEL, UNLINK, and a removal that empties a collection
  kExpire,          // EXPIRE family, as an absolute deadline
  kPersist,         // PERSIST
  kExpired,         // a deadline passed: kill everything stamped before it
  kFlushDatabase,   // FLUSHDB, FLUSHALL (one per database)
};

// Which register of a key an increment, removal or observation is about.
enum class RegisterTarget : std::uint8_t { kString, kHashField, kSortedSetMember };

inline constexpr std::uint64_t kNoDeadline = ~0ULL;

struct RegisterObservations {
  RegisterTarget target = RegisterTarget::kString;
  std::string path;  // field or member; empty for the string value
  std::vector<CounterEntry> entries;
};

struct KeyObservations {
  std::string key;
  std::vector<RegisterObservations> registers;
};

struct Op {
  OpKind kind = OpKind::kSetString;
  std::uint32_t database = 0;
  std::string key;
  Stamp stamp;
  StampVector context;
  RegisterTarget target = RegisterTarget::kString;
  std::string path;   // hash field, set member or sorted-set member
  std::string value;  // string or hash-field value
  double score = 0;   // kSortedSetAdd
  Stamp group;        // kIncrement, kIncrementFloat: the winner the origin incremented on
  Stamp first;        // kIncrement, kIncrementFloat: the entry's first increment (its slot)
  // kIncrement, kIncrementFloat: the whole (origin, group) entry after the op, both sums.
  std::int64_t int_sum = 0;
  long double float_sum = 0;
  std::uint64_t deadline_ms = 0;  // kExpire, kExpired, kSetString with a TTL (0: none)
  bool keep_ttl = false;          // kSetString KEEPTTL
  std::vector<RegisterObservations> observed;  // kSetString, kHashSet, kRemoveRegister, ...
  std::vector<KeyObservations> flush_observed; // kFlushDatabase
};

}  // namespace tern::crdt
