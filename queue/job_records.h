// Reading job records (keys.h job:<id>), the per-user and per-trigger job lists and a job's
// build log, for the admin API, the commit statuses and the clone credentials. Records that
// expired are skipped where lists still name them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "queue/job_record.h"
#include "redis/keys.h"
#include "redis/tracked_redis.h"

namespace triggerd {

class JobRecords {
 public:
  JobRecords(RedisClient& redis, Keys keys) : redis_(redis), keys_(std::move(keys)) {}

  void get(const std::string& id, std::function<void(Result<std::optional<JobRecord>>)> cb);
  // The records of `ids` that still exist, in the order given.
  void getMany(std::vector<std::string> ids,
               std::function<void(Result<std::vector<JobRecord>>)> cb);

  // One page of a list of job ids, newest first.
  struct Page {
    std::vector<JobRecord> jobs;
    bool more = false;  // the list holds more ids after this page
  };
  void userJobs(const std::string& user, int64_t offset, int64_t count,
                std::function<void(Result<Page>)> cb);
  void triggerJobs(const std::string& trigger_id, int64_t offset, int64_t count,
                   std::function<void(Result<Page>)> cb);

  // Build output appended by the runner, oldest first, after stream entry `after` ("" for the
  // beginning), at most `count` chunks.
  struct LogChunk {
    std::string id;  // stream entry id: pass it back as `after` for the next chunks
    std::string text;
  };
  void log(const std::string& id, const std::string& after, int64_t count,
           std::function<void(Result<std::vector<LogChunk>>)> cb);

  const Keys& keys() const { return keys_; }

 private:
  void listPage(const std::string& list_key, int64_t offset, int64_t count,
                std::function<void(Result<Page>)> cb);

  TrackedRedis redis_;
  Keys keys_;
};

// The strings of a flat Redis array reply (HGETALL, a stream entry's fields).
std::vector<std::string> flatStrings(const RedisValue& v);

}  // namespace triggerd
