#include "cli/api_client.h"

#include <curl/curl.h>

#include <memory>

#include "cli/api_paths.h"

#ifndef TRIGGERD_VERSION
#define TRIGGERD_VERSION "dev"
#endif

namespace triggerd::cli {

namespace {

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct BodySink {
  std::string* body = nullptr;
  bool too_large = false;
};

size_t appendBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  size_t n = size * count;
  if (sink->body->size() + n > ApiClient::kMaxBodyBytes) {
    sink->too_large = true;
    return 0;  // makes curl fail the transfer
  }
  sink->body->append(data, n);
  return n;
}

// Appends to a curl header list, keeping the list owned by `list`.
bool addHeader(std::unique_ptr<curl_slist, SlistDeleter>& list, const std::string& header) {
  curl_slist* grown = curl_slist_append(list.get(), header.c_str());
  if (!grown) return false;
  (void)list.release();  // `grown` is the same list, now one entry longer
  list.reset(grown);
  return true;
}

}  // namespace

std::string ApiClient::urlFor(std::string_view path) const {
  return paths::joinUrl(options_.base_url, path);
}

Result<ApiResponse> ApiClient::call(std::string_view method, std::string_view path,
                                    std::string_view body, bool authenticated,
                                    const ExtraHeaders& extra) const {
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return Error::internal("cannot initialise libcurl");
  CURL* h = curl.get();

  const std::string url = urlFor(path);
  const std::string verb(method);
  char error_buffer[CURL_ERROR_SIZE] = {};
  ApiResponse response;
  BodySink sink{&response.body};

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  bool headers_ok = addHeader(headers, "Accept: application/json") &&
                    addHeader(headers, "Expect:");  // no 100-continue round trip for bodies
  const bool has_body = !body.empty();
  // Without a body, an empty "Content-Type:" stops curl from claiming a form for POST.
  headers_ok = headers_ok &&
               addHeader(headers, has_body ? "Content-Type: application/json" : "Content-Type:");
  if (authenticated && !options_.token.empty()) {
    headers_ok = headers_ok && addHeader(headers, "Authorization: Bearer " + options_.token);
  }
  for (const auto& [name, value] : extra)
    headers_ok = headers_ok && addHeader(headers, name + ": " + value);
  if (!headers_ok) return Error::internal("out of memory building the request headers");

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  // Never follow redirects: the bearer token must not travel to wherever a Location points.
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, options_.timeout_seconds);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "triggerctl/" TRIGGERD_VERSION);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  if (!options_.unix_socket.empty()) {
    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, options_.unix_socket.c_str());
  }
  if (verb == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    if (has_body || verb != "DELETE") {
      // POSTFIELDS sends the body (possibly empty, with Content-Length: 0); CUSTOMREQUEST then
      // swaps the verb for PUT, PATCH or DELETE.
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, has_body ? body.data() : "");
    }
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, verb.c_str());
  }

  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    std::string reason = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    if (sink.too_large) {
      reason = "the answer is larger than " + std::to_string(kMaxBodyBytes >> 20) + " MiB";
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
      reason = "no answer within " + std::to_string(options_.timeout_seconds) +
               " s (--timeout): " + reason;
    }
    return Error{0, "", reason};  // status 0: no HTTP answer at all
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  const char* content_type = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK && content_type) {
    response.content_type = content_type;
  }
  return response;
}

}  // namespace triggerd::cli
