// The GitLab "service address" a user enters when binding an account: its normalised form and
// the checks that tell a server root from a project, group or page URL. Pure: no I/O.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace triggerd {

// Normalises a GitLab server address: trims it, requires http:// or https://, refuses user
// info, queries and fragments, lowercases scheme and host, drops a default port and trailing
// slashes, keeps a relative URL root ("https://host/gitlab"), and strips a pasted "/api/v4"
// suffix. Obvious project, group and page URLs ("/-/", ".git", gitlab.com paths, GitLab's
// reserved routes such as /users/sign_in or /explore) are refused. Whether a remaining path is
// a relative URL root or a group cannot be known without asking the server; GitLabApi::probe
// settles that. Errors are 422 on field "service_address".
Result<std::string> normalizeGitlabAddress(std::string_view input);

// Whether an answer from {root}/api/v4/... came from GitLab's API: GitLab answers every API
// request, errors included, with JSON. An HTML or other non-JSON answer means `root` is not a
// GitLab server root (a project or group page, a login portal, another product).
bool looksLikeGitlabApiAnswer(std::string_view content_type, std::string_view body);

// The 422 "service_address" error for an address whose /api/v4 does not answer like GitLab.
Error notGitlabRootError(std::string_view root, std::string_view detail);

}  // namespace triggerd
