#include "cli/commands_queue.h"

#include "cli/api_error.h"
#include "cli/api_paths.h"
#include "cli/json_text.h"
#include "cli/table.h"
#include "common/encoding.h"
#include "common/json.h"
#include "common/json_fields.h"

namespace triggerd::cli {
namespace {

// --all retries at most this many dead jobs per run.
constexpr int kMaxRetryAll = 10000;

std::string deadPath(int count, const std::string& before) {
  std::string path = paths::deadJobs() + "?count=" + std::to_string(count);
  if (!before.empty()) path += "&before=" + urlEncode(before);
  return path;
}

}  // namespace

int queueStats(const Context& ctx) {
  auto answer = callApi(ctx, "GET", paths::queue());
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  if (!json::getInt(answer.doc, "stream_length")) return unexpectedAnswer(ctx, "no counts");
  std::string holders;
  if (const auto* by = json::member(answer.doc, "claimed_by"); by && by->IsObject()) {
    for (auto it = by->MemberBegin(); it != by->MemberEnd(); ++it)
      holders += (holders.empty() ? "" : ", ") + cellText(it->name.GetString()) + " " +
                 valueText(&it->value);
  }
  ctx.out << renderFields({
      {"waiting", memberText(answer.doc, "waiting")},
      {"claimed", memberText(answer.doc, "claimed")},
      {"claimed by", holders.empty() ? "-" : holders},
      {"dead", memberText(answer.doc, "dead")},
      {"status backlog", memberText(answer.doc, "status_backlog")},
      {"stream length", memberText(answer.doc, "stream_length")},
  });
  return kExitOk;
}

int queueDeadList(const Context& ctx, int count, const std::string& before) {
  auto answer = callApi(ctx, "GET", deadPath(count, before));
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  const auto* dead = json::member(answer.doc, "dead");
  if (!dead || !dead->IsArray()) return unexpectedAnswer(ctx, "no \"dead\" array");
  Table table({"job", "user", "ref", "sha", "attempts", "at", "error"});
  for (const auto& d : dead->GetArray()) {
    table.addRow({memberText(d, "job"), memberText(d, "user"), memberText(d, "ref"),
                  memberText(d, "sha").substr(0, 12), memberText(d, "attempts"),
                  memberText(d, "at"), memberText(d, "error")});
  }
  ctx.out << table.render();
  std::string next = memberText(answer.doc, "next");
  if (!next.empty()) ctx.err << "more: add --before " << cellText(next) << " for older ones\n";
  return kExitOk;
}

int queueDeadRetry(const Context& ctx, const std::vector<std::string>& ids, bool all) {
  std::vector<std::string> todo = ids;
  if (all) {
    std::string before;
    while (static_cast<int>(todo.size()) < kMaxRetryAll) {
      auto answer = callApi(ctx, "GET", deadPath(1000, before));
      if (!answer.ok()) return answer.exit_code;
      const auto* dead = json::member(answer.doc, "dead");
      if (!dead || !dead->IsArray()) return unexpectedAnswer(ctx, "no \"dead\" array");
      for (const auto& d : dead->GetArray()) todo.push_back(memberText(d, "job"));
      before = memberText(answer.doc, "next");
      if (before.empty()) break;
    }
  }
  int failed = 0;
  for (const auto& id : todo) {
    auto answer = callApi(ctx, "POST", paths::deadJobRetry(id));
    if (!answer.ok()) {
      if (answer.exit_code == kExitUnreachable) return answer.exit_code;
      ++failed;
      continue;
    }
    if (ctx.output.json) {
      printJsonIfAsked(ctx, answer.response.body);
      continue;
    }
    ctx.out << "Queued job " << cellText(id) << " again (attempt "
            << memberText(answer.doc, "attempt") << ")\n";
  }
  if (!ctx.output.json && todo.empty()) ctx.out << "No dead jobs\n";
  return failed == 0 ? kExitOk : kExitApiError;
}

int queuePurge(const Context& ctx, const PurgeArgs& args) {
  int chosen = (args.all ? 1 : 0) + (args.older_than.empty() ? 0 : 1) + (args.job.empty() ? 0 : 1);
  if (chosen != 1)
    return usageError(ctx, Error::badRequest("--all",
                                             "give exactly one of --all, --older-than "
                                             "DURATION or --job ID"));
  std::string body = json::build([&](json::Writer& w) {
    w.StartObject();
    if (!args.older_than.empty()) json::kv(w, "older_than", args.older_than);
    if (!args.job.empty()) json::kv(w, "job", args.job);
    w.EndObject();
  });
  auto answer = callApi(ctx, "POST", paths::deadJobsPurge(), body);
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  auto purged = json::getInt(answer.doc, "purged");
  if (!purged) return unexpectedAnswer(ctx, "no \"purged\" count");
  ctx.out << "Purged " << *purged << (*purged == 1 ? " dead job" : " dead jobs") << "\n";
  return kExitOk;
}

int runnerTokensCreate(const Context& ctx, const std::string& name) {
  std::string body = json::build([&](json::Writer& w) {
    w.StartObject();
    json::kv(w, "name", name);
    w.EndObject();
  });
  auto answer = callApi(ctx, "POST", paths::runnerTokens(), body);
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  auto token = json::getString(answer.doc, "token");
  if (!token) return unexpectedAnswer(ctx, "no \"token\"");
  const std::string id = cellText(memberText(answer.doc, "id"));
  ctx.out << "Runner token \"" << cellText(name) << "\" (id " << id << "):\n\n  "
          << cellText(*token) << "\n\n"
          << "It is shown only now: give it to the runner in a file only the runner's user can\n"
          << "read. Revoke it with:\n"
          << "  triggerctl runner-tokens revoke " << id << "\n";
  return kExitOk;
}

int runnerTokensList(const Context& ctx) {
  auto answer = callApi(ctx, "GET", paths::runnerTokens());
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  const auto* tokens = json::member(answer.doc, "runner_tokens");
  if (!tokens || !tokens->IsArray()) return unexpectedAnswer(ctx, "no \"runner_tokens\" array");
  Table table({"id", "name"});
  for (const auto& t : tokens->GetArray())
    table.addRow({memberText(t, "id"), memberText(t, "name")});
  ctx.out << table.render();
  return kExitOk;
}

int runnerTokensRevoke(const Context& ctx, const std::string& id) {
  auto answer = callApi(ctx, "DELETE", paths::runnerToken(id));
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  ctx.out << "Revoked runner token " << cellText(id) << "\n";
  return kExitOk;
}

}  // namespace triggerd::cli
