#pragma once
// Certificate fields as text for log lines and tern-certs' report. Certificates are outside input,
// so every function copes with missing or unreadable fields.
#include <openssl/x509.h>

#include <string>

namespace tern::tls {

// "2026-11-22 10:00:00Z" (ISO 8601, UTC).
std::string time_text(const ASN1_TIME* time);
std::string not_after_text(X509* certificate);
// "/CN=tern deployment CA"
std::string issuer_text(X509* certificate);

}  // namespace tern::tls
