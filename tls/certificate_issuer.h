#pragma once
// Making keys and certificates with OpenSSL 3: a P-256 key, a self-signed deployment CA, and node
// certificates signed by it that carry the node's URI name (peer_identity.h) and are good for
// both ends of a TLS connection (a node accepts peer links and dials them). The validity window
// is a parameter so that tests can make certificates that are already expired.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <string>
#include <vector>

#include "tls/openssl_handles.h"
#include "tls/peer_identity.h"
#include "tls/result.h"

namespace tern::tls {

// Relative to the moment of signing.
struct ValidityWindow {
  std::chrono::seconds not_before_offset{-std::chrono::hours(1)};  // tolerates clock skew
  std::chrono::seconds not_after_offset{std::chrono::hours(24 * 365)};

  static ValidityWindow for_days(int days);
  // Ended a day ago, began two days ago: an "expired" certificate for tests.
  static ValidityWindow already_expired();
};

inline constexpr const char* kCaCommonName = "tern deployment CA";

Result<KeyHandle> generate_key();

Result<CertificateHandle> make_ca_certificate(EVP_PKEY* ca_key, const ValidityWindow& validity);

// `server_names` (host names and IP addresses) are added as DNS and IP subject alternative names
// beside the node's URI, for clients that check the host name of tls-port (tern-certs
// --server-names). Peers never look at them.
Result<CertificateHandle> issue_node_certificate(X509* ca_certificate, EVP_PKEY* ca_key,
                                                 EVP_PKEY* node_key, const PeerIdentity& node,
                                                 const ValidityWindow& validity,
                                                 const std::vector<std::string>& server_names = {});

// Checks one --server-names entry: an IPv4 or IPv6 address, or a DNS name (labels of letters,
// digits and '-', separated by '.', at most 253 characters). "" when fine, else the reason.
std::string server_name_problem(const std::string& name);

// Checks that would make tern-certs keep an existing file: "" when fine, else the reason.
std::string ca_problem(X509* ca_certificate, EVP_PKEY* ca_key);
std::string node_certificate_problem(X509* certificate, EVP_PKEY* key, X509* ca_certificate,
                                     const PeerIdentity& node, bool want_expired,
                                     const std::vector<std::string>& server_names = {});

}  // namespace tern::tls
