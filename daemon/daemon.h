// The Daemon owns the loop and every long-lived component, and orders their start and stop:
// Redis first (its persistence is checked before anything is acknowledged), then the listeners,
// then readiness; on SIGTERM the listeners drain before the loop ends.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "config/config.h"
#include "credentials/resealer.h"
#include "credentials/source_store.h"
#include "credentials/token_checker.h"
#include "crypto/keyring.h"
#include "daemon/systemd_notify.h"
#include "handlers/routes.h"
#include "hooks/hook_jobs.h"
#include "hooks/hook_reconciler.h"
#include "hooks/hook_service.h"
#include "http/curl_multi_client.h"
#include "http/provider_throttle.h"
#include "http/server.h"
#include "jobs/clone_credentials.h"
#include "jobs/status_poster.h"
#include "loop/event_loop.h"
#include "queue/dead_letters.h"
#include "queue/job_queue.h"
#include "queue/job_records.h"
#include "queue/reclaimer.h"
#include "queue/spool_replayer.h"
#include "queue/status_consumer.h"
#include "redis/redis_backend.h"
#include "spool/spool.h"
#include "store/lease.h"

namespace triggerd {

class Daemon {
 public:
  enum class Mode {
    kServe,  // the daemon: listeners, ingest, replay, periodic work
    // `triggerd --drain-spool`: no listeners; replays spool.dir into Redis and exits 0 once it
    // is empty. For the spool a process left behind (a replica that never came back).
    kDrainSpool,
  };

  explicit Daemon(Config config, Mode mode = Mode::kServe);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs until SIGTERM/SIGINT (exit code 0) or a fatal start-up problem (non-zero).
  int run();

 private:
  // The constructor's steps, in this order.
  void makeStores();
  void makeOutbound();
  void makeHooks();
  void makeIngest();
  void makeApis();
  void makeJobs();
  void registerServices();
  void exportClientMetrics();
  Status openListeners();
  int drainSpool();
  void checkDrained();
  void onRedisUp();
  void onRedisDown(const std::string& reason);
  void becomeReady();
  void pingRedis();
  // What the admin /readyz says: Redis and spool state, as JSON members.
  void writeStatus(json::Writer& w) const;
  // Every job state change: its commit status, and the clone credential it released.
  void onJobEvent(const JobEvent& event);
  void reload();
  void applyReload(Result<Config> next);
  void shutdown(const char* signal_name);
  void fatal(const std::string& message);
  bool ready() const;
  bool spoolWritable() const;
  std::string notReadyReason() const;
  static void onSignal(evutil_socket_t sig, short, void* arg) noexcept;

  Config config_;
  const Mode mode_;
  EventLoop loop_;
  Metrics metrics_;
  SystemClock clock_;
  SecureRandom rng_;
  Keys keys_;
  std::unique_ptr<Keyring> keyring_;
  std::unique_ptr<RedisBackend> redis_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<SealedRecords> records_;
  std::unique_ptr<TriggerStore> triggers_;
  std::unique_ptr<SourceStore> sources_;
  std::unique_ptr<ApiTokenStore> api_tokens_;
  std::unique_ptr<OAuthStateStore> oauth_states_;
  std::unique_ptr<SessionStore> sessions_;
  std::unique_ptr<CurlMultiClient> http_client_;
  std::unique_ptr<Spool> spool_;  // null without spool.dir
  std::unique_ptr<SpoolReplayer> replayer_;
  std::unique_ptr<ProviderThrottle> provider_http_;  // every provider API call goes through it
  std::unique_ptr<HookService> hook_service_;
  std::unique_ptr<HookJobs> hook_jobs_;
  std::unique_ptr<HookReconciler> hook_reconciler_;
  std::unique_ptr<HooksApi> hooks_api_;
  std::unique_ptr<WebhookIngest> ingest_;
  std::unique_ptr<ApiAuth> auth_;
  std::unique_ptr<ConsoleSessions> console_;
  std::unique_ptr<TriggersApi> triggers_api_;
  std::unique_ptr<SourcesApi> sources_api_;
  std::unique_ptr<GitHubOAuth> oauth_;
  std::unique_ptr<TokenChecker> token_checker_;
  std::unique_ptr<Resealer> resealer_;
  std::string process_id_;  // host:pid:random: the status consumer's name, the lease owner
  std::unique_ptr<JobRecords> job_records_;
  std::unique_ptr<DeadLetters> dead_letters_;
  std::unique_ptr<CommitStatusPoster> status_poster_;
  std::unique_ptr<CloneCredentials> clone_credentials_;
  std::unique_ptr<StatusConsumer> status_consumer_;
  std::unique_ptr<Reclaimer> reclaimer_;
  std::unique_ptr<RunsApi> runs_api_;
  std::unique_ptr<JobsApi> jobs_api_;
  Services services_;
  Router public_router_;
  Router admin_router_;
  std::unique_ptr<HttpServer> public_server_;
  std::unique_ptr<HttpServer> admin_server_;
  SystemdNotifier notifier_;
  EventPtr sigterm_, sigint_, sighup_;
  std::unique_ptr<Timer> watchdog_;
  std::unique_ptr<Timer> ping_;  // redis.ping_interval: a frozen Redis is noticed without traffic
  std::unique_ptr<Timer> shutdown_deadline_;
  std::unique_ptr<Timer> drain_check_;  // Mode::kDrainSpool: is the spool empty yet?
  std::chrono::steady_clock::time_point drain_logged_at_;

  bool persistence_checked_ = false;
  bool ready_notified_ = false;
  bool stopping_ = false;
  bool reloading_ = false;
  bool reload_again_ = false;  // a SIGHUP arrived while a reload ran: one more after it
  int exit_code_ = 0;
};

}  // namespace triggerd
