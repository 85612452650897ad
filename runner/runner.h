// The Runner owns the loop and every long-lived part of triggerd-runner: two Redis clients (one
// for the blocking claim; each one server or a Redis Cluster), the HTTP client for clone
// credentials, the child reaper and the jobs in hand. It claims while it has a free slot; on
// SIGTERM it stops claiming, lets the jobs in hand finish (or fails them once runner.stop_grace has
// passed) and exits 0.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "daemon/systemd_notify.h"
#include "http/curl_multi_client.h"
#include "http/router.h"
#include "http/server.h"
#include "loop/event_loop.h"
#include "queue/job_queue.h"
#include "redis/redis_backend.h"
#include "runner/child_process.h"
#include "runner/credentials_client.h"
#include "runner/job_run.h"
#include "runner/runner_config.h"
#include "runner/runner_queue.h"

namespace triggerd {

class Runner {
 public:
  struct Options {
    bool once = false;  // build one job, then exit
  };

  Runner(RunnerConfig config, Options options);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Runs until drained after SIGTERM/SIGINT (0), after one job with --once (0), or a fatal
  // start-up problem (1).
  int run();

 private:
  Status prepareWorkDir();
  Status openMetricsListener();
  void onRedisUp();
  void claimMore();
  void onClaim(Result<std::optional<ClaimedEntry>> claimed);
  void launch(ClaimedEntry entry, Job job);
  void onJobDone(JobRun& run, JobEnd end);
  void drain(const char* signal_name);
  void abortAll(const std::string& reason);
  void maybeExit();
  void updateStatus();
  static void onSignal(evutil_socket_t sig, short, void* arg) noexcept;

  RunnerConfig config_;
  Options options_;
  EventLoop loop_;
  Metrics metrics_;
  SystemClock clock_;
  Keys keys_;
  JobRunSettings settings_;
  std::unique_ptr<RedisBackend> redis_;
  std::unique_ptr<RedisBackend> blocking_;
  std::unique_ptr<CurlMultiClient> http_;
  std::unique_ptr<CredentialsClient> credentials_;
  std::unique_ptr<RunnerQueue> queue_;
  std::unique_ptr<JobQueue> group_;  // only for creating the consumer group
  std::unique_ptr<ChildReaper> reaper_;
  std::map<std::string, std::unique_ptr<JobRun>> runs_;  // by stream entry id
  Router metrics_router_;
  std::unique_ptr<HttpServer> metrics_server_;
  SystemdNotifier notifier_;
  EventPtr sigterm_, sigint_, sighup_;
  std::unique_ptr<Timer> claim_retry_;
  std::unique_ptr<Timer> watchdog_;
  std::unique_ptr<Timer> grace_timer_;
  std::unique_ptr<Timer> hard_deadline_;

  bool group_ready_ = false;
  bool claiming_ = false;
  bool draining_ = false;
  bool ready_notified_ = false;
  int claimed_ = 0;
  int finished_[3] = {0, 0, 0};  // by JobEnd
};

}  // namespace triggerd
