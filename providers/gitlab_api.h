// GitLab REST (API v4) client over the HttpClient seam, authenticated with a personal access
// token in the PRIVATE-TOKEN header. The server root comes from normalizeGitlabAddress and may
// carry a relative URL root (https://host/gitlab).
//
// Calling contract as for GitHubApi: an Error return means nothing was sent and the callback
// never runs; otherwise the callback runs exactly once on a later loop turn unless cancel(id).
// Callbacks do not reference the GitLabApi object.
//
// Errors: 422 "service_address" when the address is unreachable or not a GitLab root (probe),
// 422 "private_token" when GitLab rejects the token or its scope, 503 when rate limited, 502
// when GitLab fails, 404 "repository" for an unknown project.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "http/client.h"
#include "providers/hook_types.h"
#include "providers/provider_http.h"
#include "providers/provider_types.h"

namespace triggerd {

// What GET /api/v4/version tells about the server.
struct GitLabServerInfo {
  std::string version;          // "17.6.1-ee"; empty when the token was not accepted for this call
  std::string revision;         // git revision of the GitLab build
  bool token_accepted = false;  // false on a JSON 401/403: GitLab answered, the token did not pass
};

class GitLabApi {
 public:
  struct Options {
    std::string server_root;            // normalised, e.g. https://gitlab.example.com
    std::optional<std::string> ca_pem;  // private CA for this server; nullopt: system store
    std::string user_agent = "triggerd";
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{15000};
    const Clock* clock = nullptr;  // for rate limit reset times; nullptr: the system clock
    // An http:// server root: true lets the token travel in clear to any address (the operator
    // set security.allow_plain_http_gitlab); false only to addresses in allowed_networks.
    bool allow_plain_http = false;
    std::chrono::seconds rate_limit_patience{0};  // HttpRequest::rate_limit_patience
  };

  using ProbeCallback = std::function<void(Result<GitLabServerInfo>)>;
  using TokenCallback = std::function<void(Result<TokenInfo>)>;
  using UserCallback = std::function<void(Result<AccountIdentity>)>;
  using ProjectsCallback = std::function<void(Result<Page<RepoSummary>>)>;
  using RefsCallback = std::function<void(Result<Page<RefSummary>>)>;
  using HooksCallback = std::function<void(Result<std::vector<RemoteHook>>)>;
  using HookCallback = std::function<void(Result<RemoteHook>)>;
  using DoneCallback = std::function<void(Status)>;
  using EventsCallback = std::function<void(Result<DeliveryLog>)>;

  GitLabApi(HttpClient& http, Options options);

  // GET /api/v4/version: tells "cannot reach" (transport or TLS failure, with the cause) from
  // "reachable but not a GitLab server root" (HTML or non-JSON answers, a JSON 404) from a
  // GitLab that answered. Both failures are 422 "service_address".
  ApiCall probe(std::string_view token, ProbeCallback cb);

  // GET /api/v4/personal_access_tokens/self (GitLab 15.5+): scopes, active, revoked, expiry
  // (GitLab's expires_at date means 00:00 UTC of that day). GitLab answers 401 for expired and
  // revoked tokens; those map to 422 "private_token" naming which. An HTML answer means the
  // address is not a GitLab root; a JSON 404 means a GitLab older than 15.5.
  ApiCall tokenSelf(std::string_view token, TokenCallback cb);

  // GET /api/v4/user.
  ApiCall getUser(std::string_view token, UserCallback cb);

  // GET /api/v4/projects where the user is at least Maintainer (may manage hooks), 100 per
  // page, ordered by path. is_private is true unless GitLab says the project is public (the
  // simple representation omits visibility).
  ApiCall listProjects(std::string_view token, std::string_view page_token, ProjectsCallback cb);

  // GET /api/v4/projects/:id/repository/branches and /tags, 100 per page. `project` is a
  // numeric id or a path "group/subgroup/project" (sent URL-encoded, / as %2F).
  ApiCall listBranches(std::string_view token, std::string_view project,
                       std::string_view page_token, RefsCallback cb);
  ApiCall listTags(std::string_view token, std::string_view project, std::string_view page_token,
                   RefsCallback cb);

  // Project hooks (gitlab_hooks.cpp). `project` as for listBranches; `hook_id` GitLab's numeric
  // id. Errors name the cause: 404 "repository" (no such project visible to the account), 403
  // "repository" (not Maintainer), 422 "private_token" (no api scope), 422
  // "server.public_base_url" (GitLab refuses the hook URL, e.g. "Invalid url given" for local
  // addresses), 422 "repository" (the project's hook limit).

