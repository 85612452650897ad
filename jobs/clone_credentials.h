// Clone credentials for runners (POST /api/v1/runner/jobs/{id}/credentials): issued only while
// the job is running, for its current attempt, for the job's repository, through the job's
// user's bound source. GitHub: the bound token itself (GitHub offers nothing smaller to an OAuth
// or personal token). GitLab: a project deploy token with read_repository only, expiring after
// runners.credentials_ttl, recorded on the job and deleted when the attempt ends (result,
// reclaim or dead letter). Provider tokens never enter the queue or a runner's configuration.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "credentials/source_store.h"
#include "http/client.h"
#include "providers/provider_settings.h"
#include "queue/job_events.h"
#include "queue/job_records.h"
#include "redis/tracked_redis.h"

namespace triggerd {

struct CloneCredentialOptions {
  std::chrono::seconds ttl{900};
  ProviderClientSettings client;
};

// What a runner asks for: the job, and optionally who it is and which attempt it runs, so a
// runner whose job was taken back gets a 409 instead of credentials.
struct CredentialRequest {
  std::string job_id;
  std::string runner;  // empty: not checked
  int attempt = 0;     // 0: not checked
};

class CloneCredentials {
 public:
  CloneCredentials(RedisClient& redis, JobRecords& records, SourceStore& sources, HttpClient& http,
                   const Clock& clock, Metrics& metrics, CloneCredentialOptions options);
  ~CloneCredentials();
  CloneCredentials(const CloneCredentials&) = delete;
  CloneCredentials& operator=(const CloneCredentials&) = delete;

  void setOptions(CloneCredentialOptions options) { options_ = std::move(options); }

  // 404 for an unknown job, 409 when it is not running (or runs elsewhere, another attempt),
  // the job's user has no bound source, or the job moved on while the credential was made.
  void issue(const CredentialRequest& request, std::function<void(Result<CloneCredential>)> cb);
  // Revokes the credential an ended attempt released (JobEvent::released_credential).
  void onJobEvent(const JobEvent& event);

 private:
  class IssueFlow;

  TrackedRedis redis_;
  JobRecords& records_;
  SourceStore& sources_;
  HttpClient& http_;
  const Clock& clock_;
  Metrics& metrics_;
  CloneCredentialOptions options_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace triggerd
