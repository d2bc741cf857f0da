#pragma once
// Log lines in redis-server's shape ("pid:M 23 Nov 2026 12:00:00.123 * message") on stderr or
// in `logfile`, filtered by `loglevel`. One process-wide sink: the server is one thread that
// logs, and tests start processes, so there is nothing to inject.
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::node {

enum class LogLevel : std::uint8_t { kDebug, kVerbose, kNotice, kWarning, kNothing };

// Returns false (and changes nothing) for an unknown level name.
bool parse_log_level(std::string_view name, LogLevel* out);
// "" means stderr. A file that cannot be opened leaves the sink on stderr and returns false.
bool configure_log(LogLevel level, const std::string& path);
void log_line(LogLevel level, std::string_view message);

}  // namespace tern::node
