#include "node/commands/expiry_arguments.h"

#include <limits>

#include "node/commands/arguments.h"
#include "node/node.h"

namespace tern::node {

std::optional<std::uint64_t> positive_expiry_deadline(Call& call, std::string_view amount, ExpiryUnit unit) {
  long long value = 0;
  if (!integer_argument(call, amount, &value)) return std::nullopt;
  constexpr long long kMax = std::numeric_limits<long long>::max();
  const bool seconds = unit == ExpiryUnit::kSeconds || unit == ExpiryUnit::kUnixSeconds;
  const auto invalid = [&] {
    call.reply.error("ERR invalid expire time in '" + lower_case(call.args[0]) + "' command");
    return std::nullopt;
  };
  if (value <= 0 || (seconds && value > kMax / 1000)) return invalid();
  long long ms = seconds ? value * 1000 : value;
  if (unit == ExpiryUnit::kSeconds || unit == ExpiryUnit::kMilliseconds) {
    const auto now = static_cast<long long>(call.node.store().now_ms());
    if (ms > kMax - now) return invalid();
    ms += now;
  }
  return static_cast<std::uint64_t>(ms);
}

}  // namespace tern::node
