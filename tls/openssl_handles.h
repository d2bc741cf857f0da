#pragma once
// Owning handles for the OpenSSL objects tls/ creates, so that every early return frees what was
// made so far. Each deleter is the object's own *_free function.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace tern::tls {

template <auto FreeFunction>
struct OpensslDeleter {
  template <typename T>
  void operator()(T* object) const {
    FreeFunction(object);
  }
};

using BioHandle = std::unique_ptr<BIO, OpensslDeleter<BIO_free_all>>;
using BignumHandle = std::unique_ptr<BIGNUM, OpensslDeleter<BN_free>>;
using KeyHandle = std::unique_ptr<EVP_PKEY, OpensslDeleter<EVP_PKEY_free>>;
using CertificateHandle = std::unique_ptr<X509, OpensslDeleter<X509_free>>;
using ExtensionHandle = std::unique_ptr<X509_EXTENSION, OpensslDeleter<X509_EXTENSION_free>>;
using StoreHandle = std::unique_ptr<X509_STORE, OpensslDeleter<X509_STORE_free>>;
using StoreContextHandle = std::unique_ptr<X509_STORE_CTX, OpensslDeleter<X509_STORE_CTX_free>>;
using GeneralNamesHandle = std::unique_ptr<GENERAL_NAMES, OpensslDeleter<GENERAL_NAMES_free>>;

}  // namespace tern::tls
