#include "runner/runner.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "common/log.h"
#include "config/config.h"
#include "http/request_context.h"
#include "redis/redis_setup.h"

namespace triggerd {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kClaimRetry{1000};
// After the grace period: time for the aborted jobs to stop, report and clean up.
constexpr milliseconds kHardDeadlineMargin{30000};

JobRunSettings jobRunSettings(const RunnerConfig& c) {
  JobRunSettings s;
  s.plan.work_dir = c.work_dir;
  for (const auto& text : c.commands) {
    if (auto t = CommandTemplate::parse(text); t.ok()) s.plan.commands.push_back(std::move(*t));
  }
  for (const auto& text : c.cleanup) {
    if (auto t = CommandTemplate::parse(text); t.ok()) s.plan.cleanup.push_back(std::move(*t));
  }
  for (const auto& name : c.pass_environment) {
    if (const char* v = std::getenv(name.c_str())) s.plan.base_env.emplace_back(name, v);
  }
  s.build_timeout = c.build_timeout;
  s.kill_grace = c.kill_grace;
  s.keepalive_interval = c.keepaliveInterval();
  s.log_chunk_bytes = c.log_chunk_bytes;
  s.log_flush_interval = c.log_flush_interval;
  return s;
}

// Leftover job directories of an earlier run of this runner are job ids: ULID-shaped names.
bool looksLikeJobDir(const std::string& name) {
  return name.size() == 26 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
         });
}

}  // namespace

Runner::Runner(RunnerConfig config, Options options)
    : config_(std::move(config)),
      options_(options),
      keys_(config_.key_prefix,
            config_.redis_cluster_nodes.empty() ? Keys::Tags::kNone : Keys::Tags::kCluster),
      settings_(jobRunSettings(config_)) {
  RedisSetup rs;
  rs.address = config_.redis_address;
  rs.cluster_nodes = config_.redis_cluster_nodes;
  rs.home_key = keys_.jobs();  // keyless commands go to the queue's primary
  rs.password = config_.redis_password;
  rs.connect_timeout = config_.redis_connect_timeout;
  rs.command_timeout = config_.redis_command_timeout;
  redis_ = makeRedisBackend(loop_, rs);
  // The claim blocks its connection for up to kBlockMillis: its own client, with a timeout
  // above that.
  RedisSetup bs = rs;
  bs.command_timeout = milliseconds(RunnerQueue::kBlockMillis) + config_.redis_command_timeout;
  blocking_ = makeRedisBackend(loop_, bs);

  CurlMultiClient::Options co;
  co.user_agent = "triggerd-runner/0.1";
  co.connect_timeout = config_.api_timeout;
  co.total_timeout = config_.api_timeout;
  co.max_response_bytes = 64 * 1024;
  // api.url is the operator's own triggerd, typically on loopback or a private network.
  if (auto guard = AddressGuard::fromStrings({"0.0.0.0/0", "::/0"}); guard.ok())
    co.address_guard = std::move(guard).value();
  http_ = std::make_unique<CurlMultiClient>(loop_, std::move(co));

  CredentialsClient::Options cc;
  cc.api_url = config_.api_url;
  cc.token = config_.api_token;
  if (!config_.api_ca_pem.empty()) cc.ca_pem = config_.api_ca_pem;
  cc.timeout = config_.api_timeout;
  cc.runner = config_.name;
  credentials_ = std::make_unique<CredentialsClient>(*http_, std::move(cc));

  queue_ =
      std::make_unique<RunnerQueue>(loop_, *redis_, *blocking_, keys_, config_.name,
                                    JobRetention().record_ttl_seconds, config_.log_max_entries);
  group_ = std::make_unique<JobQueue>(*redis_, keys_);
  reaper_ = std::make_unique<ChildReaper>(loop_);
  claim_retry_ = loop_.createTimer([this] { claimMore(); });

  metrics_.gaugeFn("triggerd_runner_jobs_running", [this] { return double(runs_.size()); });
  metrics_.gaugeFn("triggerd_redis_connected", [this] { return redis_->connected() ? 1.0 : 0.0; });
  const RedisBackend* rb = redis_.get();
  for (auto [kind, field] : {std::pair{"timeout", &RedisStats::command_timeouts},
                             std::pair{"disconnected", &RedisStats::failed_in_flight},
                             std::pair{"unavailable", &RedisStats::failed_unavailable},
                             std::pair{"reply", &RedisStats::error_replies},
                             std::pair{"connect_failed", &RedisStats::connect_failures},
                             std::pair{"auth_failed", &RedisStats::auth_failures}}) {
    metrics_.counterFn("triggerd_redis_errors_total", {{"kind", kind}},
                       [rb, field = field] { return rb->counters().*field; });
  }
}

