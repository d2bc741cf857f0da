#include "node/commands/encoding.h"

#include "crdt/number_text.h"
#include "node/node.h"

namespace tern::node {

std::size_t config_number(Call& call, std::string_view name) {
  auto v = call.node.config().value(name);
  auto n = v ? crdt::parse_int64(*v) : std::nullopt;
  return n && *n > 0 ? static_cast<std::size_t>(*n) : 0;
}

std::string_view encoding_name(Call& call, const crdt::KeyState& state) {
  constexpr std::size_t kAll = SIZE_MAX;
  switch (state.type()) {
    case crdt::ValueType::kString: {
      const std::string value = state.string_register().read().text;
      if (value.size() <= 20 && crdt::parse_int64(value)) return "int";
      return value.size() <= 44 ? "embstr" : "raw";
    }
    case crdt::ValueType::kHash: {
      if (state.count_members(crdt::ValueType::kHash, kAll) > config_number(call, "hash-max-listpack-entries")) {
        return "hashtable";
      }
      const std::size_t max_value = config_number(call, "hash-max-listpack-value");
      for (const auto& [f, v] : state.hash_fields()) {
        if (f.size() > max_value || v.size() > max_value) return "hashtable";
      }
      return "listpack";
    }
    case crdt::ValueType::kSet: {
      if (state.count_members(crdt::ValueType::kSet, kAll) > config_number(call, "set-max-intset-entries")) {
        return "hashtable";
      }
      for (const auto& m : state.set_members()) {
        if (!crdt::parse_int64(m)) return "hashtable";
      }
      return "intset";
    }
    case crdt::ValueType::kSortedSet: {
      if (state.count_members(crdt::ValueType::kSortedSet, kAll) > config_number(call, "zset-max-listpack-entries")) {
        return "skiplist";
      }
      const std::size_t max_value = config_number(call, "zset-max-listpack-value");
      for (const auto& [m, score] : state.sorted_set_members()) {
        if (m.size() > max_value) return "skiplist";
      }
      return "listpack";
    }
    case crdt::ValueType::kNone: break;
  }
  return "none";
}

bool compact_encoding(Call& call, const crdt::KeyState& state) {
  const std::string_view name = encoding_name(call, state);
  return name == "listpack" || name == "intset";
}

}  // namespace tern::node
