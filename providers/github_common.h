// What GitHubApi's calls share: the context a callback keeps after the GitHubApi is gone, the
// mapping of GitHub's error answers, and JSON body reading. Internal to providers/.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/clock.h"
#include "common/result.h"
#include "http/client.h"

namespace triggerd::github {

// What a callback needs after the GitHubApi that started it may be gone.
struct Context {
  std::string api_base_url;
  std::string oauth_base_url;
  const Clock* clock;
};

// Maps a non-2xx GitHub answer to an API error. `what` reads "listing repositories".
Error githubError(const HttpResponse& r, const Context& ctx, std::string_view what,
                  std::string_view not_found_message = {});

// A 2xx answer that is not the JSON GitHub documents.
Error unreadable(const HttpResponse& r, std::string_view what, std::string_view why);

// The JSON body of an answer, or why it is not usable.
Result<rapidjson::Document> jsonBody(const HttpResponse& r, std::string_view what);

std::string idOf(const rapidjson::Value& v);
std::string stringOf(const rapidjson::Value& v, const char* name);
// The next page's token from the Link header.
std::optional<std::string> nextOf(const HttpResponse& r);

// "/repos/{owner}/{name}" with both parts percent-encoded; `full_name` is already validated.
std::string repoPath(std::string_view full_name);

}  // namespace triggerd::github
