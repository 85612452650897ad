// Jobs and the queue in the admin API, free of HTTP plumbing: a user's jobs, one job and its
// build log (GET /api/v1/users/{user}/jobs...), and the operator's view of the queue (counts,
// the dead-letter stream, retries, purges under /api/v1/admin/queue).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "handlers/api_reply.h"
#include "queue/dead_letters.h"
#include "queue/job_records.h"

namespace triggerd {

class JobsApi {
 public:
  JobsApi(JobRecords& records, DeadLetters& dead);
  ~JobsApi();

  void list(const std::string& user, int64_t page, int64_t per_page, ApiDone done);
  // 404 for a job of another user, as for one that does not exist.
  void show(const std::string& user, const std::string& id, ApiDone done);
  // {"job", "state", "entries": [{"id", "chunk"}], "next"}: chunks after `after`.
  void log(const std::string& user, const std::string& id, const std::string& after, int64_t count,
           ApiDone done);

  void queueStats(ApiDone done);
  void deadList(int64_t count, const std::string& before, ApiDone done);
  void deadRetry(const std::string& job_id, ApiDone done);
  // Body {"older_than": "24h"} | {"job": "<id>"} | {} (everything).
  void deadPurge(std::string_view body, ApiDone done);

 private:
  void load(const std::string& user, const std::string& id,
            std::function<void(Result<JobRecord>)> cb);

  JobRecords& records_;
  DeadLetters& dead_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Job ids are ULIDs like trigger ids: anything else is a 404 without I/O.
bool looksLikeJobId(std::string_view id);
// "90s", "15m", "36h", "7d" as seconds; nullopt otherwise.
std::optional<int64_t> parseShortDuration(std::string_view text);

}  // namespace triggerd
