#include "tls/openssl_error.h"

#include <openssl/err.h>

namespace tern::tls {

std::string take_openssl_errors(const char* fallback) {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    if (!text.empty()) text += "; ";
    if (reason != nullptr) {
      text += reason;
    } else {
      char buffer[256];
      ERR_error_string_n(code, buffer, sizeof buffer);
      text += buffer;
    }
  }
  return text.empty() ? std::string(fallback) : text;
}

void clear_openssl_errors() { ERR_clear_error(); }

}  // namespace tern::tls
