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

// A commit as a build needs it: what to check out and what the job JSON says about it.
struct CommitSummary {
  std::string sha;
  std::string message;
  std::string author;     // "Name <email>" or the name alone
  std::string timestamp;  // as the provider sent it (ISO 8601)
};

// A commit status in triggerd's words; each provider maps it to its own states (GitHub has no
// running or canceled: pending and error) and clips the description to its limit.
enum class CommitState { kPending, kRunning, kSuccess, kFailure, kCanceled };

struct CommitStatus {
  CommitState state = CommitState::kPending;
  std::string context;      // "triggerd/<image>": one status line per image
  std::string description;  // clipped by the client to the provider's limit
  std::string target_url;   // empty: none
  std::string ref_name;     // the branch or tag (GitLab shows it)
};

// Credentials a runner clones one repository with over HTTPS (basic auth).
struct CloneCredential {
  std::string username;
  std::string password;    // never logged
  std::string id;          // what revokeCloneCredential takes; empty: nothing to revoke
  int64_t expires_at = 0;  // unix seconds
};

// One page of a provider list; `next_page` is the opaque token for the following page
// (the provider's next URL's page number or cursor), absent on the last page.
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_page;
};

}  // namespace triggerd
