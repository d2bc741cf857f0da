#include "tls/certificate_issuer.h"

#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "tls/certificate_text.h"
#include "tls/openssl_error.h"

namespace tern::tls {
namespace {

constexpr int kSerialBytes = 16;  // random serials, as CA/Browser practice asks (>= 64 bits)

Status set_random_serial(X509* certificate) {
  std::array<unsigned char, kSerialBytes> bytes{};
  if (RAND_bytes(bytes.data(), kSerialBytes) != 1) {
    return Error{"cannot draw a serial number: " + take_openssl_errors()};
  }
  bytes[0] &= 0x7f;  // a positive INTEGER
  BignumHandle number{BN_bin2bn(bytes.data(), kSerialBytes, nullptr)};
  if (!number || BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate)) == nullptr) {
    return Error{"cannot set the serial number: " + take_openssl_errors()};
  }
  return {};
}

Status set_validity(X509* certificate, const ValidityWindow& validity) {
  if (X509_gmtime_adj(X509_getm_notBefore(certificate), validity.not_before_offset.count()) ==
          nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(certificate), validity.not_after_offset.count()) ==
          nullptr) {
    return Error{"cannot set the validity dates: " + take_openssl_errors()};
  }
  return {};
}

Status set_common_name(X509_NAME* name, const std::string& common_name) {
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1) {
    return Error{"cannot set the subject name: " + take_openssl_errors()};
  }
  return {};
}

// Adds one extension in openssl.cnf syntax ("critical,CA:TRUE"); `issuer` and `subject` are what
// keyid-based extensions read.
Status add_extension(X509* subject, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, subject, nullptr, nullptr, 0);
  ExtensionHandle extension{X509V3_EXT_conf_nid(nullptr, &context, nid, value)};
  if (!extension || X509_add_ext(subject, extension.get(), -1) != 1) {
    return Error{std::string("cannot add extension ") + OBJ_nid2sn(nid) + "=" + value + ": " +
                 take_openssl_errors()};
  }
  return {};
}

Result<CertificateHandle> new_certificate(EVP_PKEY* subject_key, const ValidityWindow& validity) {
  CertificateHandle certificate{X509_new()};
  if (!certificate) return Error{"cannot allocate a certificate: " + take_openssl_errors()};
  if (X509_set_version(certificate.get(), X509_VERSION_3) != 1 ||
      X509_set_pubkey(certificate.get(), subject_key) != 1) {
    return Error{"cannot fill in the certificate: " + take_openssl_errors()};
  }
  if (Status done = set_random_serial(certificate.get()); !done.ok()) return Error{done.error()};
  if (Status done = set_validity(certificate.get(), validity); !done.ok()) {
    return Error{done.error()};
  }
  return certificate;
}

Status sign(X509* certificate, EVP_PKEY* signer) {
  if (X509_sign(certificate, signer, EVP_sha256()) <= 0) {
    return Error{"cannot sign the certificate: " + take_openssl_errors()};
  }
  return {};
}

bool is_expired(X509* certificate) {
  return X509_cmp_current_time(X509_get0_notAfter(certificate)) < 0;
}

bool is_not_yet_valid(X509* certificate) {
  return X509_cmp_current_time(X509_get0_notBefore(certificate)) > 0;
}

bool is_ip_address(const std::string& name) {
  ASN1_OCTET_STRING* address = a2i_IPADDRESS(name.c_str());
  if (address == nullptr) {
    clear_openssl_errors();
    return false;
  }
  ASN1_OCTET_STRING_free(address);
  return true;
}

}  // namespace

ValidityWindow ValidityWindow::for_days(int days) {
  ValidityWindow window;
  window.not_after_offset = std::chrono::hours(24) * days;
  return window;
}

ValidityWindow ValidityWindow::already_expired() {
  return ValidityWindow{-std::chrono::hours(48), -std::chrono::hours(24)};
}

Result<KeyHandle> generate_key() {
  clear_openssl_errors();
  KeyHandle key{EVP_EC_gen("P-256")};
  if (!key) return Error{"cannot generate a P-256 key: " + take_openssl_errors()};
  return key;
}

Result<CertificateHandle> make_ca_certificate(EVP_PKEY* ca_key, const ValidityWindow& validity) {
  clear_openssl_errors();
  auto made = new_certificate(ca_key, validity);
  if (!made.ok()) return made;
  X509* certificate = made.value().get();
  // A random suffix tells two CAs apart in a log line ("not signed by the deployment CA
  // (issuer /CN=tern deployment CA 3f9a0c1e)"); OpenSSL matches issuers by key id anyway.
  std::array<unsigned char, 4> suffix{};
  if (RAND_bytes(suffix.data(), static_cast<int>(suffix.size())) != 1) {
    return Error{"cannot draw a CA name: " + take_openssl_errors()};
  }
  std::string common_name = kCaCommonName;
  common_name += ' ';
  for (const unsigned char byte : suffix) {
    constexpr std::string_view kHexDigits = "0123456789abcdef";
    common_name += kHexDigits[byte >> 4];
    common_name += kHexDigits[byte & 0xf];
  }
  X509_NAME* name = X509_get_subject_name(certificate);
  if (Status done = set_common_name(name, common_name); !done.ok()) return Error{done.error()};
  if (X509_set_issuer_name(certificate, name) != 1) {
    return Error{"cannot set the issuer name: " + take_openssl_errors()};
  }
  // pathlen:0 — the CA signs node certificates only, never another CA.
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                   std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                                   std::pair{NID_subject_key_identifier, "hash"}}) {
    if (Status done = add_extension(certificate, certificate, nid, value); !done.ok()) {
      return Error{done.error()};
    }
  }
  if (Status done = sign(certificate, ca_key); !done.ok()) return Error{done.error()};
  return made;
}

