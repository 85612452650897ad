// Posts commit statuses for job events through the ProviderClient of the job's user's bound
// source, off the ingest path: post() only queues. At most `concurrency` requests run at once;
// a failed post is retried with exponential back-off (provider down, rate limited), and given up
// after max_attempts or at once when the provider refuses it (token revoked, no access). Per
// job, states are posted in order and a newer state replaces an older one still waiting, so a
// status never goes back. Failures are logged and counted, never surfaced: statuses are
// informative. What is still waiting when triggerd stops is lost.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "credentials/source_store.h"
#include "http/client.h"
#include "loop/event_loop.h"
#include "model/provider.h"
#include "providers/provider_settings.h"
#include "queue/job_events.h"

namespace triggerd {

struct StatusPosterOptions {
  bool enabled = true;
  std::string target_url;  // template: {job}, {user}, {trigger}; empty: none
  int max_attempts = 6;
  std::chrono::milliseconds first_retry{2000};
  std::chrono::milliseconds max_retry{300000};
  size_t max_pending = 10000;  // jobs with a status waiting; more are dropped (and counted)
  size_t concurrency = 4;
  // After a lookup finds no account bound for a (user, provider), that pair's jobs are skipped
  // without a lookup for this long: a busy hand-made hook costs neither a Redis read per job
  // state nor a place in the queue. Binding an account takes effect at most this late.
  std::chrono::milliseconds unbound_recheck{5000};
  ProviderClientSettings client;
};

class CommitStatusPoster {
 public:
  CommitStatusPoster(EventLoop& loop, SourceStore& sources, HttpClient& http, const Clock& clock,
                     Metrics& metrics, StatusPosterOptions options);
  ~CommitStatusPoster();
  CommitStatusPoster(const CommitStatusPoster&) = delete;
  CommitStatusPoster& operator=(const CommitStatusPoster&) = delete;

  void setOptions(StatusPosterOptions options) { options_ = std::move(options); }
  // Queues the status of `event`'s new state.
  void post(const JobEvent& event);
  // Jobs with a status posting or waiting.
  size_t pending() const { return slots_.size(); }

 private:
  struct Slot {
    JobEvent event;
    int attempt = 0;
    bool in_flight = false;
    bool ready = false;            // in ready_
    std::optional<JobEvent> next;  // a newer state that came while `event` was in flight
    std::unique_ptr<Timer> retry;
  };

  void pump();
  void send(const std::string& job_id);
  void sent(const std::string& job_id, const Status& outcome);
  void unbound(const std::string& job_id);
  static std::string accountKey(const JobRecord& r);
  bool knownUnbound(const JobRecord& r);
  void next(const std::string& job_id, Slot& slot);
  // What became of one status (the outcome label of triggerd_commit_statuses_total).
  enum class Outcome { kPosted, kFailed, kRetried, kSkipped, kDropped, kCount };
  void count(const JobRecord& r, Outcome outcome);

  EventLoop& loop_;
  SourceStore& sources_;
  HttpClient& http_;
  const Clock& clock_;
  Metrics& metrics_;
  // [provider][outcome]: made once, so counting builds no labels.
  std::array<std::array<Metrics::Counter, static_cast<size_t>(Outcome::kCount)>,
             kAllProviders.size()>
      counters_;
  StatusPosterOptions options_;
  std::map<std::string, Slot> slots_;
  std::deque<std::string> ready_;
  // (user, provider) pairs found without a bound account, until when to trust that.
  std::map<std::string, std::chrono::steady_clock::time_point> unbound_until_;
  size_t in_flight_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace triggerd
