#pragma once
// The server-side TLS context for clients (redis-cli --tls, redis-py with ssl=True), configured by
// the directives Redis uses. The settings are plain strings and numbers so that node/config can
// fill them from its directive values without tls/ knowing node/'s types.
//
// Differences from Redis, on purpose:
//   - a CA is required only when client certificates are asked for (tls-auth-clients yes or
//     optional); Redis also wants one with tls-auth-clients no, where it is never used;
//   - tls-protocols must name consecutive versions ("TLSv1.2 TLSv1.3", not "TLSv1.1 TLSv1.3"),
//     because OpenSSL 3 expresses the range as a minimum and a maximum.
#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "tls/peer_context.h"
#include "tls/result.h"

namespace tern::tls {

struct ClientTlsSettings {
  std::string certificate_file;        // tls-cert-file
  std::string key_file;                // tls-key-file
  std::string key_file_password;       // tls-key-file-pass
  std::string ca_certificate_file;     // tls-ca-cert-file
  std::string ca_certificate_dir;      // tls-ca-cert-dir
  std::string auth_clients = "yes";    // tls-auth-clients: yes | no | optional
  std::string protocols;               // tls-protocols; "" means "TLSv1.2 TLSv1.3", as in Redis
  std::string ciphers;                 // tls-ciphers: TLS 1.2 and older; "" keeps OpenSSL's
  std::string ciphersuites;            // tls-ciphersuites: TLS 1.3; "" keeps OpenSSL's
  bool prefer_server_ciphers = false;  // tls-prefer-server-ciphers
  bool session_caching = true;         // tls-session-caching
  long session_cache_size = 20480;     // tls-session-cache-size
  long session_cache_timeout_seconds = 300;  // tls-session-cache-timeout
};

// The lowest and highest protocol versions allowed, as OpenSSL's TLS1_x_VERSION numbers.
struct ProtocolRange {
  int lowest = TLS1_2_VERSION;
  int highest = TLS1_3_VERSION;
  bool operator==(const ProtocolRange&) const = default;
};

// Parses tls-protocols: "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3" separated by spaces, any case.
Result<ProtocolRange> parse_tls_protocols(std::string_view text);

// Builds the context that accepts client connections. Every error names the directive or the
// file at fault, in the words CONFIG SET would reply with.
Result<SharedContext> make_client_facing_context(const ClientTlsSettings& settings);

}  // namespace tern::tls
