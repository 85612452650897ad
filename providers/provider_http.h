// Pieces the GitHub and GitLab clients share: token sanity checks, reading error bodies, rate
// limit detection and transport error wording. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "http/client.h"

namespace triggerd {

// What every provider API call returns: the started request (cancel it with this id), or why
// nothing was started.
using ApiCall = Result<HttpRequestId>;

}  // namespace triggerd

namespace triggerd::provider_http {

// Refuses a token that cannot be a provider token or would break the header it travels in
// (empty, too long, spaces, control characters). The message never contains the token.
Status checkToken(std::string_view token, const std::string& field, std::string_view provider);

// The human part of a provider error body, printable and clipped: GitHub and GitLab
// {"message": ...} (GitLab's may be an object of field errors), OAuth {"error",
// "error_description"}. Empty when the body has none.
std::string answerMessage(std::string_view body);

// Whether the response's Content-Type is JSON (application/json or a +json type).
bool isJson(const HttpResponse& response);

// If the response says "rate limited" (decideRateLimit in http/rate_limit.h), the seconds to wait
// before retrying, at least 1: Retry-After, else until the reset when the budget is spent, else
// the secondary-limit backoff. GitHub answers 403 or 429, GitLab 429.
std::optional<int64_t> rateLimitedFor(const HttpResponse& response, int64_t now_unix);

// Rewords a transport failure (DNS, connect, TLS, timeout) from the HttpClient, keeping its
// status (502/504): "cannot reach GitHub at https://api.github.com: <cause>".
Error transportError(const Error& cause, std::string_view provider, std::string_view base_url);

// A branch or tag name as Git allows it (git check-ref-format): 1 to 255 bytes, no control
// characters, spaces or ~^:?*[\, no "..", "//" or "@{", not starting or ending with '/' and not
// ending with '.' or ".lock". 422 on `field` otherwise.
Status checkRefName(std::string_view name, const std::string& field);
// A commit SHA: 7 to 64 hex digits. 422 on `field` otherwise.
Status checkSha(std::string_view sha, const std::string& field);
// A ref name for a URL path: each '/'-separated part percent-encoded, the slashes kept.
std::string refPath(std::string_view name);

// url + "?" or "&" + query; an empty query leaves the URL unchanged.
std::string appendQuery(std::string url, std::string_view query);

// The clock to use when none was configured.
const Clock& clockOr(const Clock* clock);

}  // namespace triggerd::provider_http
