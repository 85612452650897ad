#include "providers/gitlab_common.h"

#include "common/encoding.h"
#include "common/json.h"
#include "common/log.h"
#include "providers/gitlab_address.h"
#include "providers/pagination.h"
#include "providers/provider_http.h"

namespace triggerd::gitlab {

namespace ph = provider_http;

namespace {

constexpr const char* kTokenField = "private_token";

std::string contentTypeOf(const HttpResponse& r) {
  auto type = r.header("content-type");
  return log::logValue(type ? *type : "no Content-Type", 60);
}

std::string tokenRejection(const HttpResponse& r) {
  std::string detail = toLower(ph::answerMessage(r.body));
  if (detail.find("expired") != std::string::npos) return "it has expired";
  if (detail.find("revoked") != std::string::npos) return "it was revoked";
  return "it is invalid, expired or revoked";
}

}  // namespace

std::string answeredWith(const HttpResponse& r, std::string_view request) {
  return std::string(request) + " answered HTTP " + std::to_string(r.status) + " with " +
         contentTypeOf(r);
}

bool isGitlabApiAnswer(const HttpResponse& r) {
  auto type = r.header("content-type");
  return looksLikeGitlabApiAnswer(type ? *type : "", r.body);
}

Error gitlabError(const HttpResponse& r, const Context& ctx, std::string_view request,
                  std::string_view what, std::string_view not_found_message) {
  if (auto wait = ph::rateLimitedFor(r, ph::clockOr(ctx.clock).unixSeconds())) {
    return Error::unavailable("GitLab at " + ctx.root + " rate limited triggerd while " +
                              std::string(what) + "; retry after " + std::to_string(*wait) + " s");
  }
  // A proxy in front of GitLab answers 5xx with HTML: that is GitLab down, not a wrong address.
  if (r.status >= 500) {
    return Error{502, "",
                 "GitLab at " + ctx.root + " answered " + std::to_string(r.status) + " while " +
                     std::string(what) + "; try again later"};
  }
  if (!isGitlabApiAnswer(r)) return notGitlabRootError(ctx.root, answeredWith(r, request));
  std::string detail = ph::answerMessage(r.body);
  if (r.status == 401) {
    return Error::credentialsRejected(kTokenField,
                                      "GitLab rejected the token (401): " + tokenRejection(r) +
                                          "; create a personal access token with the "
                                          "api scope");
  }
  if (r.status == 403) {
    if (detail.find("insufficient_scope") != std::string::npos) {
      return Error::credentialsRejected(kTokenField,
                                        "GitLab refused " + std::string(what) +
                                            " (403 insufficient_scope): the token needs "
                                            "the api scope");
    }
    return Error::credentialsRejected(kTokenField,
                                      "GitLab refused " + std::string(what) + " (403" +
                                          (detail.empty() ? "" : ": " + detail) +
                                          "): the account lacks access; hooks need the Maintainer "
                                          "role on the project");
  }
  if (r.status == 404 && !not_found_message.empty()) {
    return Error{404, "repository", std::string(not_found_message)};
  }
  std::string message = "GitLab at " + ctx.root + " answered HTTP " + std::to_string(r.status) +
                        " while " + std::string(what);
  if (!detail.empty()) message += ": " + detail;
  return Error{502, "", std::move(message)};
}

Result<rapidjson::Document> okJson(const Result<HttpResponse>& result, const Context& ctx,
                                   std::string_view request, std::string_view what,
                                   std::string_view not_found_message) {
  if (!result.ok()) return ph::transportError(result.error(), "GitLab", ctx.root);
  const HttpResponse& r = *result;
  if (r.status != 200) return gitlabError(r, ctx, request, what, not_found_message);
  if (!isGitlabApiAnswer(r)) return notGitlabRootError(ctx.root, answeredWith(r, request));
  return json::parse(r.body);  // parses: isGitlabApiAnswer checked it
}

std::string stringOf(const rapidjson::Value& v, const char* name) {
  return std::string(json::getString(v, name).value_or(""));
}

std::optional<std::string> nextOf(const HttpResponse& r) {
  return nextPageToken(r.header("link"), r.header("x-next-page"));
}

}  // namespace triggerd::gitlab
