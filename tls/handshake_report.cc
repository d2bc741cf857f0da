#include "tls/handshake_report.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <utility>

#include "tls/peer_verification.h"

namespace tern::tls {
namespace {

// OpenSSL reports a received alert as reason SSL_AD_REASON_OFFSET + alert number.
constexpr int kAlertReasonOffset = SSL_AD_REASON_OFFSET;

std::string describe_ssl_reason(const SSL* ssl, int reason, HandshakeSide side) {
  const bool accepting = side == asio::ssl::stream_base::server;
  switch (reason) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
      // The first bytes were not a TLS record header (0x16 0x03 ...).
      return accepting ? "plaintext connection refused: not a TLS ClientHello"
                       : "plaintext reply refused: the other side does not speak TLS";
    case SSL_R_UNSUPPORTED_PROTOCOL:
      return "protocol version refused: the other side offered no TLS version allowed here" +
             std::string(accepting ? " (peer links take TLS 1.3 only)" : "");
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
      return "peer certificate refused: the peer sent no certificate";
    case SSL_R_CERTIFICATE_VERIFY_FAILED: {
      std::string recorded = recorded_verify_refusal(ssl);
      if (!recorded.empty()) return recorded;
      return describe_verify_error(
          ssl != nullptr ? static_cast<int>(SSL_get_verify_result(ssl)) : X509_V_ERR_UNSPECIFIED,
          nullptr);
    }
    default:
      break;
  }
  if (reason > kAlertReasonOffset) {
    // The other side refused us and said why in an alert.
    return std::string("the other side refused this connection (alert: ") +
           SSL_alert_desc_string_long(reason - kAlertReasonOffset) + ")";
  }
  const char* text = ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, reason));
  return std::string("TLS handshake failed: ") + (text != nullptr ? text : "unknown reason");
}

std::string remote_address(TlsStream& stream) {
  asio::error_code error;
  const auto endpoint = stream.lowest_layer().remote_endpoint(error);
  if (error) return "(address unknown)";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

std::string describe_tls_failure(const SSL* ssl, const asio::error_code& error,
                                 HandshakeSide side) {
  if (error.category() == asio::error::get_ssl_category()) {
    return describe_ssl_reason(ssl, ERR_GET_REASON(static_cast<unsigned long>(error.value())),
                               side);
  }
  if (error == asio::ssl::error::stream_truncated || error == asio::error::eof ||
      error == asio::error::connection_reset) {
    // A recorded verify failure explains a close too: the other side may hang up first.
    std::string recorded = recorded_verify_refusal(ssl);
    if (!recorded.empty()) return recorded;
    return "the other side closed the connection during the TLS handshake";
  }
  if (error == asio::error::operation_aborted) {
    return "TLS handshake cancelled (deadline passed or shutting down)";
  }
  return "TLS handshake failed: " + error.message();
}

void async_handshake_and_report(TlsStream& stream, HandshakeSide side, std::string link_description,
                                LogSink sink, std::function<void(const HandshakeOutcome&)> done) {
  // Taken now: a refused peer often hangs up before the handshake handler runs.
  std::string remote = remote_address(stream);
  stream.async_handshake(
      side, [&stream, side, description = std::move(link_description), remote = std::move(remote),
             sink = std::move(sink), done = std::move(done)](const asio::error_code& error) {
        HandshakeOutcome outcome;
        if (!error) {
          outcome.accepted = true;
        } else {
          outcome.refusal_reason = describe_tls_failure(stream.native_handle(), error, side);
          if (sink) {
            sink(LogSeverity::kWarning,
                 description + " " + remote + " refused: " + outcome.refusal_reason);
          }
        }
        if (done) done(outcome);
      });
}

}  // namespace tern::tls
