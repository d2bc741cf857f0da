#include "tls/client_context.h"

#include <array>
#include <exception>
#include <utility>

#include "tls/credential_files.h"
#include "tls/openssl_error.h"

namespace tern::tls {
namespace {

struct ProtocolName {
  std::string_view name;
  int version;
};

// In ascending order: the range check below relies on it.
constexpr std::array<ProtocolName, 4> kProtocols{{
    {"tlsv1", TLS1_VERSION},
    {"tlsv1.1", TLS1_1_VERSION},
    {"tlsv1.2", TLS1_2_VERSION},
    {"tlsv1.3", TLS1_3_VERSION},
}};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Redis's tls-session-id-context is not configurable either; one fixed value lets OpenSSL resume
// sessions when client certificates are requested.
constexpr std::string_view kSessionIdContext = "tern";

}  // namespace

Result<ProtocolRange> parse_tls_protocols(std::string_view text) {
  std::array<bool, kProtocols.size()> named{};
  bool any = false;
  std::size_t position = 0;
  while (position < text.size()) {
    const std::size_t start = text.find_first_not_of(" \t", position);
    if (start == std::string_view::npos) break;
    std::size_t end = text.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    bool known = false;
    for (std::size_t i = 0; i < kProtocols.size(); ++i) {
      if (equal_ignoring_case(word, kProtocols[i].name)) {
        named[i] = true;
        known = true;
      }
    }
    if (!known) {
      return Error{"invalid tls-protocols: unknown protocol '" + std::string(word) +
                   "' (use TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)"};
    }
    any = true;
    position = end;
  }
  if (!any) return ProtocolRange{};
  std::size_t first = 0;
  while (!named[first]) ++first;
  std::size_t last = kProtocols.size() - 1;
  while (!named[last]) --last;
  for (std::size_t i = first; i <= last; ++i) {
    if (!named[i]) {
      return Error{"invalid tls-protocols: versions must be consecutive (missing " +
                   std::string(kProtocols[i].name) + ")"};
    }
  }
  return ProtocolRange{kProtocols[first].version, kProtocols[last].version};
}

Result<SharedContext> make_client_facing_context(const ClientTlsSettings& settings) {
  int verify_mode = 0;
  if (settings.auth_clients == "yes") {
    verify_mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  } else if (settings.auth_clients == "optional") {
    verify_mode = SSL_VERIFY_PEER;
  } else if (settings.auth_clients == "no") {
    verify_mode = SSL_VERIFY_NONE;
  } else {
    return Error{"invalid tls-auth-clients '" + settings.auth_clients +
                 "' (use yes, no or optional)"};
  }
  auto protocols = parse_tls_protocols(settings.protocols);
  if (!protocols.ok()) return Error{protocols.error()};

  SharedContext context;
  try {
    context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  } catch (const std::exception& failure) {
    clear_openssl_errors();
    return Error{std::string("cannot create a TLS context: ") + failure.what()};
  }
  SSL_CTX* native = context->native_handle();
  clear_openssl_errors();
  if (SSL_CTX_set_min_proto_version(native, protocols.value().lowest) != 1 ||
      SSL_CTX_set_max_proto_version(native, protocols.value().highest) != 1) {
    return Error{"invalid tls-protocols: " + take_openssl_errors()};
  }
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (settings.prefer_server_ciphers) SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (!settings.ciphers.empty() && SSL_CTX_set_cipher_list(native, settings.ciphers.c_str()) != 1) {
    return Error{"invalid tls-ciphers '" + settings.ciphers + "': " + take_openssl_errors()};
  }
  if (!settings.ciphersuites.empty() &&
      SSL_CTX_set_ciphersuites(native, settings.ciphersuites.c_str()) != 1) {
    return Error{"invalid tls-ciphersuites '" + settings.ciphersuites +
                 "': " + take_openssl_errors()};
  }
  if (settings.session_caching) {
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(native, settings.session_cache_size);
    SSL_CTX_set_timeout(native, settings.session_cache_timeout_seconds);
    SSL_CTX_set_session_id_context(native,
                                   reinterpret_cast<const unsigned char*>(kSessionIdContext.data()),
                                   static_cast<unsigned int>(kSessionIdContext.size()));
  } else {
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(native, 0);
  }

  if (Status loaded = load_certificate_and_key(native, settings.certificate_file, settings.key_file,
                                               settings.key_file_password);
      !loaded.ok()) {
    return Error{"tls-cert-file/tls-key-file: " + loaded.error()};
  }
  if (verify_mode != SSL_VERIFY_NONE) {
    Status loaded =
        load_trust_anchors(native, settings.ca_certificate_file, settings.ca_certificate_dir);
    if (!loaded.ok()) {
      return Error{"tls-ca-cert-file/tls-ca-cert-dir (needed by tls-auth-clients " +
                   settings.auth_clients + "): " + loaded.error()};
    }
  }
  SSL_CTX_set_verify(native, verify_mode, nullptr);
  return context;
}

}  // namespace tern::tls
