#pragma once
// TLS contexts for peer links (region leader to region leader, node to node): mutual TLS 1.3
// only, both sides present a certificate from the deployment CA, and each side checks that the
// other's certificate names the node it expects (peer_identity.h). See tls/README.md.
#include <asio/ssl.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tls/peer_identity.h"
#include "tls/result.h"

namespace tern::tls {

// A context is shared by every connection made from it; a connection must hold the shared_ptr
// for as long as its stream lives (asio keeps the verify callback in the context).
using SharedContext = std::shared_ptr<asio::ssl::context>;

// Which end of the TCP connection this side is; both ends verify the other.
enum class PeerRole : std::uint8_t { kAccepting, kConnecting };

struct PeerTlsFiles {
  std::string ca_file;           // the deployment CA, the only trust anchor
  std::string certificate_file;  // this node's certificate (PEM, may carry intermediates)
  std::string key_file;          // this node's private key (PEM, unencrypted)
};

// Builds a context for one end of peer links. The peer must present a certificate that chains to
// the CA in `files.ca_file` and carries one of `expected_peers` as a URI SAN. An accepting side
// usually lists every peer that may connect; a connecting side names the one it dials.
Result<SharedContext> make_peer_context(PeerRole role, const PeerTlsFiles& files,
                                        std::vector<PeerIdentity> expected_peers);

}  // namespace tern::tls
