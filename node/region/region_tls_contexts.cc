// The TLS contexts of a region's peer links: one accepting context (it lists every other node
// as a name it may accept) and one dialling context per peer (it expects exactly that peer's
// name). Built at start() and rebuilt on SIGHUP from the region-tls-* files, all or none: a
// rotation that left the files half-written (new certificate, old key) changes nothing.
//
// A PeerLink keeps the context it was made with (tls/README.md, "Reload model"), so replacing
// these pointers never disturbs an open link: only handshakes after the swap see the new files.
#include <utility>
#include <vector>

#include "node/region/region_service.h"
#include "tls/peer_identity.h"

namespace tern::node {

std::string RegionService::install_tls_contexts() {
  const tls::PeerTlsFiles files{settings_.region_tls_ca_file, settings_.region_tls_cert_file,
                                settings_.region_tls_key_file};
  std::vector<tls::PeerIdentity> others;
  std::vector<tls::SharedContext> dial_contexts;
  for (const auto& peer : peers_) {
    auto identity = tls::make_peer_identity(settings_.region, peer->address.name);
    if (!identity.ok()) return identity.error();
    auto dial_context =
        tls::make_peer_context(tls::PeerRole::kConnecting, files, {identity.value()});
    if (!dial_context.ok()) return dial_context.error();
    others.push_back(identity.value());
    dial_contexts.push_back(std::move(dial_context).value());
  }
  // A one-node region (a global datastore's smallest region) has no peers to accept.
  if (!others.empty()) {
    auto accept_context = tls::make_peer_context(tls::PeerRole::kAccepting, files, others);
    if (!accept_context.ok()) return accept_context.error();
    accept_context_ = std::move(accept_context).value();
  }
  for (std::size_t i = 0; i < peers_.size(); ++i)
    peers_[i]->dial_context = std::move(dial_contexts[i]);
  return {};
}

std::string RegionService::reload_tls() {
  if (std::string problem = install_tls_contexts(); !problem.empty()) {
    return "region peer TLS not reloaded, keeping the current certificates: " + problem;
  }
  return "region peer TLS reloaded from region-tls-cert-file " + settings_.region_tls_cert_file +
         " (new peer handshakes use it; open links keep theirs)";
}

}  // namespace tern::node
