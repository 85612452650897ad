// One claimed job from start to acknowledgement, as named steps on one state object:
//   begin -> (start script) -> check -> credentials (private repositories) -> checkout steps ->
//   build steps -> report (finish script: status, XACK, XDEL) -> cleanup steps -> done.
// A keep-alive runs from the start script to the report. abort() (drain grace passed, claim
// lost) stops the running process and reports failure with the reason.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "loop/event_loop.h"
#include "queue/job.h"
#include "runner/child_process.h"
#include "runner/credentials_client.h"
#include "runner/job_log.h"
#include "runner/job_plan.h"
#include "runner/runner_queue.h"

namespace triggerd {

struct JobRunSettings {
  PlanSettings plan;
  std::chrono::milliseconds build_timeout{3600000};
  std::chrono::milliseconds kill_grace{10000};
  std::chrono::milliseconds keepalive_interval{300000};
  size_t log_chunk_bytes = 16 * 1024;
  std::chrono::milliseconds log_flush_interval{1000};
};

// How a job ended, for the runner's counters and log.
enum class JobEnd { kSuccess, kFailure, kCanceled };
const char* jobEndName(JobEnd end);

class JobRun : public DeferredDeletable {
 public:
  struct Deps {
    EventLoop& loop;
    RunnerQueue& queue;
    ChildReaper& reaper;
    CredentialsClient& credentials;
    const Clock& clock;
    Metrics& metrics;
    const JobRunSettings& settings;
  };
  using DoneFn = std::function<void(JobRun& run, JobEnd end)>;

  // `done` runs once, from a loop callback, when the job is reported and cleaned up; the owner
  // then hands the run to EventLoop::deferredDelete.
  JobRun(Deps deps, ClaimedEntry entry, Job job, DoneFn done);
  ~JobRun() override;
  JobRun(const JobRun&) = delete;
  JobRun& operator=(const JobRun&) = delete;

  void begin();
  // Stops the job: the running process group is stopped and the job reported as failed with
  // `reason`. Steps not yet started do not start. Repeated calls keep the first reason.
  void abort(const std::string& reason);

  const Job& job() const { return job_; }
  const ClaimedEntry& entry() const { return entry_; }

 private:
  // Steps, in order.
  void onStarted(Result<StartOutcome> outcome);
  void check();
  void fetchCredentials();
  void onCredentials(Result<CloneCredentials> creds);
  void runStep();  // the next of checkout, then build
  void onStepDone(const std::string& label, ChildProcess::Outcome outcome,
                  std::chrono::steady_clock::time_point started);
  void finish(JobEnd end, std::string message);
  // The entry is not this attempt's to build: acknowledge and delete it, report nothing.
  void acknowledgeOnly(std::string reason);
  void report();
  void onReported(Result<bool> acked);
  void runCleanup();
  void done();

  void keepAlive();
  void retryIn(std::chrono::milliseconds delay, std::function<void()> fn);
  std::chrono::milliseconds remaining() const;
  std::string now() const;
  std::string describeCommand(const ProcessSpec& spec) const;

  Deps deps_;
  ClaimedEntry entry_;
  Job job_;
  DoneFn done_;
  JobPlan plan_;
  std::unique_ptr<JobLog> log_;
  std::vector<const ProcessSpec*> steps_;  // checkout then build, into plan_
  size_t next_step_ = 0;
  size_t next_cleanup_ = 0;
  std::optional<CloneCredentials> credentials_;  // in memory only, for the fetch step
  int credential_attempts_ = 0;
  std::unique_ptr<ChildProcess> child_;
  std::string abort_reason_;
  bool started_ = false;  // the start script made the record running
  bool reporting_ = false;
  bool silent_ = false;  // acknowledge the entry without a report (moved, ended)
  JobEnd end_ = JobEnd::kFailure;
  std::string message_;
  int report_attempts_ = 0;
  std::chrono::steady_clock::time_point deadline_;
  std::unique_ptr<Timer> keepalive_timer_;
  std::unique_ptr<Timer> retry_timer_;
  std::function<void()> retry_;  // what retry_timer_ runs
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace triggerd
