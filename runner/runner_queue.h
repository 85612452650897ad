// The runner's side of the job stream protocol (docs/runner.md, "The protocol"): claiming
// entries, the start script, keep-alives, log chunks and the finish script. Every key comes from
// redis/keys.h; every script is compiled in and sent with EVALSHA (EVAL once on NOSCRIPT).
// docs/runner.md shows the scripts.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "loop/event_loop.h"
#include "redis/keys.h"
#include "redis/redis_client.h"

namespace triggerd {

struct RunnerScript;  // a compiled-in Lua script (runner_queue.cpp)

// One entry read from the job stream.
struct ClaimedEntry {
  std::string entry_id;  // the stream entry id: what XACK, XCLAIM and XDEL take
  std::string job_id;    // the entry's `id` field
  std::string job_json;  // the entry's `job` field
};

// What the start script found on the job record.
enum class StartOutcome {
  kRunning,     // the record now says running, and `running` is on the status stream
  kSuperseded,  // a newer push came first: report canceled ("superseded")
  kCanceled,    // canceled before it started: report canceled
  kMissing,     // no record (expired or deleted): report canceled, nothing to build for
  kMoved,       // taken back and queued as another attempt: acknowledge, report nothing
  kEnded,       // the job already ended: acknowledge, report nothing
};

// A state report on the status stream.
struct StatusReport {
  std::string job_id;
  std::string state;  // running | success | failure | canceled; empty: acknowledge only
  int attempt = 1;
  std::string message;  // optional; at most kMaxMessageBytes
  std::string at;       // RFC 3339
};

class RunnerQueue {
 public:
  static constexpr size_t kMaxMessageBytes = 1024;
  static constexpr int64_t kBlockMillis = 5000;  // XREADGROUP ... BLOCK

  // `redis` serves every short command; `blocking` only the XREADGROUP (it blocks its
  // connection, so its command timeout must exceed kBlockMillis). `consumer` is the runner's
  // name; `log_ttl_seconds` the log stream's lifetime, `log_max_entries` its MAXLEN ~.
  RunnerQueue(EventLoop& loop, RedisClient& redis, RedisClient& blocking, Keys keys,
              std::string consumer, int64_t log_ttl_seconds, int64_t log_max_entries);
  // Cancels what is in flight: no callback given to this object runs afterwards.
  ~RunnerQueue();
  RunnerQueue(const RunnerQueue&) = delete;
  RunnerQueue& operator=(const RunnerQueue&) = delete;

  // XREADGROUP GROUP runners <consumer> COUNT 1 BLOCK 5000 STREAMS <jobs> >: nullopt when the
  // block time passed without work (or unblock() cut it short). Error kind kConflict when the
  // consumer group does not exist (create it and claim again).
  void claim(std::function<void(Result<std::optional<ClaimedEntry>>)> cb);
  // Ends a claim() in progress early (CLIENT UNBLOCK on the other connection), for a drain:
  // asked again until the claim answers, since the unblock may reach Redis before the
  // XREADGROUP blocks. Without the blocking connection's id (CLIENT refused) the claim runs out
  // its block time.
  void unblock();

  // The start script on the job record: superseded or canceled jobs are not started; otherwise
  // the record becomes running (runner, attempt, started_at) and `running` is reported.
  void start(const std::string& job_id, int attempt, const std::string& now,
             std::function<void(Result<StartOutcome>)> cb);
  // XCLAIM <jobs> runners <consumer> 0 <entry> JUSTID if the entry is still pending for this
  // consumer: resets its idle time. false when it is not ours any more (reclaimed, deleted).
  void keepAlive(const std::string& entry_id, std::function<void(Result<bool>)> cb);
  // Appends one chunk to the job's log stream (MAXLEN ~, TTL refreshed).
  void appendLog(const std::string& job_id, const std::string& chunk,
                 std::function<void(Status)> cb);
  // Reports the final state, then XACK + XDEL the entry, atomically; the ack and delete happen
  // only while the entry is still pending for this consumer. true when they did.
  void finish(const std::string& entry_id, const StatusReport& report,
              std::function<void(Result<bool>)> cb);

  const Keys& keys() const { return keys_; }
  const std::string& consumer() const { return consumer_; }

 private:
  void send(RedisClient& client, std::vector<std::string> argv, RedisCallback cb);
  void runScript(const RunnerScript& script, std::vector<std::string> keys_and_args,
                 size_t num_keys, RedisCallback cb);
  void sendUnblock();

  RedisClient& redis_;
  RedisClient& blocking_;
  Keys keys_;
  std::string consumer_;
  int64_t log_ttl_seconds_;
  int64_t log_max_entries_;
  int64_t blocking_client_id_ = -1;  // CLIENT ID of the connection the last claim went out on
  bool claim_in_flight_ = false;
  bool unblock_wanted_ = false;  // unblock() was called during the claim in flight
  std::unique_ptr<Timer> unblock_retry_;
  std::unordered_set<RedisRequestId> in_flight_;           // on redis_
  std::unordered_set<RedisRequestId> in_flight_blocking_;  // on blocking_
};

// Cuts a failure message to at most `max` bytes, keeping its end (the last lines of output
// matter most) and whole UTF-8 characters.
std::string lastBytes(std::string_view text, size_t max);

}  // namespace triggerd
