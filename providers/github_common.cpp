#include "providers/github_common.h"

#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"
#include "providers/pagination.h"
#include "providers/provider_http.h"

namespace triggerd::github {

namespace ph = provider_http;

Error githubError(const HttpResponse& r, const Context& ctx, std::string_view what,
                  std::string_view not_found_message) {
  std::string detail = ph::answerMessage(r.body);
  std::string status = std::to_string(r.status);
  if (auto wait = ph::rateLimitedFor(r, ph::clockOr(ctx.clock).unixSeconds())) {
    return Error::unavailable("GitHub rate limited triggerd while " + std::string(what) +
                              "; retry after " + std::to_string(*wait) + " s");
  }
  if (r.status == 401) {
    return Error::credentialsRejected(
        "token", "GitHub rejected the token (401 " + (detail.empty() ? "Unauthorized" : detail) +
                     "): it is invalid, expired or revoked; authorize triggerd again or supply a "
                     "new token");
  }
  if (r.status == 403) {
    return Error::credentialsRejected(
        "token", "GitHub refused " + std::string(what) + " (403" +
                     (detail.empty() ? "" : ": " + detail) +
                     "): the token lacks access; it needs the repo scope, and organisations "
                     "with SAML single sign-on must authorise it");
  }
  if (r.status == 404 && !not_found_message.empty()) {
    return Error{404, "repository", std::string(not_found_message)};
  }
  if (r.status >= 500) {
    return Error{502, "",
                 "GitHub answered " + status + " while " + std::string(what) + "; try again later"};
  }
  std::string message = "GitHub answered HTTP " + status + " while " + std::string(what);
  if (!detail.empty()) message += ": " + detail;
  if (r.status == 404) message += "; check github.api_url (GitHub Enterprise: https://host/api/v3)";
  return Error{502, "", std::move(message)};
}

Error unreadable(const HttpResponse& r, std::string_view what, std::string_view why) {
  auto type = r.header("content-type");
  return Error{502, "",
               "GitHub's answer to " + std::string(what) + " is not usable (" + std::string(why) +
                   ", Content-Type " + log::logValue(type ? *type : "none", 60) +
                   "); check github.api_url"};
}

Result<rapidjson::Document> jsonBody(const HttpResponse& r, std::string_view what) {
  if (!ph::isJson(r)) return unreadable(r, what, "not JSON");
  auto doc = json::parse(r.body);
  if (!doc.ok()) return unreadable(r, what, doc.error().message);
  return doc;
}

std::string idOf(const rapidjson::Value& v) {
  return json::getIdString(v, "id").value_or("");
}

std::string stringOf(const rapidjson::Value& v, const char* name) {
  return std::string(json::getString(v, name).value_or(""));
}

std::optional<std::string> nextOf(const HttpResponse& r) {
  return nextPageToken(r.header("link"), std::nullopt);
}

std::string repoPath(std::string_view full_name) {
  size_t slash = full_name.find('/');
  return "/repos/" + urlEncode(full_name.substr(0, slash)) + "/" +
         urlEncode(full_name.substr(slash + 1));
}

}  // namespace triggerd::github
