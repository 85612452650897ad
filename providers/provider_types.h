// What triggerd learns from GitHub and GitLab about an account and its repositories.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace triggerd {

struct AccountIdentity {
  std::string id;     // numeric id as text
  std::string login;  // GitHub login / GitLab username
  std::string name;
};

// A token as the provider describes it.
struct TokenInfo {
  std::vector<std::string> scopes;    // normalised, sorted
  std::optional<int64_t> expires_at;  // unix seconds; nullopt = no expiry
  bool active = true;
  bool revoked = false;
};

struct RepoSummary {
  std::string id;
  std::string full_name;  // owner/name, group/subgroup/project
  std::string clone_url;
  std::string ssh_url;
  std::string default_branch;
  bool is_private = false;
};

struct RefSummary {
  std::string name;
  std::string sha;
  bool is_protected = false;
  // When the head commit was committed (unix seconds), where the list says (GitLab does,
  // GitHub's branch and tag lists do not).
  std::optional<int64_t> committed_at;
};

// One page of a provider list; `next_page` is the opaque token for the following page
// (the provider's next URL's page number or cursor), absent on the last page.
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_page;
};

}  // namespace triggerd
