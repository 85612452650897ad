// Token scopes as GitHub and GitLab report them, and the checks triggerd makes at bind time.
// Pure: no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace triggerd {

// Parses a scope list as the providers send it: GitHub's X-OAuth-Scopes ("repo, user"), the
// GitHub token exchange ("repo,gist"), or space-separated ("repo user"). Returns the scopes
// lowercased, sorted and without duplicates; empty items are dropped.
std::vector<std::string> parseScopeList(std::string_view text);

// Whether `granted` satisfies `required` on GitHub, where a broader scope implies narrower ones
// (e.g. "repo" implies "public_repo" and "repo:status"; "admin:repo_hook" implies
// "write:repo_hook" and "read:repo_hook").
bool githubScopeSatisfied(const std::vector<std::string>& granted, std::string_view required);

// The required GitHub scopes `granted` does not cover, in the order given.
std::vector<std::string> missingGithubScopes(const std::vector<std::string>& granted,
                                             const std::vector<std::string>& required);

// Whether `granted` satisfies `required` on GitLab: "api" implies "read_api" (complete API
// access includes read access); every other scope only satisfies itself.
bool gitlabScopeSatisfied(const std::vector<std::string>& granted, std::string_view required);

std::vector<std::string> missingGitlabScopes(const std::vector<std::string>& granted,
                                             const std::vector<std::string>& required);

// "repo, admin:repo_hook": a list for messages.
std::string joinScopes(const std::vector<std::string>& scopes);

}  // namespace triggerd
