#include "cli/commands_hooks.h"

#include <thread>

#include "cli/api_paths.h"
#include "cli/json_text.h"
#include "cli/table.h"
#include "common/json.h"

namespace triggerd::cli {
namespace {

void listLines(std::string& out, const char* title, const rapidjson::Value* items) {
  if (!items || !items->IsArray() || items->Empty()) return;
  out += std::string("\n") + title + "\n";
  for (const auto& i : items->GetArray()) out += "  - " + cellText(valueText(&i)) + "\n";
}

bool troubled(const std::string& outcome) {
  return outcome == "problems" || outcome == "failed";
}

int oneTrigger(const Context& ctx, const HooksArgs& args) {
  std::string path = args.action == "check" ? paths::triggerHookCheck(args.user, args.id)
                                            : paths::triggerHookRepair(args.user, args.id);
  auto answer = callApi(ctx, "POST", path, args.rotate_secret ? R"({"rotate_secret":true})" : "{}");
  if (!answer.ok()) return answer.exit_code;
  const auto* report = json::member(answer.doc, "hook");
  std::string outcome = report ? memberText(*report, "outcome") : "";
  int rc = troubled(outcome) ? kExitApiError : kExitOk;
  if (printJsonIfAsked(ctx, answer.response.body)) return rc;
  if (!report || !report->IsObject()) {
    // A hand-made hook (repair without rotation answers the webhook settings only).
    ctx.out << "The hook of trigger " << cellText(args.id)
            << " was added by hand; triggerd cannot check or repair it\n";
    return kExitOk;
  }
  ctx.out << "Hook of trigger " << cellText(args.id) << ":\n" << describeHookReport(*report);
  return rc;
}

int job(const Context& ctx, const HooksArgs& args) {
  std::string body = R"({"action":")" + args.action + R"("})";
  auto started = callApi(ctx, "POST",
                         args.all ? paths::adminHookJobs() : paths::userHookJobs(args.user), body);
  if (!started.ok()) return started.exit_code;
  const auto* first = json::member(started.doc, "job");
  if (!first || !first->IsObject()) return unexpectedAnswer(ctx, "no \"job\" object");
  std::string id = memberText(*first, "id");
  std::string path = args.all ? paths::adminHookJob(id) : paths::userHookJob(args.user, id);
  ctx.err << "started hook " << args.action << " job " << cellText(id)
          << " (it goes on in triggerd if triggerctl stops)\n";
  std::string last_line;
  while (true) {
    auto answer = callApi(ctx, "GET", path);
    if (!answer.ok()) return answer.exit_code;
    const auto* j = json::member(answer.doc, "job");
    if (!j || !j->IsObject()) return unexpectedAnswer(ctx, "no \"job\" object");
    std::string line = jobProgressLine(*j);
    if (line != last_line) ctx.err << line << "\n";
    last_line = line;
    if (memberText(*j, "state") != "done") {
      std::this_thread::sleep_for(args.poll_interval);
      continue;
    }
    int failed = static_cast<int>(json::getInt(*j, "failed").value_or(0));
    int problems = static_cast<int>(json::getInt(*j, "problems").value_or(0));
    int rc = failed + problems > 0 ? kExitApiError : kExitOk;
    if (printJsonIfAsked(ctx, answer.response.body)) return rc;
    ctx.out << line << "\n";
    const auto* items = json::member(*j, "items");
    if (items && items->IsArray() && !items->Empty()) {
      Table table({"trigger", "user", "repository", "outcome", "detail"});
      for (const auto& i : items->GetArray()) {
        table.addRow({memberText(i, "trigger"), memberText(i, "user"), memberText(i, "repository"),
                      memberText(i, "outcome"), memberText(i, "detail")});
      }
      ctx.out << "\n" << table.render();
    }
    return rc;
  }
}

}  // namespace

Status checkHooksArgs(const HooksArgs& args) {
  if (args.all && (!args.user.empty() || !args.id.empty()))
    return Error::badRequest("--all", "--all covers every trigger: give no USER or ID with it");
  if (!args.all && args.user.empty())
    return Error::badRequest("USER", "give USER [ID], or --all for every user's triggers");
  if (args.rotate_secret && (args.action != "repair" || args.id.empty())) {
    return Error::badRequest("--rotate-secret",
                             "--rotate-secret goes with `hooks repair USER ID` (one trigger)");
  }
  return okStatus();
}

std::string jobProgressLine(const rapidjson::Value& j) {
  std::string total = memberText(j, "total");
  std::string line = memberText(j, "action") + ": " + memberText(j, "done") + " of " +
                     (total.empty() ? "?" : total) + " done";
  line += ": " + memberText(j, "ok") + " ok, " + memberText(j, "repaired") + " repaired, " +
          memberText(j, "problems") + " with problems, " + memberText(j, "failed") + " failed, " +
          memberText(j, "skipped") + " skipped";
  std::string redelivered = memberText(j, "redelivered");
  if (!redelivered.empty() && redelivered != "0") line += "; " + redelivered + " redelivered";
  return line;
}

std::string describeHookReport(const rapidjson::Value& r) {
  std::string out = renderFields({
      {"  outcome", memberText(r, "outcome")},
      {"  hook", memberTextOr(r, "hook_id", "none")},
      {"  active", memberText(r, "active")},
      {"  was disabled", memberTextOr(r, "was_disabled", "no")},
      {"  failed deliveries", memberText(r, "failed_deliveries")},
      {"  redelivered", memberText(r, "redelivered")},
  });
  listLines(out, "Done:", json::member(r, "actions"));
  listLines(out, "Found wrong:", json::member(r, "problems"));
  listLines(out, "Pushed but never built:", json::member(r, "missed_pushes"));
  return out;
}

int hooksRun(const Context& ctx, const HooksArgs& args) {
  if (auto st = checkHooksArgs(args); !st.ok()) return usageError(ctx, st.error());
  return args.id.empty() ? job(ctx, args) : oneTrigger(ctx, args);
}

}  // namespace triggerd::cli
