#include "chaos/link.h"

#include <cstdio>

#include "chaos/link_report.h"
#include "chaos/proxied_connection.h"

namespace tern::chaos {
namespace {

// An accept that fails for a reason other than the listener closing (out of descriptors,
// mostly) is retried after this pause rather than at once in a tight loop.
constexpr auto kAcceptRetry = std::chrono::milliseconds(50);

}  // namespace

Link::Link(asio::io_context& io, LinkSpec spec, asio::ip::tcp::resolver::results_type targets,
           std::size_t max_buffer_bytes, std::uint64_t seed)
    : io_(io),
      spec_(std::move(spec)),
      targets_(std::move(targets)),
      max_buffer_bytes_(max_buffer_bytes),
      acceptor_(io),
      accept_retry_(io),
      bound_port_(spec_.listen.port),
      seeds_(seed) {}

Link::~Link() {
  for (const auto& connection : connections()) connection->reset();
}

Result<bool> Link::open() {
  asio::error_code error;
  asio::ip::tcp::resolver resolver(io_);
  const auto endpoints = resolver.resolve(spec_.listen.host, std::to_string(bound_port_),
                                          asio::ip::tcp::resolver::passive, error);
  if (error || endpoints.empty()) {
    return Error{"link " + spec_.name + ": cannot resolve " + spec_.listen.host + ": " +
                 error.message()};
  }
  const asio::ip::tcp::endpoint endpoint = *endpoints.begin();
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    asio::error_code ignored;
    acceptor_.close(ignored);
    return Error{"link " + spec_.name + ": cannot listen on " + to_text(spec_.listen) + ": " +
                 error.message()};
  }
  bound_port_ = acceptor_.local_endpoint(error).port();
  accept();
  return true;
}

void Link::close_listener() {
  asio::error_code ignored;
  accept_retry_.cancel();
  acceptor_.close(ignored);
}

void Link::accept() {
  acceptor_.async_accept([this](const asio::error_code& error, asio::ip::tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (error) {
      std::fprintf(stderr, "tern-chaos-proxy: link %s: accept failed: %s\n", spec_.name.c_str(),
                   error.message().c_str());
      accept_retry_.expires_after(kAcceptRetry);
      accept_retry_.async_wait([this](const asio::error_code& wait_error) {
        if (!wait_error && acceptor_.is_open()) accept();
      });
      return;
    }
    ++counters_.connections_accepted;
    auto connection = std::make_shared<ProxiedConnection>(*this, std::move(socket), seeds_());
    connections_.emplace(connection.get(), connection);
    connection->start();
    accept();
  });
}

Result<bool> Link::set_faults(const LinkFaults& faults) {
  const LinkFaults before = faults_;
  LinkFaults after = faults;
  Result<bool> outcome = true;
  if (before.cut && !after.cut) {
    // A port that cannot be bound again leaves the link cut; the other changes (CLEAR's) stand.
    outcome = open();
    if (!outcome.ok()) after.cut = true;
  }
  faults_ = after;
  if (after.cut && !before.cut) {
    close_listener();
    reset_connections();
    return outcome;
  }
  for (const auto& connection : connections()) connection->apply_faults(before);
  return outcome;
}

void Link::reset_connections() {
  for (const auto& connection : connections()) connection->reset();
}

std::string Link::report(Instant now) const {
  LinkView view{spec_, bound_port_, faults_, counters_};
  for (const auto& [key, connection] : connections_) {
    for (const Direction d : kBothDirections) {
      view.queued_bytes[index_of(d)] += connection->queued_bytes(d);
    }
  }
  return link_report_line(view, now);
}

void Link::forget(ProxiedConnection* connection) { connections_.erase(connection); }

std::vector<std::shared_ptr<ProxiedConnection>> Link::connections() const {
  std::vector<std::shared_ptr<ProxiedConnection>> copy;
  copy.reserve(connections_.size());
  for (const auto& [key, connection] : connections_) copy.push_back(connection);
  return copy;
}

}  // namespace tern::chaos
