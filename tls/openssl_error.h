#pragma once
// OpenSSL reports failures on a per-thread error queue. Whoever sees a failing call takes the
// queue (and so empties it), so that a stale entry never explains a later, unrelated failure.
#include <string>

namespace tern::tls {

// The queued errors as "reason; reason" (OpenSSL's reason strings, library names dropped), or
// `fallback` when the queue is empty. Always leaves the queue empty.
std::string take_openssl_errors(const char* fallback = "unknown OpenSSL error");

// Empties the queue; call before an operation whose errors you will read.
void clear_openssl_errors();

}  // namespace tern::tls
