// Manual runs and build history (POST and GET /api/v1/users/{user}/triggers/{id}/run|jobs):
// resolve a branch or tag to its head commit through the user's bound source, apply the
// trigger's rules exactly as for a push (path filters aside: a manual run names no changed
// paths), and enqueue the jobs with event "manual". Free of HTTP plumbing.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "credentials/source_store.h"
#include "handlers/api_auth.h"
#include "handlers/api_reply.h"
#include "http/client.h"
#include "providers/provider_settings.h"
#include "queue/job_queue.h"
#include "queue/job_records.h"
#include "redis/tracked_redis.h"
#include "triggers/trigger_store.h"

namespace triggerd {

struct RunsOptions {
  int64_t rate_limit = 10;               // manual runs per trigger per window
  std::chrono::seconds rate_window{60};  // triggers.manual_run_window
  ProviderClientSettings client;
};

// What a caller sent with a run.
struct RunRequest {
  std::string user;
  std::string trigger_id;
  std::string body;             // {"ref": "...", "sha"?: "..."}
  std::string idempotency_key;  // the Idempotency-Key header; empty: none
  std::string requested_by;     // "admin", or the user of a user token
};

class RunsApi {
 public:
  RunsApi(TriggerStore& triggers, SourceStore& sources, JobQueue& queue, JobRecords& records,
          RedisClient& redis, HttpClient& http, const Clock& clock, Random& rng, Metrics& metrics,
          RunsOptions options);
  ~RunsApi();
  void setOptions(RunsOptions options) { options_ = std::move(options); }

  // 202 {"jobs": [ids], "ref", "sha"}; a repeated Idempotency-Key: 202 with the first run's ids
  // and "duplicate": true. 404 unknown trigger or ref, 409 disabled trigger, 422 no rule matches
  // (or a bad body), 429 over the rate limit, and the provider's errors as browsing has them.
  void run(RunRequest request, ApiDone done);
  // 200 {"jobs": [...], "next_page": "2" or null}, newest first.
  void history(const std::string& user, const std::string& trigger_id, int64_t page,
               int64_t per_page, ApiDone done);

 private:
  class RunFlow;
  void loadTrigger(const std::string& user, const std::string& id,
                   std::function<void(Result<Trigger>)> cb);

  TriggerStore& triggers_;
  SourceStore& sources_;
  JobQueue& queue_;
  JobRecords& records_;
  TrackedRedis redis_;
  HttpClient& http_;
  const Clock& clock_;
  Random& rng_;
  Metrics& metrics_;
  RunsOptions options_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The JSON of one page of jobs: {"jobs": [...], "next_page": "N" or null}.
ApiReply jobsPageReply(const JobRecords::Page& page, int64_t page_number);

}  // namespace triggerd
