#include "tls/peer_verification.h"

#include <openssl/x509_vfy.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "tls/certificate_text.h"

namespace tern::tls {
namespace {

constexpr int kLeafDepth = 0;

void free_reason(void* /*parent*/, void* reason, CRYPTO_EX_DATA* /*data*/, int /*index*/,
                 long /*argl*/, void* /*argp*/) {
  delete static_cast<std::string*>(reason);
}

// One ex_data slot per process for the refusal sentence; its free function runs when the SSL
// object goes, so a recorded reason lives exactly as long as its connection.
int refusal_slot() {
  static const int kSlot = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_reason);
  return kSlot;
}

std::string expected_text(const std::vector<PeerIdentity>& expected_peers) {
  std::string text;
  for (const auto& peer : expected_peers) {
    if (!text.empty()) text += " or ";
    text += peer.uri();
  }
  return text.empty() ? std::string("nothing (no peer configured)") : text;
}

bool names_expected_peer(X509* certificate, const std::vector<PeerIdentity>& expected_peers) {
  const auto names = uri_names_of(certificate);
  return std::any_of(expected_peers.begin(), expected_peers.end(), [&](const PeerIdentity& peer) {
    const std::string expected = peer.uri();
    return std::find(names.begin(), names.end(), expected) != names.end();
  });
}

SSL* connection_of(X509_STORE_CTX* store) {
  return static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
}

}  // namespace

std::string describe_verify_error(int verify_error, X509* certificate) {
  const std::string prefix = "peer certificate refused: ";
  switch (verify_error) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return prefix + "not signed by the deployment CA (issuer " + issuer_text(certificate) + ")";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return prefix + "expired (notAfter " + not_after_text(certificate) + ")";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return prefix + "not yet valid (notBefore " +
             time_text(certificate ? X509_get0_notBefore(certificate) : nullptr) + ")";
    case X509_V_ERR_INVALID_PURPOSE:
      return prefix + "not issued for TLS client and server use (extended key usage)";
    default:
      return prefix + X509_verify_cert_error_string(verify_error);
  }
}

std::string recorded_verify_refusal(const SSL* ssl) {
  if (ssl == nullptr) return {};
  const auto* reason = static_cast<const std::string*>(SSL_get_ex_data(ssl, refusal_slot()));
  return reason != nullptr ? *reason : std::string();
}

void record_verify_refusal(SSL* ssl, std::string reason) {
  if (ssl == nullptr) return;
  auto* old = static_cast<std::string*>(SSL_get_ex_data(ssl, refusal_slot()));
  if (old != nullptr) {
    *old = std::move(reason);
    return;
  }
  // From here on the SSL object owns the string; free_reason deletes it with the connection.
  auto fresh = std::make_unique<std::string>(std::move(reason));
  if (SSL_set_ex_data(ssl, refusal_slot(), fresh.get()) == 1) {
    static_cast<void>(fresh.release());
  }
}

void require_peer_certificate(asio::ssl::context& context,
                              std::vector<PeerIdentity> expected_peers) {
  SSL_CTX_set_verify(context.native_handle(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     nullptr);
  asio::error_code ignored;  // set_verify_callback fails only when out of memory.
  context.set_verify_callback(
      [expected = std::move(expected_peers)](bool preverified, asio::ssl::verify_context& verify) {
        X509_STORE_CTX* store = verify.native_handle();
        X509* certificate = X509_STORE_CTX_get_current_cert(store);
        SSL* ssl = connection_of(store);
        if (!preverified) {
          // OpenSSL stops at the first failure we return false for, so this is the reason.
          record_verify_refusal(
              ssl, describe_verify_error(X509_STORE_CTX_get_error(store), certificate));
          return false;
        }
        if (X509_STORE_CTX_get_error_depth(store) != kLeafDepth) return true;
        if (names_expected_peer(certificate, expected)) return true;
        record_verify_refusal(ssl, "peer certificate refused: names " +
                                       describe_names_of(certificate) + ", expected " +
                                       expected_text(expected));
        X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
        return false;
      },
      ignored);
}

}  // namespace tern::tls
