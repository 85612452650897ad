#include "cli/settings.h"

#include <cstdlib>

#include "cli/api_client.h"
#include "cli/local_files.h"

namespace triggerd::cli {

namespace {

std::optional<std::string> envValue(const char* name) {
  const char* v = std::getenv(name);
  if (!v || *v == '\0') return std::nullopt;  // set but empty counts as unset
  return std::string(v);
}

}  // namespace

Environment Environment::fromProcess() {
  return Environment{envValue("TRIGGERCTL_URL"), envValue("TRIGGERCTL_TOKEN_FILE"),
                     envValue("TRIGGERCTL_TOKEN")};
}

Result<std::string> resolveUrl(const std::string& url_flag, const Environment& env) {
  std::string field = "--url";
  std::string url = url_flag;
  if (url.empty() && env.url) {
    url = *env.url;
    field = "TRIGGERCTL_URL";
  }
  if (url.empty()) return std::string(kDefaultUrl);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return Error::badRequest(field, "\"" + url +
                                        "\" must start with http:// or https:// (for a unix "
                                        "socket use --unix-socket PATH)");
  }
  return url;
}

Result<std::string> resolveToken(const std::string& token_file_flag, const Environment& env) {
  if (!token_file_flag.empty()) return readSecretFile(token_file_flag, "token");
  if (env.token_file) return readSecretFile(*env.token_file, "token");
  if (env.token) return cleanSecret(*env.token, "TRIGGERCTL_TOKEN", "token");
  return Error::badRequest("", std::string("no API token given; ") + kTokenNotAnArgument);
}

}  // namespace triggerd::cli
