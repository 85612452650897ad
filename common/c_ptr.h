// unique_ptr aliases for the C handles triggerd owns, each next to its free function.
// Never wrap redisAsyncContext: hiredis frees it itself after the disconnect callback.
#pragma once

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
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

using EventBasePtr = CPtr<event_base, event_base_free>;
using EventPtr = CPtr<event, event_free>;
using EvhttpPtr = CPtr<evhttp, evhttp_free>;
using EvconnListenerPtr = CPtr<evconnlistener, evconnlistener_free>;
using EvhttpUriPtr = CPtr<evhttp_uri, evhttp_uri_free>;

inline void curlMultiFree(CURLM* m) {
  curl_multi_cleanup(m);
}
inline void curlSlistFree(curl_slist* l) {
  curl_slist_free_all(l);
}
using CurlMultiPtr = CPtr<CURLM, curlMultiFree>;
using CurlEasyPtr = CPtr<CURL, curl_easy_cleanup>;
using CurlSlistPtr = CPtr<curl_slist, curlSlistFree>;

using EvpCipherCtxPtr = CPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using EvpMdCtxPtr = CPtr<EVP_MD_CTX, EVP_MD_CTX_free>;

}  // namespace triggerd
