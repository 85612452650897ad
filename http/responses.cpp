#include "http/responses.h"

#include <event2/http.h>

#include <cstdio>

namespace triggerd {

std::string_view httpReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 499:
      return "Client Closed Request";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      break;
  }
  if (status >= 100 && status < 200) return "Informational";
  if (status >= 200 && status < 300) return "Success";
  if (status >= 300 && status < 400) return "Redirection";
  if (status >= 400 && status < 500) return "Client Error";
  return "Server Error";
}

bool isSafeHeader(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    bool token = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool statusHasNoBody(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

namespace {

void appendDecimal(ByteBuffer& out, size_t n) {
  char digits[24];
  size_t i = sizeof digits;
  do {
    digits[--i] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n > 0);
  out.append(std::string_view(digits + i, sizeof digits - i));
}

void appendHeader(ByteBuffer& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

void appendResponseHead(ByteBuffer& out, const ResponseHead& head) {
  out.ensureSpare(256);
  out.append("HTTP/1.1 ");
  appendDecimal(out, static_cast<size_t>(head.status));
  out.append(' ');
  out.append(httpReasonPhrase(head.status));
  out.append("\r\n");
  if (!head.date.empty()) appendHeader(out, "Date", head.date);
  if (!head.content_type.empty()) appendHeader(out, "Content-Type", head.content_type);
  if (!statusHasNoBody(head.status)) {
    out.append("Content-Length: ");
    appendDecimal(out, head.content_length);
    out.append("\r\n");
  }
  if (!head.request_id.empty()) appendHeader(out, "X-Request-Id", head.request_id);
  out.append("Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n");
  if (head.extra) {
    for (const auto& [name, value] : *head.extra) appendHeader(out, name, value);
  }
  if (head.close) {
    out.append("Connection: close\r\n");
  } else if (head.keep_alive) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

std::string closingJsonResponse(int status, std::string_view json_body,
                                const ResponseHeaders& extra) {
  ResponseHeaders safe;
  for (const auto& [name, value] : extra)
    if (isSafeHeader(name, value)) safe.emplace_back(name, value);
  ByteBuffer out(256 + json_body.size());
  ResponseHead head;
  head.status = status;
  head.content_type = kJsonContentType;
  head.content_length = json_body.size();
  head.extra = &safe;
  head.close = true;
  appendResponseHead(out, head);
  out.append(json_body);
  return std::string(out.view());
}

std::string_view HttpDate::now() {
  std::time_t t = std::time(nullptr);
  if (t != second_) {
    // Formatted by hand: strftime's %a and %b follow the locale, HTTP's names do not.
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&t, &tm);
    int n = std::snprintf(text_, sizeof text_, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                          kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12],
                          tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    length_ = n > 0 ? static_cast<size_t>(n) : 0;
    second_ = t;
  }
  return {text_, length_};
}

const char* httpMethodName(evhttp_cmd_type type) {
  switch (type) {
    case EVHTTP_REQ_GET:
      return "GET";
    case EVHTTP_REQ_POST:
      return "POST";
    case EVHTTP_REQ_HEAD:
      return "HEAD";
    case EVHTTP_REQ_PUT:
      return "PUT";
    case EVHTTP_REQ_DELETE:
      return "DELETE";
    case EVHTTP_REQ_OPTIONS:
      return "OPTIONS";
    case EVHTTP_REQ_TRACE:
      return "TRACE";
    case EVHTTP_REQ_CONNECT:
      return "CONNECT";
    case EVHTTP_REQ_PATCH:
      return "PATCH";
  }
  return "UNKNOWN";
}

}  // namespace triggerd