  // GET /projects/:id/hooks, every page.
  ApiCall listHooks(std::string_view token, std::string_view project, HooksCallback cb);
  // POST /projects/:id/hooks: url, token, push_events, tag_push_events,
  // enable_ssl_verification, and signing_token when the spec has one (GitLab ignores it when
  // the server does not offer signing tokens: read signing_token_set back).
  ApiCall createHook(std::string_view token, std::string_view project, const HookSpec& spec,
                     HookCallback cb);
  // PUT /projects/:id/hooks/:hook_id with the whole spec: GitLab clears the token when the URL
  // changes, so it is always sent again.
  ApiCall updateHook(std::string_view token, std::string_view project, std::string_view hook_id,
                     const HookSpec& spec, HookCallback cb);
  // DELETE /projects/:id/hooks/:hook_id; a hook already gone (404) is success.
  ApiCall deleteHook(std::string_view token, std::string_view project, std::string_view hook_id,
                     DoneCallback cb);
  // POST /projects/:id/hooks/:hook_id/test/push_events: GitLab sends the hook a push event; a
  // successful one re-enables a hook GitLab disabled after failures.
  ApiCall testHook(std::string_view token, std::string_view project, std::string_view hook_id,
                   DoneCallback cb);
  // GET /projects/:id/hooks/:hook_id/events (GitLab 17.3+), pages until older than
  // `since_unix`; newest first. A GitLab without the API gives a log that is not available.
  ApiCall listHookEvents(std::string_view token, std::string_view project, std::string_view hook_id,
                         int64_t since_unix, EventsCallback cb);
  // POST /projects/:id/hooks/:hook_id/events/:event_id/resend (GitLab 17.4+): the same
  // delivery again, under its Idempotency-Key.
  ApiCall resendHookEvent(std::string_view token, std::string_view project,
                          std::string_view hook_id, std::string_view event_id, DoneCallback cb);

  // --- jobs: manual runs, commit statuses, clone credentials ---
  using ProjectCallback = std::function<void(Result<RepoSummary>)>;
  using CommitCallback = std::function<void(Result<CommitSummary>)>;
  using DeployTokenCallback = std::function<void(Result<CloneCredential>)>;

  // GET /projects/:id.
  ApiCall getProject(std::string_view token, std::string_view project, ProjectCallback cb);
  // GET /projects/:id/repository/branches/:branch and /tags/:tag: the head commit; 404 "ref"
  // when there is no such branch or tag.
  ApiCall getBranch(std::string_view token, std::string_view project, std::string_view branch,
                    CommitCallback cb);
  ApiCall getTag(std::string_view token, std::string_view project, std::string_view tag,
                 CommitCallback cb);
  // GET /projects/:id/repository/commits/:sha; 404 "sha" when unknown.
  ApiCall getCommit(std::string_view token, std::string_view project, std::string_view sha,
                    CommitCallback cb);
  // POST /projects/:id/statuses/:sha. `state` is pending, running, success, failed or canceled;
  // the description is clipped to GitLab's 255 characters. GitLab refuses to set a status to the
  // state it has ("Cannot transition status via ..."): that counts as set.
  ApiCall postStatus(std::string_view token, std::string_view project, std::string_view sha,
                     std::string_view state, std::string_view name, std::string_view ref,
                     std::string_view description, std::string_view target_url, DoneCallback cb);
  // POST /projects/:id/deploy_tokens: a project deploy token with read_repository only, expiring
  // at `expires_at` (unix seconds). Needs the Maintainer role.
  ApiCall createDeployToken(std::string_view token, std::string_view project, std::string_view name,
                            int64_t expires_at, DeployTokenCallback cb);
  // DELETE /projects/:id/deploy_tokens/:token_id; a token already gone (404) counts as deleted.
  ApiCall deleteDeployToken(std::string_view token, std::string_view project,
                            std::string_view token_id, DoneCallback cb);

  static constexpr size_t kMaxStatusDescription = 255;

  void cancel(HttpRequestId id) { http_.cancel(id); }

  const std::string& serverRoot() const { return options_.server_root; }

 private:
  HttpRequest apiRequest(std::string path_and_query, std::string_view token) const;
  // A hook call's request, /projects/:id/hooks[/:hook_id]{path}, once the token, project and
  // hook id (when given) are checked (gitlab_hooks.cpp).
  Result<HttpRequest> hookRequest(std::string_view token, std::string_view project,
                                  std::string_view hook_id, std::string_view path) const;

  ApiCall getRef(std::string_view token, std::string_view project, std::string_view name,
                 const char* kind, CommitCallback cb);
  ApiCall listRefs(std::string_view token, std::string_view project, std::string_view page_token,
                   const char* kind, RefsCallback cb);

  HttpClient& http_;
  Options options_;
};

// The :id path segment for a project: a numeric id as is, or a validated path
// "group/sub/project" URL-encoded with / as %2F. 422 on `field` for anything else (empty
// segments, "." or "..", characters GitLab paths cannot hold).
Result<std::string> gitlabProjectSegment(std::string_view id_or_path,
                                         const std::string& field = "repository");

// Checks a token described by tokenSelf before binding it: not revoked, active, not expired at
// `now_unix`, and holding every scope in `required` ("api"). 422 "private_token" otherwise.
Status checkGitlabTokenForBinding(const TokenInfo& token, const std::vector<std::string>& required,
                                  int64_t now_unix);

}  // namespace triggerd
