#include "tls/reloadable_context.h"

#include <utility>

namespace tern::tls {

Result<std::unique_ptr<ReloadableContext>> ReloadableContext::create(Builder build) {
  if (!build) return Error{"no context builder given"};
  auto first = build();
  if (!first.ok()) return Error{first.error()};
  return std::unique_ptr<ReloadableContext>(
      new ReloadableContext(std::move(build), std::move(first).value()));
}

ReloadableContext::ReloadableContext(Builder build, SharedContext first)
    : build_(std::move(build)), current_(std::move(first)) {}

SharedContext ReloadableContext::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

Status ReloadableContext::reload() {
  auto fresh = build_();  // outside the lock: reading files must not stall current()
  if (!fresh.ok()) return Error{"TLS reload failed, keeping the current context: " + fresh.error()};
  SharedContext retired;
  {
    std::lock_guard lock(mutex_);
    retired = std::exchange(current_, std::move(fresh).value());
    ++generation_;
  }
  // `retired` is released here, outside the lock; live connections still hold their own copy.
  return {};
}

std::uint64_t ReloadableContext::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

ReloadableContext::Builder peer_context_builder(PeerRole role, PeerTlsFiles files,
                                                std::vector<PeerIdentity> expected_peers) {
  return [role, files = std::move(files), expected = std::move(expected_peers)] {
    return make_peer_context(role, files, expected);
  };
}

ReloadableContext::Builder client_facing_context_builder(ClientTlsSettings settings) {
  return [settings = std::move(settings)] { return make_client_facing_context(settings); };
}

}  // namespace tern::tls
