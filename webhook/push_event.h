// A provider's push delivery reduced to what triggerd builds from. Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace triggerd {

enum class RefType { kBranch, kTag };

struct CommitInfo {
  std::string sha;
  std::string message;
  std::string author;                                 // "Name <email>" or the name alone
  std::string timestamp;                              // as the provider sent it (ISO 8601)
  std::vector<std::string> added, modified, removed;  // for path filters
};

struct RepositoryInfo {
  std::string id;         // GitHub repository id / GitLab project id, as text
  std::string full_name;  // owner/name or path_with_namespace
  std::string clone_url;  // https
  std::string ssh_url;
  bool is_private = false;
};

struct PushEvent {
  std::string ref;  // refs/heads/main, refs/tags/v1.0.0
  RefType ref_type = RefType::kBranch;
  std::string ref_name;  // main, v1.0.0
  std::string before, after;
  CommitInfo head;                  // the commit to build (sha = after / checkout_sha)
  std::vector<CommitInfo> commits;  // pushed commits, oldest first, with changed paths
  // True when the payload does not list every pushed commit (GitLab sends the newest 20,
  // GitHub at most 2048): path filters then cannot rule a build out.
  bool commits_truncated = false;
  RepositoryInfo repository;
  // When the push happened (unix seconds): GitHub's repository.pushed_at. 0 when the provider
  // does not say (GitLab). The body is signed, so this bounds how old a replayed delivery is.
  int64_t pushed_at = 0;
};

enum class DeliveryKind {
  kPing,     // GitHub ping: the hook works
  kPush,     // a branch or tag push to build from
  kIgnored,  // another event, a deletion, ...: answered 200 {"ignored": reason}
};

struct Delivery {
  DeliveryKind kind = DeliveryKind::kIgnored;
  std::string ignored_reason;  // for kIgnored
  std::string hook_id;         // for kPing (GitHub hook id)
  PushEvent push;              // for kPush
};

// Parses a verified GitHub delivery. `event` is X-GitHub-Event; `content_type` selects JSON or
// the form encoding (payload=...). Errors are 400 (malformed) or 415 (content type) and name the
// field at fault, e.g. "repository.full_name".
Result<Delivery> parseGithubDelivery(std::string_view event, std::string_view content_type,
                                     std::string_view body);
// Parses a verified GitLab delivery. `event` is X-Gitlab-Event (Push Hook, Tag Push Hook, ...).
Result<Delivery> parseGitlabDelivery(std::string_view event, std::string_view content_type,
                                     std::string_view body);

// True when the message carries [skip build], [build skip], [skip ci] or [ci skip].
bool hasSkipMarker(std::string_view commit_message);

}  // namespace triggerd
