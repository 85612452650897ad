#include "cli/api_error.h"

#include "common/json.h"
#include "common/log.h"

namespace triggerd::cli {

namespace {

constexpr size_t kMaxQuotedBody = 200;

std::string statusTag(long status) {
  return "[HTTP " + std::to_string(status) + "]";
}

}  // namespace

std::string formatApiError(long status, std::string_view body) {
  std::string out;
  auto doc = json::parse(body);
  auto message = doc ? json::getString(doc.value(), "error") : std::nullopt;
  if (message) {
    out = "error: " + std::string(*message);
    auto field = json::getString(doc.value(), "field");
    if (field && !field->empty()) out += " (field: " + std::string(*field) + ")";
    out += " " + statusTag(status) + "\n";
  } else {
    // Not triggerd's error shape: a proxy, another service, or the wrong listener answered.
    out = "error: unexpected answer " + statusTag(status);
    if (!body.empty()) out += ": " + log::logValue(body, kMaxQuotedBody);
    out += "\nhint: check that --url (or --unix-socket) points at triggerd's admin listener\n";
    return out;
  }
  if (status == 401) {
    out +=
        "hint: the token was refused; check --token-file, TRIGGERCTL_TOKEN_FILE or "
        "TRIGGERCTL_TOKEN\n";
  } else if (status == 403) {
    out +=
        "hint: a user token acts only for its own user; other users and admin routes need "
        "an admin token\n";
  }
  return out;
}

std::string formatUnreachable(std::string_view url, std::string_view unix_socket,
                              std::string_view reason) {
  std::string out = "error: cannot reach triggerd at " + std::string(url);
  if (!unix_socket.empty()) out += " through unix socket " + std::string(unix_socket);
  out += ": " + std::string(reason) + "\n";
  out += unix_socket.empty()
             ? "hint: check --url (or TRIGGERCTL_URL) and that triggerd is running\n"
             : "hint: check --unix-socket and that triggerd is running\n";
  return out;
}

}  // namespace triggerd::cli
