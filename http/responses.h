// Response helpers shared by the evhttp server: reason phrases, header hygiene and the raw
// JSON answers triggerd writes below evhttp when libevent refuses a request by itself.
#pragma once

#include <event2/http.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// A complete HTTP/1.1 message with a JSON body and `Connection: close`. Used for answers that
// replace the HTML pages libevent writes itself (413, 400, 501...); see HttpServer.
std::string closingJsonResponse(int status, std::string_view json_body,
                                const ResponseHeaders& extra = {});

}  // namespace triggerd
