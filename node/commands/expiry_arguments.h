#pragma once
// Expiry arguments (SET EX/PX/EXAT/PXAT, SETEX, GETEX, EXPIRE family) to an absolute Unix
// deadline in milliseconds, with redis-server 7's validation and error texts.
#include <cstdint>
#include <optional>
#include <string_view>

#include "node/command.h"

namespace tern::node {

enum class ExpiryUnit : std::uint8_t { kSeconds, kMilliseconds, kUnixSeconds, kUnixMilliseconds };

// SET/SETEX/GETEX style: the amount must be > 0 ("ERR invalid expire time in '<cmd>' command").
std::optional<std::uint64_t> positive_expiry_deadline(Call& call, std::string_view amount, ExpiryUnit unit);

}  // namespace tern::node
