#include "cli/commands_sources.h"

#include <functional>
#include <set>
#include <vector>

#include "cli/api_paths.h"
#include "cli/json_text.h"
#include "cli/local_files.h"
#include "cli/paged_list.h"
#include "cli/table.h"
#include "common/json.h"

namespace triggerd::cli {

namespace {

std::string firstMember(const rapidjson::Value& obj, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    std::string text = memberText(obj, name);
    if (!text.empty()) return text;
  }
  return "";
}

const Listing kRepositories{"repositories",
                            {"full_name", "id", "default_branch", "private"},
                            [](const rapidjson::Value& r) -> std::vector<std::string> {
                              return {firstMember(r, {"full_name", "path_with_namespace"}),
                                      memberText(r, "id"), memberText(r, "default_branch"),
                                      firstMember(r, {"private", "is_private"})};
                            }};

const Listing kBranches{
    "branches",
    {"name", "sha", "protected"},
    [](const rapidjson::Value& b) -> std::vector<std::string> {
      return {memberText(b, "name"), memberText(b, "sha"), memberText(b, "protected")};
    }};

const Listing kTags{
    "tags", {"name", "sha"}, [](const rapidjson::Value& t) -> std::vector<std::string> {
      return {memberText(t, "name"), memberText(t, "sha")};
    }};

// PUT .../sources/{provider} with a body; prints the bound source.
int bindSource(const Context& ctx, const std::string& user, const std::string& provider,
               const std::string& body) {
  auto answer = callApi(ctx, "PUT", paths::source(user, provider), body);
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  const auto* source = json::member(answer.doc, "source");
  if (!source || !source->IsObject()) return unexpectedAnswer(ctx, "no \"source\" object");
  ctx.out << "Bound " << cellText(provider) << " account " << cellText(memberText(*source, "login"))
          << " for " << cellText(user) << "\n\n"
          << describeSource(*source);
  return kExitOk;
}

}  // namespace

std::string describeSource(const rapidjson::Value& source) {
  return renderFields({
      {"provider", memberText(source, "provider")},
      {"login", memberText(source, "login")},
      {"account_id", memberText(source, "account_id")},
      {"api_url", memberText(source, "api_url")},
      {"state", memberText(source, "state")},
      {"scopes", memberText(source, "scopes")},
      {"expires", memberTimeOr(source, "expires_at", "never")},
      {"bound", memberTimeOr(source, "bound_at")},
      {"checked", memberTimeOr(source, "checked_at")},
  });
}

int sourcesList(const Context& ctx, const std::string& user) {
  auto answer = callApi(ctx, "GET", paths::sources(user));
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  const auto* sources = json::member(answer.doc, "sources");
  if (!sources || !sources->IsArray()) return unexpectedAnswer(ctx, "no \"sources\" array");
  if (sources->Empty()) {
    ctx.out << "no sources bound for " << cellText(user) << "\n";
    return kExitOk;
  }
  Table table({"provider", "login", "state", "expires", "scopes", "api_url"});
  for (const auto& s : sources->GetArray()) {
    table.addRow({memberText(s, "provider"), memberText(s, "login"), memberText(s, "state"),
                  memberTimeOr(s, "expires_at", "never"), valueText(json::member(s, "scopes"), ","),
                  memberText(s, "api_url")});
  }
  ctx.out << table.render();
  return kExitOk;
}

int sourcesBindGitlab(const Context& ctx, const BindGitlabArgs& args) {
  auto token = readSecretFile(args.token_file, "GitLab token");
  if (!token) return usageError(ctx, token.error());
  std::string ca;
  if (!args.ca_file.empty()) {
    auto pem = readTextFile(args.ca_file);
    if (!pem) return usageError(ctx, pem.error());
    ca = std::move(pem.value());
  }
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, "service_address", args.address);
  json::kv(w, "private_token", token.value());
  if (!ca.empty()) json::kv(w, "ca_certificate", ca);
  w.EndObject();
  return bindSource(ctx, args.user, "gitlab", std::string(buf.GetString(), buf.GetSize()));
}

int sourcesBindGithub(const Context& ctx, const std::string& user, const std::string& token_file) {
  auto token = readSecretFile(token_file, "GitHub token");
  if (!token) return usageError(ctx, token.error());
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, "token", token.value());
  w.EndObject();
  return bindSource(ctx, user, "github", std::string(buf.GetString(), buf.GetSize()));
}

int sourcesAuthorizeGithub(const Context& ctx, const std::string& user) {
  auto answer = callApi(ctx, "POST", paths::githubAuthorize(user));
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  auto url = json::getString(answer.doc, "authorize_url");
  if (!url) return unexpectedAnswer(ctx, "no \"authorize_url\"");
  auto expires_in = json::getInt(answer.doc, "expires_in");
  ctx.out << "Open this URL in a browser signed in to the GitHub account to bind for "
          << cellText(user);
  if (expires_in) ctx.out << " (valid for " << (*expires_in + 59) / 60 << " minutes)";
  ctx.out << ":\n\n  " << cellText(*url) << "\n\n"
          << "triggerd binds the account when GitHub sends the browser back. Check with:\n"
          << "  triggerctl sources list " << cellText(user) << "\n";
  return kExitOk;
}

int sourcesUnbind(const Context& ctx, const std::string& user, const std::string& provider) {
  auto answer = callApi(ctx, "DELETE", paths::source(user, provider));
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  ctx.out << "Unbound " << cellText(provider) << " from " << cellText(user);
  auto removed = json::getInt(answer.doc, "hooks_removed");
  if (removed && *removed > 0)
    ctx.out << "; " << *removed << (*removed == 1 ? " webhook" : " webhooks") << " removed";
  auto disabled = json::getInt(answer.doc, "triggers_disabled");
  if (disabled && *disabled > 0) {
    ctx.out << "; " << *disabled << (*disabled == 1 ? " trigger" : " triggers")
            << " disabled (re-enable them after binding again)";
  }
  ctx.out << "\n";
  // Best effort: a webhook that could not be removed is left on its repository.
  if (const auto* hooks = json::member(answer.doc, "hooks"); hooks && hooks->IsArray()) {
    for (const auto& h : hooks->GetArray()) {
      if (memberText(h, "result") != "failed") continue;
      ctx.err << "warning: the webhook of trigger " << cellText(memberText(h, "trigger")) << " on "
              << cellText(memberText(h, "repository"))
              << " was left in place: " << cellText(memberText(h, "error")) << "\n";
    }
  }
  return kExitOk;
}

int sourcesRepos(const Context& ctx, const ListArgs& args) {
  return listPaged(ctx, paths::repos(args.user, args.provider), PageChoice{args.page, args.all},
                   kRepositories);
}

int sourcesBranches(const Context& ctx, const ListArgs& args) {
  return listPaged(ctx, paths::branches(args.user, args.provider, args.repo),
                   PageChoice{args.page, args.all}, kBranches);
}

int sourcesTags(const Context& ctx, const ListArgs& args) {
  return listPaged(ctx, paths::tags(args.user, args.provider, args.repo),
                   PageChoice{args.page, args.all}, kTags);
}

}  // namespace triggerd::cli
