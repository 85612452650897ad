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
#include "http/curl_multi_client.h"
#include "http/server.h"
#include "loop/event_loop.h"
#include "queue/job_queue.h"
#include "queue/spool_replayer.h"
#include "redis/hiredis_client.h"
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
  Status openListeners();
  int drainSpool();
  void checkDrained();
  void onRedisUp();
  void onRedisDown(const std::string& reason);
  void becomeReady();
  void pingRedis();
  // What the admin /readyz says: Redis and spool state, as JSON members.
  void writeStatus(json::Writer& w) const;
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
  // Names this process in Redis leases (store/lease.h): periodic work runs in one process.
  std::string lease_owner_ = leaseOwnerId();
  std::unique_ptr<Keyring> keyring_;
  std::unique_ptr<HiredisClient> redis_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<SealedRecords> records_;
  std::unique_ptr<TriggerStore> triggers_;
  std::unique_ptr<SourceStore> sources_;
  std::unique_ptr<ApiTokenStore> api_tokens_;
  std::unique_ptr<OAuthStateStore> oauth_states_;
  std::unique_ptr<CurlMultiClient> http_client_;
  std::unique_ptr<Spool> spool_;  // null without spool.dir
  std::unique_ptr<SpoolReplayer> replayer_;
  std::unique_ptr<WebhookIngest> ingest_;
  std::unique_ptr<ApiAuth> auth_;
  std::unique_ptr<TriggersApi> triggers_api_;
  std::unique_ptr<SourcesApi> sources_api_;
  std::unique_ptr<GitHubOAuth> oauth_;
  std::unique_ptr<TokenChecker> token_checker_;
  std::unique_ptr<Resealer> resealer_;
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
