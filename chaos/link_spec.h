#pragma once
// The addresses a proxy is started with, parsed without touching the network: "HOST:PORT"
// ("[::1]:7000" for IPv6) and a link "NAME=LISTEN_HOST:PORT->TARGET_HOST:PORT". Names are what
// the control commands use, so they are restricted to letters, digits, '-', '_' and '.' (no
// blanks to quote, never "*", which the control commands read as "every link").
#include <cstdint>
#include <string>
#include <string_view>

#include "chaos/result.h"

namespace tern::chaos {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;  // 0 on a listening address: the kernel chooses
  bool operator==(const HostPort&) const = default;
};

struct LinkSpec {
  std::string name;
  HostPort listen;
  HostPort target;
  bool operator==(const LinkSpec&) const = default;
};

[[nodiscard]] Result<HostPort> parse_host_port(std::string_view text);
// The target's port must not be 0 (nothing can be dialled there); the listening one may.
[[nodiscard]] Result<LinkSpec> parse_link_spec(std::string_view text);
[[nodiscard]] bool is_valid_link_name(std::string_view name);
// "host:port", with brackets around an IPv6 host, as parse_host_port reads it back.
[[nodiscard]] std::string to_text(const HostPort& address);

}  // namespace tern::chaos
