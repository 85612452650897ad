// Response helpers shared by the inbound server: reason phrases, header hygiene and the one
// serializer of response heads (status line, framing, the headers every answer carries).
#pragma once

#include <event2/http.h>

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/byte_buffer.h"

namespace triggerd {

// Extra response headers: (name, value) pairs, sent in order. Same shape as HttpHeaders.
using ResponseHeaders = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kJsonContentType = "application/json";

// The reason phrase for a status (RFC 9110), covering the codes libevent 2.1 lacks (422, 429,
// 431...). Unknown codes get their class name ("Client Error").
std::string_view httpReasonPhrase(int status);

// "GET", "POST", ... for an evhttp request method.
const char* httpMethodName(evhttp_cmd_type type);

// True when `name` is an RFC 9110 token and `value` has no CR, LF or NUL: safe to emit.
bool isSafeHeader(std::string_view name, std::string_view value);

// What goes into a response head besides the status line.
struct ResponseHead {
  int status = 200;
  std::string_view content_type;  // omitted when empty
  size_t content_length = 0;      // of the body that follows (also for HEAD, which omits it)
  std::string_view request_id;    // X-Request-Id; omitted when empty
  std::string_view date;          // an IMF-fixdate (HttpDate); omitted when empty
  const ResponseHeaders* extra = nullptr;  // trusted: checked with isSafeHeader() by the caller
  bool close = false;                      // "Connection: close"
  bool keep_alive = false;  // "Connection: keep-alive" (an HTTP/1.0 client that asked for it)
};

// Appends "HTTP/1.1 <status> <reason>", the framing and standard headers, and the empty line.
// 1xx, 204 and 304 answers carry no Content-Length (RFC 9110 §8.6).
void appendResponseHead(ByteBuffer& out, const ResponseHead& head);

// True when `status` answers carry no body (1xx, 204, 304).
bool statusHasNoBody(int status);

// A complete HTTP/1.1 message with a JSON body and `Connection: close`.
std::string closingJsonResponse(int status, std::string_view json_body,
                                const ResponseHeaders& extra = {});

// The Date header value, formatted once per second.
class HttpDate {
 public:
  std::string_view now();

 private:
  std::time_t second_ = -1;
  char text_[40] = {};
  size_t length_ = 0;
};

}  // namespace triggerd
