#pragma once
// Link: one named proxied link at run time. It owns the listener, the link's faults and
// counters and the table of its connections, and applies a change of faults to all of them
// at once. The Asio edge around the pure parts (Shaper, LinkFaults, link_report_line).
//
// CUT closes the listener, so new connects are refused by the kernel (ECONNREFUSED), and
// resets every connection; HEAL binds the same port again. Why refuse rather than blackhole:
// BLACKHOLE already gives the silent partition (connects succeed, bytes vanish, peers find out
// by timeouts); CUT is the loud one (the link is known to be down at once), and a drill can
// combine them. Binding again can fail if another process took the port meanwhile; HEAL then
// says so and the link stays cut.
#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include "chaos/link_counters.h"
#include "chaos/link_faults.h"
#include "chaos/link_spec.h"
#include "chaos/result.h"

namespace tern::chaos {

class ProxiedConnection;

class Link {
 public:
  Link(asio::io_context& io, LinkSpec spec, asio::ip::tcp::resolver::results_type targets,
       std::size_t max_buffer_bytes, std::uint64_t seed);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Binds the listening address and starts accepting (startup, and HEAL after CUT).
  [[nodiscard]] Result<bool> open();
  // Makes `faults` the link's faults, at once, for current and new connections. The one
  // failure: lifting a cut when the port cannot be bound again; the link then stays cut and
  // every other change is made.
  [[nodiscard]] Result<bool> set_faults(const LinkFaults& faults);
  void reset_connections();
  [[nodiscard]] std::string report(Instant now) const;

  [[nodiscard]] const LinkSpec& spec() const { return spec_; }
  [[nodiscard]] std::uint16_t bound_port() const { return bound_port_; }

  // For ProxiedConnection.
  [[nodiscard]] const LinkFaults& faults() const { return faults_; }
  [[nodiscard]] LinkCounters& counters() { return counters_; }
  [[nodiscard]] std::size_t max_buffer_bytes() const { return max_buffer_bytes_; }
  [[nodiscard]] const asio::ip::tcp::resolver::results_type& targets() const { return targets_; }
  [[nodiscard]] asio::io_context& io() { return io_; }
  void forget(ProxiedConnection* connection);

 private:
  void accept();
  void close_listener();
  // Copies of the table, for loops whose calls may make a connection forget itself.
  [[nodiscard]] std::vector<std::shared_ptr<ProxiedConnection>> connections() const;

  asio::io_context& io_;
  LinkSpec spec_;
  asio::ip::tcp::resolver::results_type targets_;
  std::size_t max_buffer_bytes_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  std::uint16_t bound_port_ = 0;
  LinkFaults faults_;
  LinkCounters counters_;
  std::unordered_map<ProxiedConnection*, std::shared_ptr<ProxiedConnection>> connections_;
  std::mt19937_64 seeds_;  // one seed per connection for its shapers' jitter
};

}  // namespace tern::chaos
