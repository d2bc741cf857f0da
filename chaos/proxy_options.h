#pragma once
// tern-chaos-proxy's command line and config file, parsed without touching the network or the
// disk: main() reads the file and hands its text to merge_config_text.
//
//   tern-chaos-proxy --link NAME=LISTEN_HOST:PORT->TARGET_HOST:PORT [--link ...]
//                    --control HOST:PORT [--max-buffer BYTES] [--seed N] [--config FILE]
//
// The config file holds the same settings, one per line without the dashes ("link a=...",
// "control 127.0.0.1:7100"); '#' starts a comment. Links add up; a single-valued setting given
// on the command line wins over the file's.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chaos/link_spec.h"
#include "chaos/result.h"

namespace tern::chaos {

inline constexpr std::size_t kDefaultMaxBufferBytes = 4u * 1024 * 1024;
inline constexpr std::size_t kMinMaxBufferBytes = 64u * 1024;  // one read must fit
inline constexpr std::size_t kMaxMaxBufferBytes = 1024u * 1024 * 1024;

struct ProxyOptions {
  std::vector<LinkSpec> links;
  std::optional<HostPort> control;
  // Bytes one direction of one connection may hold (queued for delay, bandwidth or a stall)
  // before the proxy stops reading from its source.
  std::optional<std::size_t> max_buffer_bytes;
  std::optional<std::uint64_t> seed;  // jitter's random numbers; none: from the OS
  std::optional<std::string> config_file;
  bool help = false;
  bool version = false;
};

inline constexpr std::string_view kProxyUsage =
    "Usage: tern-chaos-proxy --link NAME=LISTEN_HOST:PORT->TARGET_HOST:PORT [--link ...]\n"
    "                        --control HOST:PORT [--max-buffer BYTES] [--seed N]\n"
    "                        [--config FILE]\n"
    "       tern-chaos-proxy --help | --version\n"
    "Each link listens on LISTEN and forwards every connection to TARGET; the control port\n"
    "speaks RESP (redis-cli -p PORT HELP). Ports may be 0 (the bound ports are printed).\n";

[[nodiscard]] Result<ProxyOptions> parse_command_line(std::span<const std::string> args);
// Adds the settings of a config file's text to `options` (the command line's values win).
[[nodiscard]] Result<ProxyOptions> merge_config_text(ProxyOptions options, std::string_view text);
// A runnable set: at least one link, a control address, distinct link names.
[[nodiscard]] Result<ProxyOptions> validate_options(ProxyOptions options);

}  // namespace tern::chaos
