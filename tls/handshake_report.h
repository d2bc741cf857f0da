#pragma once
// Why a TLS connection failed, in one sentence, and the handshake wrapper that logs it.
//
// The sentence comes from, in order: the reason the verify callback recorded on the connection
// (wrong CA, expired, wrong name: peer_verification.h); OpenSSL's error for the handshake mapped
// to what it means for tern (plaintext, old protocol, no certificate, an alert from the other
// side); the error's own text. One refused connection makes one log line.
//
// TLS 1.3 note: a connecting side finishes its handshake before the accepting side has checked
// the connecting side's certificate, so a refusal of *our* certificate shows up on the first read
// as an alert from the peer. Pass that read error to describe_tls_failure too.
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <functional>
#include <string>

#include "tls/log_sink.h"

namespace tern::tls {

using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;
using HandshakeSide = asio::ssl::stream_base::handshake_type;

// The sentence for a failed handshake or read on `ssl` (may be null), seen from `side`.
std::string describe_tls_failure(const SSL* ssl, const asio::error_code& error, HandshakeSide side);

struct HandshakeOutcome {
  bool accepted = false;
  std::string refusal_reason;  // empty when accepted
};

// Runs the handshake of `stream`. On failure logs "<link_description> <remote address> refused:
// <reason>" to `sink` as a warning, then calls `done`. The caller keeps `stream` (and the context
// it was made from) alive until `done` runs, and bounds the handshake with its own timer: a peer
// that connects and sends nothing would otherwise hold the handshake open.
void async_handshake_and_report(TlsStream& stream, HandshakeSide side, std::string link_description,
                                LogSink sink, std::function<void(const HandshakeOutcome&)> done);

}  // namespace tern::tls
