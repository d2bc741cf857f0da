#pragma once
// Where tls/ writes its log lines. tls/ sits below node/ (DESIGN.md), so it cannot call node's
// log_line; the owner of a context passes a sink that forwards to its own log instead. A refused
// handshake is a warning: someone is misconfigured or someone is knocking.
#include <cstdint>
#include <functional>
#include <string_view>

namespace tern::tls {

enum class LogSeverity : std::uint8_t { kNotice, kWarning };

// Called on the thread that runs the handshake; must not throw.
using LogSink = std::function<void(LogSeverity severity, std::string_view line)>;

}  // namespace tern::tls
