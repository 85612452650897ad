// Paths of the admin API (docs/api.md) and how they join a base URL. Every path parameter is
// percent-encoded, so a repository "octo/app" travels as one segment: octo%2Fapp. Pure.
#pragma once

#include <string>
#include <string_view>

namespace triggerd::cli::paths {

// base + path, with exactly one '/' between them: the base may carry a prefix (a reverse
// proxy's "/triggerd/") and may or may not end with '/'.
std::string joinUrl(std::string_view base, std::string_view path);
// path?page=P (encoded); the path alone when page is empty.
std::string withPage(std::string path, std::string_view page);

std::string readyz();
std::string triggers(std::string_view user);
std::string trigger(std::string_view user, std::string_view id);
std::string triggerHookRepair(std::string_view user, std::string_view id);
std::string triggerHookCheck(std::string_view user, std::string_view id);
std::string userHookJobs(std::string_view user);
std::string userHookJob(std::string_view user, std::string_view job);
std::string adminHookJobs();
std::string adminHookJob(std::string_view job);
std::string tokens(std::string_view user);
std::string token(std::string_view user, std::string_view id);
std::string sources(std::string_view user);
std::string source(std::string_view user, std::string_view provider);
std::string githubAuthorize(std::string_view user);
std::string repos(std::string_view user, std::string_view provider);
std::string branches(std::string_view user, std::string_view provider, std::string_view repo);
std::string tags(std::string_view user, std::string_view provider, std::string_view repo);
std::string triggerRun(std::string_view user, std::string_view id);
std::string triggerJobs(std::string_view user, std::string_view id);
std::string jobs(std::string_view user);
std::string job(std::string_view user, std::string_view id);
std::string jobLog(std::string_view user, std::string_view id);
std::string queue();
std::string deadJobs();
std::string deadJobRetry(std::string_view job_id);
std::string deadJobsPurge();
std::string runnerTokens();
std::string runnerToken(std::string_view id);
std::string keysReseal();
std::string tokensCheck();

}  // namespace triggerd::cli::paths
