#include "cli/commands_sources.h"

#include <functional>
#include <set>
#include <vector>

#include "cli/api_paths.h"
#include "cli/json_text.h"
#include "cli/local_files.h"
#include "cli/table.h"
#include "common/json.h"

namespace triggerd::cli {

namespace {

// --all stops here even if the provider keeps handing out pages.
constexpr int kMaxPages = 1000;

using RowOf = std::function<std::vector<std::string>(const rapidjson::Value&)>;

struct Listing {
  const char* items_key;  // "repositories", "branches", "tags"
  std::vector<std::string> headers;
  RowOf row;
};

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

// Fetches one page, or with args.all follows next_page to the end, then prints the items as a
// table, or as JSON: the answer verbatim for one page; for --all one answer of the same shape
// holding every item, with "next_page": null.
int listPaged(const Context& ctx, const std::string& path, const ListArgs& args,
              const Listing& listing) {
  rapidjson::Document merged(rapidjson::kObjectType);
  auto& alloc = merged.GetAllocator();
  rapidjson::Value items(rapidjson::kArrayType);
  std::string page = args.page;
  std::string next_page;
  std::set<std::string> seen_pages;
  for (int fetched = 0;; ++fetched) {
    if (fetched == kMaxPages) {
      return unexpectedAnswer(
          ctx, "more than " + std::to_string(kMaxPages) + " pages; stopped following next_page");
    }
    auto answer = callApi(ctx, "GET", paths::withPage(path, page));
    if (!answer.ok()) return answer.exit_code;
    const auto* page_items = json::member(answer.doc, listing.items_key);
    if (!page_items || !page_items->IsArray()) {
      return unexpectedAnswer(ctx, std::string("no \"") + listing.items_key + "\" array");
    }
    next_page = valueText(json::member(answer.doc, "next_page"));
    if (!args.all) {
      if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
      items.CopyFrom(*page_items, alloc);
      break;
    }
    for (const auto& item : page_items->GetArray())
      items.PushBack(rapidjson::Value(item, alloc), alloc);
    if (next_page.empty()) break;
    if (!seen_pages.insert(next_page).second) {
      return unexpectedAnswer(ctx, "next_page \"" + next_page + "\" came back twice");
    }
    page = next_page;
  }

  if (ctx.output.json) {
    merged.AddMember(rapidjson::StringRef(listing.items_key), items, alloc);
    merged.AddMember("next_page", rapidjson::Value(rapidjson::kNullType), alloc);
    rapidjson::StringBuffer buf;
    json::Writer w(buf);
    merged.Accept(w);
    printJsonIfAsked(ctx, std::string_view(buf.GetString(), buf.GetSize()));
    return kExitOk;
  }
  Table table(listing.headers);
  for (const auto& item : items.GetArray()) table.addRow(listing.row(item));
  ctx.out << table.render();
  if (!args.all && !next_page.empty()) {
    // On stderr so the table stays clean for pipes.
    ctx.err << "more: add --page " << cellText(next_page) << " for the next page, or --all\n";
  }
  return kExitOk;
}

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
  return listPaged(ctx, paths::repos(args.user, args.provider), args, kRepositories);
}

int sourcesBranches(const Context& ctx, const ListArgs& args) {
  return listPaged(ctx, paths::branches(args.user, args.provider, args.repo), args, kBranches);
}

int sourcesTags(const Context& ctx, const ListArgs& args) {
  return listPaged(ctx, paths::tags(args.user, args.provider, args.repo), args, kTags);
}

}  // namespace triggerd::cli
