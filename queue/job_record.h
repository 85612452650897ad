// A job's record (keys.h job:<id>, a hash): its state and what the API, the commit statuses and
// the clone credentials need once the stream entry is gone. Pure: parsing, the fields the
// enqueue writes, the API view. docs/redis-layout.md lists every field.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.h"
#include "model/provider.h"
#include "queue/job.h"

namespace triggerd {

// queued -> running -> success | failure | canceled; superseded (a newer push came before any
// runner started it); dead (max_attempts deliveries without a result).
enum class JobState { kQueued, kRunning, kSuccess, kFailure, kCanceled, kSuperseded, kDead };

const char* jobStateName(JobState s);
std::optional<JobState> parseJobState(std::string_view name);
// No state follows a final one.
bool isFinal(JobState s);

struct JobRecord {
  std::string id;
  JobState state = JobState::kQueued;
  std::string trigger_id;
  std::string user;
  Provider provider = Provider::kGithub;
  // The repository as the provider's API names it: GitHub owner/name, GitLab the project id.
  std::string repo;
  std::string ref;  // refs/heads/main
  std::string sha;
  std::string image;
  std::vector<std::string> tags;
  std::string event = "push";  // push | manual
  std::string delivery_id;     // empty for manual runs
  std::string requested_by;    // manual runs: who asked
  int attempt = 1;             // the current delivery to runners, from 1
  int attempt_base = 0;        // deliveries before the last dead-letter retry
  std::string stream_id;       // the current entry in the job stream (queued, running)
  std::string dead_id;         // the entry in the dead-letter stream (dead)
  std::string runner;          // the consumer that started the current attempt
  std::string error;           // a failure's message, or why an attempt was taken back
  std::string credential_id;   // a clone credential issued for the current attempt (GitLab)
  int64_t created_at = 0;      // unix seconds
  int64_t started_at = 0;      // 0: not started
  int64_t finished_at = 0;     // 0: not finished

  // "main" from refs/heads/main, "v1" from refs/tags/v1.
  std::string refName() const;
};

// Builds a record from HGETALL's field/value list; nullopt when it has no state (gone).
std::optional<JobRecord> parseJobRecord(std::string_view id, const std::vector<std::string>& flat);

// The repository as the provider's API names it (GitHub owner/name; GitLab the project id, or
// its path when the id is unknown).
std::string apiRepository(Provider provider, const RepositoryInfo& repository);

// The fields of a new job's record the enqueue takes from the job, in this order. The enqueue
// script gets the names once per call and each job's values by position, so a delivery's
// arguments carry no field names; it adds state, created_at and stream_id itself.
inline constexpr std::array<const char*, 12> kNewRecordFieldNames = {
    "trigger", "user", "provider", "repo",  "ref",      "sha",
    "image",   "tags", "attempt",  "event", "delivery", "by"};
// The values of kNewRecordFieldNames for a job; "" for a field left out (empty, or the default
// "push" event), which the script does not write.
std::array<std::string, kNewRecordFieldNames.size()> newRecordValues(const Job& job,
                                                                     std::string_view requested_by);
// Every field of a new job's record (state queued, the values above, created_at; no stream id:
// the script adds it), as HSET name/value pairs.
std::vector<std::pair<std::string, std::string>> newRecordFields(const Job& job,
                                                                 std::string_view requested_by,
                                                                 int64_t now_unix);
// The record a new job has, for commit statuses posted right after the enqueue.
JobRecord recordOfJob(const Job& job, std::string_view requested_by, int64_t now_unix);

// The API view: {id, trigger_id, user, provider, repository, event, ref, sha, image, tags, state,
// attempt, runner, delivery_id, requested_by, error, created_at, started_at, finished_at}, times
// as RFC 3339 (null until they happen).
void writeJobPublic(json::Writer& w, const JobRecord& r);

}  // namespace triggerd
