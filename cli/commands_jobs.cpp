#include "cli/commands_jobs.h"

#include <chrono>
#include <thread>

#include "cli/api_paths.h"
#include "cli/json_text.h"
#include "cli/table.h"
#include "common/encoding.h"
#include "common/json.h"
#include "common/json_fields.h"

namespace triggerd::cli {
namespace {

std::string shortSha(const rapidjson::Value& job) {
  return memberText(job, "sha").substr(0, 12);
}

const Listing kJobs{
    "jobs",
    {"id", "state", "event", "ref", "sha", "tags", "attempt", "created", "finished"},
    [](const rapidjson::Value& j) -> std::vector<std::string> {
      return {memberText(j, "id"),
              memberText(j, "state"),
              memberText(j, "event"),
              memberText(j, "ref"),
              shortSha(j),
              memberText(j, "tags"),
              memberText(j, "attempt"),
              memberTimeOr(j, "created_at"),
              memberTimeOr(j, "finished_at", "-")};
    }};

bool finalState(const std::string& state) {
  return state != "queued" && state != "running";
}

}  // namespace

std::string printableLog(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 && c != '\n' && c != '\t') || u == 0x7f ? '?' : c;
  }
  return out;
}

std::string describeJob(const rapidjson::Value& job) {
  return renderFields({
      {"id", memberText(job, "id")},
      {"user", memberText(job, "user")},
      {"trigger", memberText(job, "trigger_id")},
      {"provider", memberText(job, "provider")},
      {"repository", memberText(job, "repository")},
      {"event", memberText(job, "event")},
      {"ref", memberText(job, "ref")},
      {"sha", memberText(job, "sha")},
      {"image", memberText(job, "image")},
      {"tags", memberText(job, "tags")},
      {"state", memberText(job, "state")},
      {"attempt", memberText(job, "attempt")},
      {"runner", memberTextOr(job, "runner", "-")},
      {"delivery", memberTextOr(job, "delivery_id", "-")},
      {"requested by", memberTextOr(job, "requested_by", "-")},
      {"error", memberTextOr(job, "error", "-")},
      {"created", memberTimeOr(job, "created_at", "-")},
      {"started", memberTimeOr(job, "started_at", "-")},
      {"finished", memberTimeOr(job, "finished_at", "-")},
  });
}

int triggersRun(const Context& ctx, const RunArgs& args) {
  for (char c : args.idempotency_key) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
      return usageError(
          ctx, Error::badRequest("--idempotency-key", "printable characters without spaces only"));
  }
  std::string body = json::build([&](json::Writer& w) {
    w.StartObject();
    json::kv(w, "ref", args.ref);
    if (!args.sha.empty()) json::kv(w, "sha", args.sha);
    w.EndObject();
  });
  std::vector<std::pair<std::string, std::string>> headers;
  if (!args.idempotency_key.empty()) headers.emplace_back("Idempotency-Key", args.idempotency_key);
  auto answer = callApi(ctx, "POST", paths::triggerRun(args.user, args.id), body, true, headers);
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  const auto* jobs = json::member(answer.doc, "jobs");
  if (!jobs || !jobs->IsArray()) return unexpectedAnswer(ctx, "no \"jobs\" array");
  if (json::getBool(answer.doc, "duplicate").value_or(false)) {
    ctx.out << "Already run with this idempotency key; its jobs:\n";
  } else {
    ctx.out << "Queued " << jobs->Size() << (jobs->Size() == 1 ? " job" : " jobs") << " for "
            << cellText(memberText(answer.doc, "ref")) << " at "
            << cellText(memberText(answer.doc, "sha")) << ":\n";
  }
  for (const auto& id : jobs->GetArray())
    if (id.IsString()) ctx.out << "  " << cellText(id.GetString()) << "\n";
  ctx.out << "Follow them with: triggerctl jobs show " << cellText(args.user) << " <job id>\n";
  return kExitOk;
}

int triggersHistory(const Context& ctx, const std::string& user, const std::string& id,
                    const PageChoice& page) {
  return listPaged(ctx, paths::triggerJobs(user, id), page, kJobs);
}

int jobsList(const Context& ctx, const std::string& user, const PageChoice& page) {
  return listPaged(ctx, paths::jobs(user), page, kJobs);
}

int jobsShow(const Context& ctx, const std::string& user, const std::string& id) {
  auto answer = callApi(ctx, "GET", paths::job(user, id));
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  const auto* job = json::member(answer.doc, "job");
  if (!job || !job->IsObject()) return unexpectedAnswer(ctx, "no \"job\" object");
  ctx.out << describeJob(*job);
  return kExitOk;
}

int jobsLog(const Context& ctx, const std::string& user, const std::string& id, bool follow) {
  std::string after;
  while (true) {
    std::string path = paths::jobLog(user, id);
    if (!after.empty()) path += "?after=" + urlEncode(after);
    auto answer = callApi(ctx, "GET", path);
    if (!answer.ok()) return answer.exit_code;
    if (!follow && printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
    const auto* entries = json::member(answer.doc, "entries");
    if (!entries || !entries->IsArray()) return unexpectedAnswer(ctx, "no \"entries\" array");
    for (const auto& e : entries->GetArray()) {
      std::string chunk = memberText(e, "chunk");
      ctx.out << (ctx.output.json ? chunk : printableLog(chunk));
    }
    ctx.out.flush();
    std::string next = memberText(answer.doc, "next");
    bool more = !entries->Empty();
    after = next;
    if (more) continue;  // a full page: there may be more already
    if (!follow || finalState(memberText(answer.doc, "state"))) return kExitOk;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace triggerd::cli
