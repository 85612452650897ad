// What GitLabApi's calls share: the context a callback keeps after the GitLabApi is gone, the
// mapping of GitLab's error answers, and JSON body reading. Internal to providers/.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/clock.h"
#include "common/result.h"
#include "http/client.h"

namespace triggerd::gitlab {

// What a callback needs after the GitLabApi that started it may be gone.
struct Context {
  std::string root;
  const Clock* clock;
};

// "GET /api/v4/version answered HTTP 404 with text/html"
std::string answeredWith(const HttpResponse& r, std::string_view request);

// Whether the answer is JSON as GitLab's API gives it (errors included), not an HTML page.
bool isGitlabApiAnswer(const HttpResponse& r);

// Maps a GitLab answer that is not the expected success to an API error. `request` reads
// "GET /api/v4/user"; `what` reads "reading the user".
Error gitlabError(const HttpResponse& r, const Context& ctx, std::string_view request,
                  std::string_view what, std::string_view not_found_message = {});

// The JSON body of a 200 answer, or the error that explains why there is none.
Result<rapidjson::Document> okJson(const Result<HttpResponse>& result, const Context& ctx,
                                   std::string_view request, std::string_view what,
                                   std::string_view not_found_message = {});

std::string stringOf(const rapidjson::Value& v, const char* name);
// The next page's token from Link or x-next-page.
std::optional<std::string> nextOf(const HttpResponse& r);

}  // namespace triggerd::gitlab
