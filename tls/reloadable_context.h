#pragma once
// ReloadableContext: the TLS context new connections take, replaceable without a restart.
//
// Reload model. The holder owns a builder (a function that reads the files and makes a fresh
// context) and the current context behind a shared_ptr. reload() runs the builder; on success it
// swaps the new context in, on failure it keeps the old one and returns the builder's reason. A
// connection takes current() once, when it is created, and keeps that shared_ptr for its life:
// existing links go on with the context (certificate, CA, expected names) they were made with,
// and the old context is freed when its last connection closes. Nothing ever changes inside a
// context that a connection uses.
//
// current() and reload() may be called from different threads (a signal thread, a CONFIG SET on
// the event loop); a mutex guards only the pointer swap, never the build.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "tls/client_context.h"
#include "tls/peer_context.h"
#include "tls/result.h"

namespace tern::tls {

class ReloadableContext {
 public:
  using Builder = std::function<Result<SharedContext>()>;

  // Builds the first context; fails (with the builder's reason) if that fails.
  static Result<std::unique_ptr<ReloadableContext>> create(Builder build);

  ReloadableContext(const ReloadableContext&) = delete;
  ReloadableContext& operator=(const ReloadableContext&) = delete;

  // The context for a new connection; never null.
  [[nodiscard]] SharedContext current() const;

  // Rebuilds from the files. On failure current() is unchanged and the error says why, in words
  // fit for a CONFIG SET reply or a log line ("cannot load certificate /etc/tern/node.crt: ...").
  Status reload();

  // Counts successful builds, the first included; lets callers and tests see that a swap happened.
  [[nodiscard]] std::uint64_t generation() const;

 private:
  ReloadableContext(Builder build, SharedContext first);

  const Builder build_;
  mutable std::mutex mutex_;
  SharedContext current_;
  std::uint64_t generation_ = 1;
};

// Builders for the two kinds of context, reading the files anew on every call.
ReloadableContext::Builder peer_context_builder(PeerRole role, PeerTlsFiles files,
                                                std::vector<PeerIdentity> expected_peers);
ReloadableContext::Builder client_facing_context_builder(ClientTlsSettings settings);

}  // namespace tern::tls