std::string server_name_problem(const std::string& name) {
  if (is_ip_address(name)) return {};
  if (name.empty() || name.size() > 253) return "'" + name + "' is not a host name or IP address";
  std::size_t label_length = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (label_length == 0 || label_length > 63 || name[i - 1] == '-' ||
          name[i - label_length] == '-') {
        return "'" + name + "' is not a host name or IP address";
      }
      label_length = 0;
      continue;
    }
    const char c = name[i];
    const bool allowed =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!allowed) return "'" + name + "' is not a host name or IP address";
    ++label_length;
  }
  return {};
}

Result<CertificateHandle> issue_node_certificate(X509* ca_certificate, EVP_PKEY* ca_key,
                                                 EVP_PKEY* node_key, const PeerIdentity& node,
                                                 const ValidityWindow& validity,
                                                 const std::vector<std::string>& server_names) {
  clear_openssl_errors();
  auto made = new_certificate(node_key, validity);
  if (!made.ok()) return made;
  X509* certificate = made.value().get();
  if (Status done = set_common_name(X509_get_subject_name(certificate), node.short_name());
      !done.ok()) {
    return Error{done.error()};
  }
  if (X509_set_issuer_name(certificate, X509_get_subject_name(ca_certificate)) != 1) {
    return Error{"cannot set the issuer name: " + take_openssl_errors()};
  }
  std::string alternative_name = "URI:" + node.uri();
  for (const std::string& name : server_names) {
    const std::string problem = server_name_problem(name);
    if (!problem.empty()) return Error{"--server-names: " + problem};
    alternative_name += (is_ip_address(name) ? ",IP:" : ",DNS:") + name;
  }
  for (const auto& [nid, value] :
       {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
        std::pair{NID_key_usage, "critical,digitalSignature"},
        // Both: a node is the server of the links it accepts and the client of those it dials.
        std::pair{NID_ext_key_usage, "serverAuth,clientAuth"},
        std::pair{NID_subject_key_identifier, "hash"},
        std::pair{NID_authority_key_identifier, "keyid:always"},
        std::pair{NID_subject_alt_name, alternative_name.c_str()}}) {
    if (Status done = add_extension(certificate, ca_certificate, nid, value); !done.ok()) {
      return Error{done.error()};
    }
  }
  if (Status done = sign(certificate, ca_key); !done.ok()) return Error{done.error()};
  return made;
}

std::string ca_problem(X509* ca_certificate, EVP_PKEY* ca_key) {
  clear_openssl_errors();
  if (X509_check_private_key(ca_certificate, ca_key) != 1) {
    clear_openssl_errors();
    return "the CA key does not match the CA certificate";
  }
  if (X509_check_ca(ca_certificate) == 0) return "the CA certificate is not a CA";
  if (X509_verify(ca_certificate, ca_key) != 1) {
    clear_openssl_errors();
    return "the CA certificate is not self-signed by the CA key";
  }
  if (is_expired(ca_certificate))
    return "the CA certificate expired " + not_after_text(ca_certificate);
  return {};
}

std::string node_certificate_problem(X509* certificate, EVP_PKEY* key, X509* ca_certificate,
                                     const PeerIdentity& node, bool want_expired,
                                     const std::vector<std::string>& server_names) {
  clear_openssl_errors();
  if (X509_check_private_key(certificate, key) != 1) {
    clear_openssl_errors();
    return "the key does not match the certificate";
  }
  EVP_PKEY* ca_public_key = X509_get0_pubkey(ca_certificate);
  if (ca_public_key == nullptr || X509_verify(certificate, ca_public_key) != 1) {
    clear_openssl_errors();
    return "the certificate is not signed by this CA";
  }
  const auto names = uri_names_of(certificate);
  if (std::find(names.begin(), names.end(), node.uri()) == names.end()) {
    return "the certificate names " + describe_names_of(certificate) + ", not " + node.uri();
  }
  if (is_expired(certificate) != want_expired) {
    return want_expired ? "the certificate is not expired (an expired one was asked for)"
                        : "the certificate expired " + not_after_text(certificate);
  }
  if (!want_expired && is_not_yet_valid(certificate)) return "the certificate is not yet valid";
  for (const std::string& name : server_names) {
    const bool named = is_ip_address(name) ? X509_check_ip_asc(certificate, name.c_str(), 0) == 1
                                           : X509_check_host(certificate, name.c_str(), name.size(),
                                                             0, nullptr) == 1;
    if (!named) return "the certificate does not name the server " + name;
  }
  return {};
}

}  // namespace tern::tls
