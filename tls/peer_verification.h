#pragma once
// Certificate verification of a peer link, and why it refused.
//
// OpenSSL verifies the chain against the deployment CA (the only trust anchor loaded) and checks
// the validity dates; the callback installed here adds the name check (peer_identity.h) on the
// leaf and turns the first failure into a sentence. That sentence is stored on the SSL object, not
// logged here: the handshake code (handshake_report.h) logs one line per refused connection,
// with the remote address, and a refusal found during verification is only part of it.
#include <openssl/ssl.h>

#include <asio/ssl.hpp>
#include <string>
#include <vector>

#include "tls/peer_identity.h"

namespace tern::tls {

// Makes `context` require and verify a peer certificate that names one of `expected_peers`.
// Replaces any earlier verify callback on the context.
void require_peer_certificate(asio::ssl::context& context,
                              std::vector<PeerIdentity> expected_peers);

// The reason verification recorded on this connection, or "" if it recorded none.
std::string recorded_verify_refusal(const SSL* ssl);

// Records `reason` on the connection (the verify callback does; tests of the reporting may).
void record_verify_refusal(SSL* ssl, std::string reason);

// The sentence for an X509 verify result, e.g. "peer certificate refused: expired (notAfter
// 2026-11-22 10:00:00Z)"; `certificate` is the one that failed and may be null.
std::string describe_verify_error(int verify_error, X509* certificate);

}  // namespace tern::tls
