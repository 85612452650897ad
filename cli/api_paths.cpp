#include "cli/api_paths.h"

#include "common/encoding.h"

namespace triggerd::cli::paths {

namespace {

std::string userBase(std::string_view user) {
  return "/api/v1/users/" + urlEncode(user);
}

}  // namespace

std::string joinUrl(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string url(base);
  url += '/';
  url += path;
  return url;
}

std::string withPage(std::string path, std::string_view page) {
  if (!page.empty()) path += "?page=" + urlEncode(page);
  return path;
}

std::string readyz() {
  return "/readyz";
}

std::string triggers(std::string_view user) {
  return userBase(user) + "/triggers";
}

std::string trigger(std::string_view user, std::string_view id) {
  return triggers(user) + "/" + urlEncode(id);
}

std::string triggerHookRepair(std::string_view user, std::string_view id) {
  return trigger(user, id) + "/hook/repair";
}

std::string triggerHookCheck(std::string_view user, std::string_view id) {
  return trigger(user, id) + "/hook/check";
}

std::string userHookJobs(std::string_view user) {
  return userBase(user) + "/hooks/jobs";
}

std::string userHookJob(std::string_view user, std::string_view job) {
  return userHookJobs(user) + "/" + urlEncode(job);
}

std::string adminHookJobs() {
  return "/api/v1/admin/hooks/jobs";
}

std::string adminHookJob(std::string_view job) {
  return adminHookJobs() + "/" + urlEncode(job);
}

std::string tokens(std::string_view user) {
  return userBase(user) + "/tokens";
}

std::string token(std::string_view user, std::string_view id) {
  return tokens(user) + "/" + urlEncode(id);
}

std::string sources(std::string_view user) {
  return userBase(user) + "/sources";
}

std::string source(std::string_view user, std::string_view provider) {
  return sources(user) + "/" + urlEncode(provider);
}

std::string githubAuthorize(std::string_view user) {
  return source(user, "github") + "/authorize";
}

std::string repos(std::string_view user, std::string_view provider) {
  return source(user, provider) + "/repos";
}

std::string branches(std::string_view user, std::string_view provider, std::string_view repo) {
  return repos(user, provider) + "/" + urlEncode(repo) + "/branches";
}

std::string tags(std::string_view user, std::string_view provider, std::string_view repo) {
  return repos(user, provider) + "/" + urlEncode(repo) + "/tags";
}

std::string triggerRun(std::string_view user, std::string_view id) {
  return trigger(user, id) + "/run";
}

std::string triggerJobs(std::string_view user, std::string_view id) {
  return trigger(user, id) + "/jobs";
}

std::string jobs(std::string_view user) {
  return userBase(user) + "/jobs";
}

std::string job(std::string_view user, std::string_view id) {
  return jobs(user) + "/" + urlEncode(id);
}

std::string jobLog(std::string_view user, std::string_view id) {
  return job(user, id) + "/log";
}

std::string queue() {
  return "/api/v1/admin/queue";
}

std::string deadJobs() {
  return queue() + "/dead";
}

std::string deadJobRetry(std::string_view job_id) {
  return deadJobs() + "/" + urlEncode(job_id) + "/retry";
}

std::string deadJobsPurge() {
  return deadJobs() + "/purge";
}

std::string runnerTokens() {
  return "/api/v1/admin/runner-tokens";
}

std::string runnerToken(std::string_view id) {
  return runnerTokens() + "/" + urlEncode(id);
}

std::string keysReseal() {
  return "/api/v1/admin/keys/reseal";
}

std::string tokensCheck() {
  return "/api/v1/admin/tokens/check";
}

}  // namespace triggerd::cli::paths
