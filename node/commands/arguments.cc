#include "node/commands/arguments.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "crdt/number_text.h"
#include "node/node.h"

namespace tern::node {

bool integer_argument(Call& call, std::string_view text, long long* out) {
  auto v = crdt::parse_int64(text);
  if (!v) {
    reply_not_integer(call);
    return false;
  }
  *out = *v;
  return true;
}

bool double_argument(Call& call, std::string_view text, double* out) {
  // strtod needs a terminated copy; Redis also refuses leading spaces and NaN.
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double v = copy.empty() || std::isspace(static_cast<unsigned char>(copy[0])) ? 0 : std::strtod(copy.c_str(), &end);
  if (copy.empty() || std::isspace(static_cast<unsigned char>(copy[0])) || end != copy.c_str() + copy.size() ||
      (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) || std::isnan(v)) {
    call.reply.error("ERR value is not a valid float");
    return false;
  }
  *out = v;
  return true;
}

bool long_double_argument(Call& call, std::string_view text, long double* out) {
  auto v = crdt::parse_long_double(text);
  if (!v) {
    call.reply.error("ERR value is not a valid float");
    return false;
  }
  *out = *v;
  return true;
}

const crdt::KeyState* lookup(Call& call, std::string_view key, bool read) {
  const crdt::KeyState* state = call.node.store().find(call.client.db, key);
  if (read) {
    if (state != nullptr) {
      ++call.node.stats().keyspace_hits;
    } else {
      ++call.node.stats().keyspace_misses;
    }
  }
  return state;
}

bool check_type(Call& call, const crdt::KeyState* state, crdt::ValueType type) {
  if (state != nullptr && state->type() != type) {
    reply_wrong_type(call);
    return false;
  }
  return true;
}

std::string string_value(const crdt::KeyState& state) { return state.string_register().read().text; }

}  // namespace tern::node
