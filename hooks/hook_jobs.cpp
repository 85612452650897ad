#include "hooks/hook_jobs.h"

#include "common/log.h"
#include "hooks/hook_spec.h"

namespace triggerd {
namespace {

constexpr size_t kKeptJobs = 20;

std::string rfc3339(int64_t unix_seconds) {
  return formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

std::string detailOf(const HookReport& r) {
  if (r.error) return r.error->message;
  std::string out = joinSentences(r.problems);
  std::string actions = joinSentences(r.actions);
  if (!actions.empty()) out += (out.empty() ? "" : " | done: ") + actions;
  return out;
}

}  // namespace

struct HookJobs::Run {
  HookJob job;
  HookMode mode = HookMode::kCheck;
  std::deque<std::string> queue;
  int in_flight = 0;
  std::function<void(const HookJob&)> finished;
};

void writeHookJob(json::Writer& w, const HookJob& job) {
  w.StartObject();
  json::kv(w, "id", job.id);
  json::kv(w, "action", job.action);
  json::kv(w, "scope", job.scope);
  json::kv(w, "state", job.running ? "running" : "done");
  json::key(w, "total");
  if (job.total < 0)
    w.Null();
  else
    w.Int(job.total);
  for (auto [name, n] :
       {std::pair{"done", job.done}, std::pair{"ok", job.ok}, std::pair{"repaired", job.repaired},
        std::pair{"problems", job.problems}, std::pair{"failed", job.failed},
        std::pair{"skipped", job.skipped}, std::pair{"redelivered", job.redelivered}}) {
    json::key(w, name);
    w.Int(n);
  }
  json::kv(w, "started_at", rfc3339(job.started_at));
  json::key(w, "finished_at");
  if (job.running)
    w.Null();
  else
    json::str(w, rfc3339(job.finished_at));
  json::key(w, "items");
  w.StartArray();
  for (const auto& i : job.items) {
    w.StartObject();
    json::kv(w, "trigger", i.trigger);
    json::kv(w, "user", i.user);
    json::kv(w, "provider", i.provider);
    json::kv(w, "repository", i.repository);
    json::kv(w, "outcome", i.outcome);
    json::kv(w, "detail", i.detail);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

HookJobs::HookJobs(HookService& service, TriggerStore& triggers, const Clock& clock, Random& rng,
                   int max_concurrency)
    : service_(service),
      triggers_(triggers),
      clock_(clock),
      rng_(rng),
      max_concurrency_(max_concurrency < 1 ? 1 : max_concurrency) {}

HookJob HookJobs::start(HookMode mode, const std::string& user,
                        std::function<void(const HookJob&)> finished) {
  auto run = std::make_shared<Run>();
  run->mode = mode;
  run->finished = std::move(finished);
  run->job.id = newUlid(rng_, clock_.unixMillis());
  run->job.action = hookModeName(mode);
  run->job.scope = user.empty() ? "all" : user;
  run->job.started_at = clock_.unixSeconds();
  runs_[run->job.id] = run;
  while (runs_.size() > kKeptJobs) {
    auto oldest = std::find_if(runs_.begin(), runs_.end(),
                               [](const auto& r) { return !r.second->job.running; });
    if (oldest == runs_.end()) break;
    runs_.erase(oldest);
  }
  TLOG_INFO("hooks", "job=%s action=%s scope=%s started", run->job.id.c_str(),
            run->job.action.c_str(), run->job.scope.c_str());
  auto ids = [this, run](std::vector<std::string> list) {
    run->queue.assign(list.begin(), list.end());
    run->job.total = static_cast<int>(list.size());
    pump(run);
  };
  if (user.empty()) {
    triggers_.allIds([run, ids](Result<std::vector<std::string>> all) {
      if (!all.ok()) {
        run->job.items.push_back({"", "", "", "", "failed", all.error().message});
        ++run->job.failed;
        return ids({});
      }
      std::sort(all->begin(), all->end());
      ids(std::move(all).value());
    });
  } else {
    triggers_.list(user, [run, ids](Result<std::vector<Trigger>> mine) {
      std::vector<std::string> list;
      if (!mine.ok()) {
        run->job.items.push_back({"", "", "", "", "failed", mine.error().message});
        ++run->job.failed;
      } else {
        for (const auto& t : *mine) list.push_back(t.id);
      }
      ids(std::move(list));
    });
  }
  return run->job;
}

void HookJobs::pump(const std::shared_ptr<Run>& run) {
  while (run->in_flight < max_concurrency_ && !run->queue.empty()) {
    std::string id = run->queue.front();
    run->queue.pop_front();
    ++run->in_flight;
    one(run, id);
  }
  if (run->in_flight == 0 && run->queue.empty() && run->job.running) {
    run->job.running = false;
    run->job.finished_at = clock_.unixSeconds();
    TLOG_INFO("hooks",
              "job=%s action=%s total=%d ok=%d repaired=%d problems=%d failed=%d skipped=%d "
              "redelivered=%d done in %llds",
              run->job.id.c_str(), run->job.action.c_str(), run->job.total, run->job.ok,
              run->job.repaired, run->job.problems, run->job.failed, run->job.skipped,
              run->job.redelivered,
              static_cast<long long>(run->job.finished_at - run->job.started_at));
    if (run->finished) run->finished(run->job);
  }
}

void HookJobs::one(const std::shared_ptr<Run>& run, const std::string& trigger_id) {
  triggers_.get(trigger_id, [this, run, trigger_id](Result<std::optional<Trigger>> t) {
    if (!t.ok()) return record(run, {trigger_id, "", "", "", "failed", t.error().message});
    if (!t->has_value())
      return record(run, {trigger_id, "", "", "", "skipped", "deleted meanwhile"});
    const Trigger& trigger = **t;
    HookJobItem item{
        trigger.id,
        trigger.user,
        providerName(trigger.provider),
        trigger.repository_full_name.empty() ? trigger.repository_id : trigger.repository_full_name,
        "",
        ""};
    // Hand-made hooks cannot be seen by triggerd; disabled triggers keep their hook as it is.
    if (!trigger.install_hook) {
      item.outcome = "skipped";
      item.detail = "the hook was added by hand (install_hook false)";
      return record(run, std::move(item));
    }
    if (!trigger.enabled) {
      item.outcome = "skipped";
      item.detail = "the trigger is disabled";
      return record(run, std::move(item));
    }
    service_.run(
        trigger, run->mode,
        [this, run, item](HookReport report) mutable {
          item.outcome = hookOutcomeName(report.outcome);
          item.detail = detailOf(report);
          run->job.redelivered += report.redelivered;
          record(run, std::move(item));
        },
        HookService::Waiting::kBackground);
  });
}

void HookJobs::record(const std::shared_ptr<Run>& run, HookJobItem item) {
  HookJob& job = run->job;
  ++job.done;
  if (item.outcome == "ok") ++job.ok;
  if (item.outcome == "repaired") ++job.repaired;
  if (item.outcome == "problems") ++job.problems;
  if (item.outcome == "failed") ++job.failed;
  if (item.outcome == "skipped") ++job.skipped;
  if (item.outcome != "ok" && item.outcome != "skipped") job.items.push_back(std::move(item));
  --run->in_flight;
  pump(run);
}

std::optional<HookJob> HookJobs::find(const std::string& id) const {
  auto it = runs_.find(id);
  if (it == runs_.end()) return std::nullopt;
  return it->second->job;
}

bool HookJobs::anyRunning() const {
  return std::any_of(runs_.begin(), runs_.end(),
                     [](const auto& r) { return r.second->job.running; });
}

}  // namespace triggerd
