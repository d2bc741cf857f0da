#include "tls/peer_context.h"

#include <exception>
#include <utility>

#include "tls/credential_files.h"
#include "tls/openssl_error.h"
#include "tls/peer_verification.h"

namespace tern::tls {

Result<SharedContext> make_peer_context(PeerRole role, const PeerTlsFiles& files,
                                        std::vector<PeerIdentity> expected_peers) {
  if (expected_peers.empty()) return Error{"no expected peer identity given"};
  SharedContext context;
  try {
    // Throws only when OpenSSL cannot allocate a context.
    context = std::make_shared<asio::ssl::context>(role == PeerRole::kAccepting
                                                       ? asio::ssl::context::tls_server
                                                       : asio::ssl::context::tls_client);
  } catch (const std::exception& failure) {
    clear_openssl_errors();
    return Error{std::string("cannot create a TLS context: ") + failure.what()};
  }
  SSL_CTX* native = context->native_handle();
  // Peer links are ours at both ends, so there is no older peer to accommodate.
  if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION) != 1) {
    return Error{"cannot restrict the context to TLS 1.3: " + take_openssl_errors()};
  }
  // No session resumption: a resumed session skips certificate verification, and every peer
  // link should be checked against today's CA, dates and names. Links are long-lived, so the
  // full handshake costs nothing that matters.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
  if (role == PeerRole::kAccepting) SSL_CTX_set_num_tickets(native, 0);

  if (Status loaded = load_trust_anchors(native, files.ca_file, ""); !loaded.ok()) {
    return Error{loaded.error()};
  }
  if (Status loaded = load_certificate_and_key(native, files.certificate_file, files.key_file, "");
      !loaded.ok()) {
    return Error{loaded.error()};
  }
  require_peer_certificate(*context, std::move(expected_peers));
  return context;
}

}  // namespace tern::tls
