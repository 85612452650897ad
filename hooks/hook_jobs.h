// HookJobs: hook work over many triggers at once (every trigger, or one user's), with at most
// hooks.max_concurrency triggers in flight, and progress anyone can read while it runs:
// `triggerctl hooks repair --all` polls it. Provider calls go through the ProviderThrottle, so a
// run of 1,000 repositories waits out rate limits instead of failing, and never holds up the
// loop: webhooks keep being answered meanwhile.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/random.h"
#include "hooks/hook_service.h"
#include "triggers/trigger_store.h"

namespace triggerd {

struct HookJobItem {
  std::string trigger;
  std::string user;
  std::string provider;
  std::string repository;
  std::string outcome;  // ok, repaired, problems, failed, skipped
  std::string detail;   // what was done or found, or why it failed or was skipped
};

struct HookJob {
  std::string id;
  std::string action;  // check, repair
  std::string scope;   // "all" or the user id
  bool running = true;
  int total = -1;  // -1 while the triggers are being listed
  int done = 0;
  int ok = 0, repaired = 0, problems = 0, failed = 0, skipped = 0;
  int redelivered = 0;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  std::vector<HookJobItem> items;  // repaired, with problems or failed, in completion order
};

// {"id", "action", "scope", "state": "running"|"done", "total", "done", "ok", "repaired",
//  "problems", "failed", "skipped", "redelivered", "started_at", "finished_at", "items": [...]}
void writeHookJob(json::Writer& w, const HookJob& job);

class HookJobs {
 public:
  HookJobs(HookService& service, TriggerStore& triggers, const Clock& clock, Random& rng,
           int max_concurrency);
  void setMaxConcurrency(int n) { max_concurrency_ = n < 1 ? 1 : n; }

  // Starts `mode` (check or repair) over every trigger with an installed hook, or `user`'s
  // only; the job as it starts. `finished` runs once it is done.
  HookJob start(HookMode mode, const std::string& user,
                std::function<void(const HookJob&)> finished = {});
  // A job of the last ones run (the 20 latest are kept).
  std::optional<HookJob> find(const std::string& id) const;
  bool anyRunning() const;

 private:
  struct Run;
  void pump(const std::shared_ptr<Run>& run);
  void one(const std::shared_ptr<Run>& run, const std::string& trigger_id);
  void record(const std::shared_ptr<Run>& run, HookJobItem item);

  HookService& service_;
  TriggerStore& triggers_;
  const Clock& clock_;
  Random& rng_;
  int max_concurrency_;
  std::map<std::string, std::shared_ptr<Run>> runs_;  // by id; ULIDs sort by start
};

}  // namespace triggerd
