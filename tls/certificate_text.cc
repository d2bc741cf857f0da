#include "tls/certificate_text.h"

#include "tls/openssl_error.h"
#include "tls/openssl_handles.h"

namespace tern::tls {

std::string time_text(const ASN1_TIME* time) {
  if (time == nullptr) return "unknown time";
  BioHandle memory{BIO_new(BIO_s_mem())};
  if (!memory || ASN1_TIME_print_ex(memory.get(), time, ASN1_DTFLGS_ISO8601) != 1) {
    clear_openssl_errors();
    return "unreadable time";
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(memory.get(), &data);
  return std::string(data, static_cast<std::size_t>(size > 0 ? size : 0));
}

std::string not_after_text(X509* certificate) {
  return time_text(certificate != nullptr ? X509_get0_notAfter(certificate) : nullptr);
}

std::string issuer_text(X509* certificate) {
  if (certificate == nullptr) return "unknown issuer";
  char buffer[256];
  if (X509_NAME_oneline(X509_get_issuer_name(certificate), buffer, sizeof buffer) == nullptr) {
    clear_openssl_errors();
    return "unreadable issuer";
  }
  return buffer;
}

}  // namespace tern::tls
