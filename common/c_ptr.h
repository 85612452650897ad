// unique_ptr aliases for the C handles triggerd owns, each next to its free function. The
// libevent and libcurl aliases live beside their users (loop/libevent_ptr.h, http/curl_ptr.h)
// so that pure folders never see those libraries.
#pragma once

#include <openssl/evp.h>

#include <memory>

namespace triggerd {

template <typename T, void (*Free)(T*)>
struct CDeleter {
  void operator()(T* p) const noexcept {
    if (p) Free(p);
  }
};
template <typename T, void (*Free)(T*)>
using CPtr = std::unique_ptr<T, CDeleter<T, Free>>;

using EvpCipherCtxPtr = CPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using EvpMdCtxPtr = CPtr<EVP_MD_CTX, EVP_MD_CTX_free>;

}  // namespace triggerd
