#include "providers/scopes.h"

#include <algorithm>
#include <utility>

#include "common/encoding.h"

namespace triggerd {
namespace {

// GitHub's scope hierarchy ("Available scopes" in GitHub's OAuth scopes documentation): a
// parent grants each child. "repo" also covers repository webhooks, so it implies the hook
// scopes; the webhook endpoints accept "repo" or the *:repo_hook scopes.
constexpr std::pair<std::string_view, std::string_view> kGithubImplies[] = {
    {"repo", "repo:status"},
    {"repo", "repo_deployment"},
    {"repo", "public_repo"},
    {"repo", "repo:invite"},
    {"repo", "security_events"},
    {"repo", "admin:repo_hook"},
    {"admin:repo_hook", "write:repo_hook"},
    {"write:repo_hook", "read:repo_hook"},
    {"admin:org", "write:org"},
    {"write:org", "read:org"},
    {"admin:public_key", "write:public_key"},
    {"write:public_key", "read:public_key"},
    {"admin:gpg_key", "write:gpg_key"},
    {"write:gpg_key", "read:gpg_key"},
    {"admin:ssh_signing_key", "write:ssh_signing_key"},
    {"write:ssh_signing_key", "read:ssh_signing_key"},
    {"user", "read:user"},
    {"user", "user:email"},
    {"user", "user:follow"},
    {"project", "read:project"},
    {"write:packages", "read:packages"},
};

constexpr std::pair<std::string_view, std::string_view> kGitlabImplies[] = {
    {"api", "read_api"},
};

template <size_t N>
bool implied(const std::pair<std::string_view, std::string_view> (&table)[N], std::string_view have,
             std::string_view want, int depth = 0) {
  if (have == want) return true;
  if (depth > 4) return false;  // the hierarchy is shallow; this only guards against a cycle
  for (const auto& [parent, child] : table) {
    if (parent == have && implied(table, child, want, depth + 1)) return true;
  }
  return false;
}

bool isSeparator(char c) {
  return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

std::vector<std::string> parseScopeList(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && isSeparator(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !isSeparator(text[i])) ++i;
    if (i > start) out.push_back(toLower(text.substr(start, i - start)));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool githubScopeSatisfied(const std::vector<std::string>& granted, std::string_view required) {
  std::string want = toLower(required);
  return std::any_of(granted.begin(), granted.end(), [&](const std::string& have) {
    return implied(kGithubImplies, toLower(have), want);
  });
}

std::vector<std::string> missingGithubScopes(const std::vector<std::string>& granted,
                                             const std::vector<std::string>& required) {
  std::vector<std::string> missing;
  for (const auto& r : required)
    if (!githubScopeSatisfied(granted, r)) missing.push_back(r);
  return missing;
}

bool gitlabScopeSatisfied(const std::vector<std::string>& granted, std::string_view required) {
  std::string want = toLower(required);
  return std::any_of(granted.begin(), granted.end(), [&](const std::string& have) {
    return implied(kGitlabImplies, toLower(have), want);
  });
}

std::vector<std::string> missingGitlabScopes(const std::vector<std::string>& granted,
                                             const std::vector<std::string>& required) {
  std::vector<std::string> missing;
  for (const auto& r : required)
    if (!gitlabScopeSatisfied(granted, r)) missing.push_back(r);
  return missing;
}

std::string joinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace triggerd
