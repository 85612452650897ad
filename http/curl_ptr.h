// unique_ptr aliases for libcurl handles.
#pragma once

#include <curl/curl.h>

#include "common/c_ptr.h"

namespace triggerd {

inline void curlMultiFree(CURLM* m) {
  curl_multi_cleanup(m);
}
inline void curlSlistFree(curl_slist* l) {
  curl_slist_free_all(l);
}
using CurlMultiPtr = CPtr<CURLM, curlMultiFree>;
using CurlEasyPtr = CPtr<CURL, curl_easy_cleanup>;
using CurlSlistPtr = CPtr<curl_slist, curlSlistFree>;

}  // namespace triggerd