Status Runner::openMetricsListener() {
  if (config_.metrics_listen.empty()) return okStatus();
  auto addr = parseListenAddress(config_.metrics_listen, "runner.metrics_listen");
  if (!addr.ok()) return addr.error();
  metrics_router_.addOrDie("GET", "/metrics", [this](const RequestPtr& r) {
    r->replyRaw(200, metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  metrics_router_.addOrDie("GET", "/healthz", [](const RequestPtr& r) {
    r->replyRaw(200, "ok\n", "text/plain; charset=utf-8");
  });
  HttpServer::Options o;
  o.name = "metrics";
  o.max_body_bytes = 1024;
  o.max_connections = 64;
  metrics_server_ = std::make_unique<HttpServer>(loop_, metrics_, o);
  metrics_server_->setRouter(metrics_router_);
  Status st = addr->unix_path.empty() ? metrics_server_->bindTcp(addr->host, addr->port)
                                      : metrics_server_->bindUnix(addr->unix_path);
  if (!st.ok())
    return Error::internal("runner.metrics_listen " + config_.metrics_listen + ": " +
                           st.error().message);
  TLOG_INFO("runner", "metrics=%s listening", config_.metrics_listen.c_str());
  return okStatus();
}

Runner::~Runner() {
  metrics_server_.reset();
  // Jobs first: their children are killed and their Redis requests cancelled while the
  // clients still exist.
  runs_.clear();
  queue_.reset();
}

Status Runner::prepareWorkDir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(config_.work_dir, ec);
  if (ec) return Error::internal("runner.work_dir " + config_.work_dir + ": " + ec.message());
  if (access(config_.work_dir.c_str(), W_OK | X_OK) != 0)
    return Error::internal("runner.work_dir " + config_.work_dir + " is not writable");
  // Before the loop runs: a crashed earlier run may have left job directories behind.
  for (const auto& e : fs::directory_iterator(config_.work_dir, ec)) {
    std::string name = e.path().filename().string();
    if (!looksLikeJobDir(name)) continue;
    std::error_code rm;
    fs::remove_all(e.path(), rm);
    TLOG_INFO("runner", "dir=%s removed a leftover job directory", e.path().c_str());
  }
  return okStatus();
}

void Runner::onRedisUp() {
  group_ready_ = false;
  group_->ensureConsumerGroup([this](Status st) {
    if (!st.ok()) {
      TLOG_ERROR("runner", "reason=%s cannot create the runners consumer group; retrying",
                 log::logValue(st.error().message, 300).c_str());
      claim_retry_->arm(kClaimRetry);
      return;
    }
    group_ready_ = true;
    if (!ready_notified_) {
      ready_notified_ = true;
      notifier_.ready("claiming jobs");
      TLOG_INFO("runner", "name=%s redis=%s concurrency=%d ready", config_.name.c_str(),
                redis_->describe().c_str(), config_.concurrency);
    }
    claimMore();
  });
}

void Runner::claimMore() {
  if (draining_ || claiming_ || !group_ready_) return;
  if (static_cast<int>(runs_.size()) >= config_.concurrency) return;
  if (options_.once && claimed_ > 0) return;
  if (!blocking_->connected()) return claim_retry_->arm(kClaimRetry);
  claiming_ = true;
  queue_->claim([this](Result<std::optional<ClaimedEntry>> r) { onClaim(std::move(r)); });
}

void Runner::onClaim(Result<std::optional<ClaimedEntry>> r) {
  claiming_ = false;
  if (!r.ok()) {
    if (r.error().is(Error::Kind::kConflict)) {
      TLOG_WARN("runner", "reason=no_group %s; creating it", r.error().message.c_str());
      group_ready_ = false;
      onRedisUp();
    } else {
      TLOG_WARN("runner", "reason=%s claim failed; retrying",
                log::logValue(r.error().message, 200).c_str());
      claim_retry_->arm(kClaimRetry);
    }
    return maybeExit();
  }
  if (!r->has_value()) {
    claimMore();
    return maybeExit();
  }
  ClaimedEntry entry = std::move(**r);
  auto job = decodeJob(entry.job_json);
  if (!job.ok() || job->id != entry.job_id) {
    // Left pending: a runner that knows the schema may take it, and triggerd's reclaim moves
    // what nobody can build to the dead-letter stream after queue.max_attempts.
    bool schema = !job.ok() && job.error().field == "schema";
    metrics_.inc("triggerd_runner_jobs_left_pending_total",
                 {{"reason", schema ? "unknown_schema" : "undecodable"}});
    TLOG_ERROR("runner", "entry=%s job=%s field=%s reason=%s job not built, left pending",
               entry.entry_id.c_str(), log::logValue(entry.job_id, 40).c_str(),
               job.ok() ? "id" : job.error().field.c_str(),
               schema     ? "unknown_schema"
               : job.ok() ? "id_mismatch"
                          : log::logValue(job.error().message, 200).c_str());
    claimMore();
    return;
  }
  ++claimed_;
  launch(std::move(entry), std::move(job).value());
  claimMore();
}

void Runner::launch(ClaimedEntry entry, Job job) {
  std::string entry_id = entry.entry_id;
  JobRun::Deps deps{loop_, *queue_, *reaper_, *credentials_, clock_, metrics_, settings_};
  auto run = std::make_unique<JobRun>(deps, std::move(entry), std::move(job),
                                      [this](JobRun& r, JobEnd end) { onJobDone(r, end); });
  JobRun& ref = *run;
  runs_[entry_id] = std::move(run);
  updateStatus();
  ref.begin();
  if (draining_ && grace_timer_ && !grace_timer_->armed()) ref.abort("runner stopped");
}

void Runner::onJobDone(JobRun& run, JobEnd end) {
  finished_[static_cast<int>(end)]++;
  metrics_.inc("triggerd_runner_jobs_total", {{"outcome", jobEndName(end)}});
  auto it = runs_.find(run.entry().entry_id);
  if (it != runs_.end()) {
    loop_.deferredDelete(std::move(it->second));
    runs_.erase(it);
  }
  updateStatus();
  claimMore();
  maybeExit();
}

void Runner::updateStatus() {
  notifier_.status(std::to_string(runs_.size()) + "/" + std::to_string(config_.concurrency) +
                   " jobs running; finished: " + std::to_string(finished_[0]) + " success, " +
                   std::to_string(finished_[1]) + " failure, " + std::to_string(finished_[2]) +
                   " canceled" + (draining_ ? "; draining" : ""));
}

void Runner::maybeExit() {
  bool once_done = options_.once && claimed_ > 0;
  if (!(draining_ || once_done) || !runs_.empty() || claiming_) return;
  TLOG_INFO("runner", "claimed=%d no job in hand; exiting", claimed_);
  loop_.stop();
}

void Runner::drain(const char* signal_name) {
  if (draining_) {
    TLOG_WARN("runner", "signal=%s second stop signal: failing the jobs in hand now", signal_name);
    abortAll(std::string("runner stopped (") + signal_name + ")");
    return;
  }
  draining_ = true;
  notifier_.stopping();
  TLOG_INFO("runner", "signal=%s jobs=%zu grace_ms=%lld draining: no more claims", signal_name,
            runs_.size(), static_cast<long long>(config_.stop_grace.count()));
  queue_->unblock();
  updateStatus();
  grace_timer_ = loop_.createTimer([this] {
    TLOG_WARN("runner", "jobs=%zu stop grace passed; failing the jobs in hand", runs_.size());
    abortAll("runner stopped: runner.stop_grace passed after SIGTERM");
  });
  grace_timer_->arm(config_.stop_grace);
  hard_deadline_ = loop_.createTimer([this] {
    TLOG_ERROR("runner", "jobs=%zu exiting with jobs still in hand", runs_.size());
    loop_.stop();
  });
  hard_deadline_->arm(config_.stop_grace + 2 * config_.kill_grace + kHardDeadlineMargin);
  maybeExit();
}

void Runner::abortAll(const std::string& reason) {
  std::vector<JobRun*> runs;
  for (auto& [id, run] : runs_) runs.push_back(run.get());
  for (JobRun* r : runs) r->abort(reason);
}

void Runner::onSignal(evutil_socket_t sig, short, void* arg) noexcept {
  auto* self = static_cast<Runner*>(arg);
  try {
    if (sig == SIGHUP) {
      TLOG_INFO("runner", "signal=SIGHUP nothing to reload: restart to apply a new config");
      return;
    }
    self->drain(sig == SIGTERM ? "SIGTERM" : "SIGINT");
  } catch (...) {
    TLOG_ERROR("runner", "signal handler failed");
  }
}

int Runner::run() {
  for (auto step : {&Runner::prepareWorkDir, &Runner::openMetricsListener}) {
    if (auto st = (this->*step)(); !st.ok()) {
      TLOG_ERROR("runner", "%s", st.error().message.c_str());
      return 1;
    }
  }
  redis_->setStateCallbacks([this] { onRedisUp(); },
                            [this](const std::string& reason) {
                              group_ready_ = false;
                              notifier_.status("waiting for redis: " + reason);
                            });
  blocking_->setStateCallbacks([this] { claimMore(); }, [](const std::string&) {});
  redis_->start();
  blocking_->start();

  sigterm_.reset(evsignal_new(loop_.base(), SIGTERM, &Runner::onSignal, this));
  sigint_.reset(evsignal_new(loop_.base(), SIGINT, &Runner::onSignal, this));
  sighup_.reset(evsignal_new(loop_.base(), SIGHUP, &Runner::onSignal, this));
  for (auto* ev : {sigterm_.get(), sigint_.get(), sighup_.get()}) evsignal_add(ev, nullptr);

  if (auto interval = notifier_.watchdogInterval(); interval.count() > 0) {
    watchdog_ = loop_.createTimer([this, interval] {
      notifier_.watchdogPing();
      watchdog_->arm(interval);
    });
    watchdog_->arm(interval);
  }
  notifier_.status("waiting for redis at " + redis_->describe());
  loop_.run();
  return 0;
}

}  // namespace triggerd
