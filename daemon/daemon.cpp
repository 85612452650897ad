#include "daemon/daemon.h"

#include <signal.h>

#include <thread>

#include "common/log.h"
#include "redis/redis_setup.h"
#include "store/lease.h"

namespace triggerd {
namespace {

HttpServer::Options serverOptions(const Config& c, const char* name) {
  HttpServer::Options o;
  o.name = name;
  o.max_body_bytes = c.max_body_bytes;
  o.max_header_bytes = c.max_header_bytes;
  o.request_timeout = c.request_timeout;
  o.idle_timeout = c.idle_timeout;
  o.max_connections = c.max_connections;
  // The admin listener serves operators on loopback or a unix socket: no per-address cap.
  o.max_connections_per_address =
      std::string_view(name) == "public" ? static_cast<size_t>(c.max_connections_per_address) : 0;
  // Processes share the public port only: each keeps its own admin listener, so that /metrics
  // and /readyz describe one process.
  o.reuse_port = std::string_view(name) == "public" && c.reuse_port;
  return o;
}

ProviderClientSettings clientSettings(const Config& c) {
  ProviderClientSettings s;
  s.user_agent = c.user_agent;
  s.github_scopes = c.github_scopes;
  s.allow_plain_http_gitlab = c.allow_plain_http_gitlab;
  s.connect_timeout = c.outbound_connect_timeout;
  s.total_timeout = c.outbound_total_timeout;
  return s;
}

SourcesOptions sourcesOptions(const Config& c) {
  SourcesOptions o;
  o.public_base_url = c.public_base_url;
  o.github_api_url = c.github_api_url;
  o.github_oauth_url = c.github_oauth_url;
  o.github_client_id = c.github_client_id;
  o.github_client_secret = c.github_client_secret;
  o.github_oauth_success_url = c.github_oauth_success_url;
  o.github_oauth_handoff_url = c.github_oauth_handoff_url;
  o.expiry_warning = c.token_expiry_warning;
  o.client = clientSettings(c);
  return o;
}

ConsoleOptions consoleOptions(const Config& c) {
  ConsoleOptions o;
  o.secure_cookie = c.public_base_url.rfind("https://", 0) == 0;
  o.idle_timeout = c.session_idle_timeout;
  o.lifetime = c.session_lifetime;
  return o;
}

TokenCheckOptions tokenCheckOptions(const Config& c) {
  TokenCheckOptions o;
  o.interval = c.token_check_interval;
  o.expiry_warning = c.token_expiry_warning;
  o.client = clientSettings(c);
  return o;
}

TriggersOptions triggersOptions(const Config& c) {
  TriggersOptions o;
  o.public_base_url = c.public_base_url;
  o.secret_rotation_grace = c.secret_rotation_grace;
  o.max_per_user = static_cast<size_t>(c.max_triggers_per_user);
  o.max_rule_program_size = static_cast<size_t>(c.max_rule_program_size);
  return o;
}

HookOptions hookOptions(const Config& c) {
  HookOptions o;
  o.public_base_url = c.public_base_url;
  o.client = clientSettings(c);
  o.secret_rotation_grace = c.secret_rotation_grace;
  o.recover_window = c.hooks_recover_window;
  o.max_rate_limit_wait = c.hooks_max_rate_limit_wait;
  return o;
}

WebhookOptions webhookOptions(const Config& c) {
  WebhookOptions o;
  o.signature_tolerance = c.signature_tolerance;
  o.replay_window = c.delivery_ttl;
  o.rule_cache_program_size = static_cast<size_t>(c.rule_cache_program_size);
  o.spool_deadline = c.spool_redis_deadline;
  o.trigger_max_age = c.trigger_cache_max_age;
  return o;
}

RedisSetup redisSetup(const Config& c, const Keys& keys) {
  RedisSetup s;
  s.address = c.redis_address;
  s.password = c.redis_password;
  s.sentinels = c.redis_sentinels;
  s.master_name = c.redis_master_name;
  s.sentinel_password = c.redis_sentinel_password;
  s.cluster_nodes = c.redis_cluster_nodes;
  s.home_key = keys.jobs();  // PING, CONFIG GET and WAIT go to the queue's primary
  s.connect_timeout = c.redis_connect_timeout;
  s.command_timeout = c.redis_command_timeout;
  s.check_interval = c.redis_ping_interval;
  return s;
}

Keys::Tags keyTags(const Config& c) {
  return c.redis_cluster_nodes.empty() ? Keys::Tags::kNone : Keys::Tags::kCluster;
}

JobRetention jobRetention(const Config& c) {
  return JobRetention{c.job_retention.count(), c.history_length, c.user_history_length};
}

StatusPosterOptions statusPosterOptions(const Config& c) {
  StatusPosterOptions o;
  o.enabled = c.statuses_enabled;
  o.target_url = c.status_target_url;
  o.max_attempts = c.status_max_attempts;
  o.first_retry = c.status_retry_delay;
  o.client = clientSettings(c);
  return o;
}

CloneCredentialOptions cloneCredentialOptions(const Config& c) {
  return CloneCredentialOptions{c.credentials_ttl, clientSettings(c)};
}

RunsOptions runsOptions(const Config& c) {
  return RunsOptions{c.manual_run_limit, c.manual_run_window, clientSettings(c)};
}

StatusConsumerOptions statusConsumerOptions(const Config& c) {
  StatusConsumerOptions o;
  o.log_ttl_seconds = c.job_retention.count();
  return o;
}

ReclaimOptions reclaimOptions(const Config& c) {
  ReclaimOptions o;
  o.visibility_timeout = c.visibility_timeout;
  o.max_attempts = c.max_attempts;
  o.interval = c.reclaim_interval;
  o.log_ttl_seconds = c.job_retention.count();
  return o;
}

std::unique_ptr<Keyring> makeKeyring(const Config& c) {
  std::vector<SecretBox> previous;
  for (const auto& k : c.previous_master_keys) previous.emplace_back(k, deriveKeyId(k));
  return std::make_unique<Keyring>(SecretBox(c.master_key, deriveKeyId(c.master_key)),
                                   std::move(previous));
}

}  // namespace

Daemon::Daemon(Config config, Mode mode)
    : config_(std::move(config)), mode_(mode), keys_(config_.key_prefix, keyTags(config_)) {
  if (mode_ == Mode::kDrainSpool && config_.spool_dir.empty())
    throw std::runtime_error(
        "--drain-spool needs the spool directory to drain: spool.dir in the config, or "
        "--set spool.dir=/var/lib/triggerd/spool-N");
  keyring_ = makeKeyring(config_);
  // The keyring holds the keys in secure memory now; no other copy stays around.
  wipe(config_.master_key);
  for (auto& k : config_.previous_master_keys) wipe(k);

  makeStores();
  makeOutbound();
  makeHooks();
  makeIngest();
  makeApis();
  makeJobs();
  registerServices();
  exportClientMetrics();
}

// Redis, the queue and the stores of sealed records, tokens, OAuth states and sessions.
void Daemon::makeStores() {
  redis_ = makeRedisBackend(loop_, redisSetup(config_, keys_));
  queue_ =
      std::make_unique<JobQueue>(*redis_, keys_, config_.delivery_ttl.count(), redis_->describe());
  queue_->setReplication(config_.redis_wait_replicas, config_.redis_wait_timeout);
  records_ = std::make_unique<SealedRecords>(*redis_, *keyring_, rng_);
  triggers_ = std::make_unique<TriggerStore>(*records_, keys_);
  sources_ = std::make_unique<SourceStore>(*records_, keys_);
  api_tokens_ = std::make_unique<ApiTokenStore>(*redis_, keys_);
  oauth_states_ = std::make_unique<OAuthStateStore>(*redis_, keys_);
  sessions_ = std::make_unique<SessionStore>(*redis_, keys_);
}

// Outbound HTTPS: the libcurl client behind the address guard, and the provider throttle.
void Daemon::makeOutbound() {
  CurlMultiClient::Options co;
  co.user_agent = config_.user_agent;
  co.connect_timeout = config_.outbound_connect_timeout;
  co.total_timeout = config_.outbound_total_timeout;
  co.max_response_bytes = config_.outbound_max_response_bytes;
  co.proxy = config_.outbound_proxy;
  auto guard = AddressGuard::fromStrings(config_.allowed_networks);
  if (guard.ok()) co.address_guard = std::move(guard).value();
  co.metrics = &metrics_;
  http_client_ = std::make_unique<CurlMultiClient>(loop_, std::move(co));
  provider_http_ = std::make_unique<ProviderThrottle>(loop_, *http_client_, clock_);
}

// Hook work on repositories: the service, its jobs, the reconciler and the API.
void Daemon::makeHooks() {
  HookEnv hook_env;
  hook_env.loop = &loop_;
  hook_env.redis = redis_.get();
  hook_env.triggers = triggers_.get();
  hook_env.http = provider_http_.get();
  hook_env.clock = &clock_;
  hook_env.rng = &rng_;
  hook_env.metrics = &metrics_;
  hook_env.keys = keys_;
  hook_env.lease_owner = leaseOwnerId();
  hook_service_ = std::make_unique<HookService>(hook_env, *sources_, hookOptions(config_));
  hook_jobs_ = std::make_unique<HookJobs>(*hook_service_, *triggers_, clock_, rng_,
                                          config_.hooks_max_concurrency);
  hook_reconciler_ =
      std::make_unique<HookReconciler>(loop_, *redis_, keys_, *hook_jobs_, metrics_,
                                       hook_env.lease_owner, config_.hooks_reconcile_interval);
  hooks_api_ = std::make_unique<HooksApi>(*hook_jobs_);
}

// The spool (when configured) and the webhook ingest path.
void Daemon::makeIngest() {
  if (!config_.spool_dir.empty()) {
    SpoolOptions so;
    so.dir = config_.spool_dir;
    so.max_bytes = config_.spool_max_bytes;
    so.segment_bytes = config_.spool_segment_bytes;
    so.max_age = config_.spool_max_age;
    auto opened = Spool::open(loop_, clock_, metrics_, so);  // before the loop runs: may block
    if (!opened.ok())
      throw std::runtime_error("spool " + config_.spool_dir + ": " + opened.error().message);
    spool_ = std::move(opened).value();
    replayer_ = std::make_unique<SpoolReplayer>(*spool_, *queue_, metrics_);
  }
  ingest_ = std::make_unique<WebhookIngest>(*triggers_, *queue_, metrics_, clock_, rng_,
                                            webhookOptions(config_), spool_.get(), &loop_);
}

// Authentication, the console sessions, the trigger and source APIs, OAuth, token checks.
void Daemon::makeApis() {
  auth_ = std::make_unique<ApiAuth>(*api_tokens_, config_.admin_token_sha256);
  console_ = std::make_unique<ConsoleSessions>(*sessions_, *auth_, *api_tokens_, metrics_, clock_,
                                               rng_, consoleOptions(config_));
  triggers_api_ = std::make_unique<TriggersApi>(*triggers_, *hook_service_, clock_, rng_,
                                                triggersOptions(config_));
  sources_api_ = std::make_unique<SourcesApi>(*sources_, *triggers_, *hook_service_,
                                              *provider_http_, clock_, sourcesOptions(config_));
  oauth_ = std::make_unique<GitHubOAuth>(*sources_api_, *oauth_states_, *http_client_, rng_);
  process_id_ = leaseOwnerId();
  token_checker_ =
      std::make_unique<TokenChecker>(loop_, *redis_, keys_, process_id_, *sources_, *provider_http_,
                                     clock_, metrics_, tokenCheckOptions(config_));
  resealer_ = std::make_unique<Resealer>(*sources_, *triggers_);
}

// Jobs after the enqueue: records, dead letters, commit statuses, clone credentials, the status
// consumer, the reclaim sweep, manual runs and the jobs API; every state change reaches onJobEvent.
void Daemon::makeJobs() {
  auto sink = [this](const JobEvent& e) { onJobEvent(e); };
  queue_->setRetention(jobRetention(config_));
  queue_->setClock(clock_);
  queue_->setEventSink(sink);
  job_records_ = std::make_unique<JobRecords>(*redis_, keys_);
  dead_letters_ = std::make_unique<DeadLetters>(*redis_, *queue_, clock_);
  dead_letters_->setEventSink(sink);
  status_poster_ = std::make_unique<CommitStatusPoster>(loop_, *sources_, *provider_http_, clock_,
                                                        metrics_, statusPosterOptions(config_));
  clone_credentials_ =
      std::make_unique<CloneCredentials>(*redis_, *job_records_, *sources_, *provider_http_, clock_,
                                         metrics_, cloneCredentialOptions(config_));
  status_consumer_ = std::make_unique<StatusConsumer>(loop_, *redis_, keys_, metrics_, clock_,
                                                      process_id_, statusConsumerOptions(config_));
  status_consumer_->setEventSink(sink);
  reclaimer_ = std::make_unique<Reclaimer>(loop_, *redis_, keys_, metrics_, clock_, process_id_,
                                           reclaimOptions(config_));
  reclaimer_->setEventSink(sink);
  runs_api_ =
      std::make_unique<RunsApi>(*triggers_, *sources_, *queue_, *job_records_, *redis_,
                                *provider_http_, clock_, rng_, metrics_, runsOptions(config_));
  jobs_api_ = std::make_unique<JobsApi>(*job_records_, *dead_letters_);
}

// The services the route table dispatches to, on both listeners.
void Daemon::registerServices() {
  services_.ingest = ingest_.get();
  services_.triggers = triggers_api_.get();
  services_.sources = sources_api_.get();
  services_.hooks = hooks_api_.get();
  services_.oauth = oauth_.get();
  services_.auth = auth_.get();
  services_.console = console_.get();
  services_.tokens = api_tokens_.get();
  services_.resealer = resealer_.get();
  services_.token_checker = token_checker_.get();
  services_.runs = runs_api_.get();
  services_.jobs = jobs_api_.get();
  services_.credentials = clone_credentials_.get();
  services_.metrics = &metrics_;
  services_.rng = &rng_;
  services_.ready = [this] { return ready(); };
  services_.not_ready_reason = [this] { return notReadyReason(); };
  services_.write_status = [this](json::Writer& w) { writeStatus(w); };
  registerRoutes(public_router_, Listener::kPublic, services_);
  registerRoutes(admin_router_, Listener::kAdmin, services_);
}

// Gauges and counters read from the Redis backend and the provider throttle when scraped.
void Daemon::exportClientMetrics() {
  metrics_.gaugeFn("triggerd_redis_connected", [this] { return redis_->connected() ? 1.0 : 0.0; });
  const ProviderThrottle* throttle = provider_http_.get();
  metrics_.gaugeFn("triggerd_provider_requests_waiting",
                   [throttle] { return static_cast<double>(throttle->waiting()); });
  metrics_.counterFn("triggerd_provider_rate_limit_pauses_total", {},
                     [throttle] { return throttle->stats().pauses; });
  metrics_.counterFn("triggerd_provider_requests_retried_total", {},
                     [throttle] { return throttle->stats().retried; });
  metrics_.counterFn("triggerd_provider_requests_refused_total", {},
                     [throttle] { return throttle->stats().refused; });
  RedisBackend* rb = redis_.get();
  for (auto [kind, field] : {std::pair{"timeout", &RedisStats::command_timeouts},
                             std::pair{"disconnected", &RedisStats::failed_in_flight},
                             std::pair{"unavailable", &RedisStats::failed_unavailable},
                             std::pair{"reply", &RedisStats::error_replies},
                             std::pair{"connect_failed", &RedisStats::connect_failures},
                             std::pair{"auth_failed", &RedisStats::auth_failures},
                             std::pair{"not_primary", &RedisStats::not_primary},
                             std::pair{"discovery_failed", &RedisStats::discovery_failures},
                             std::pair{"replication_short", &RedisStats::replication_short}}) {
    metrics_.counterFn("triggerd_redis_errors_total", {{"kind", kind}},
                       [rb, field = field] { return rb->counters().*field; });
  }
  if (!config_.redis_sentinels.empty()) {
    metrics_.counterFn("triggerd_redis_primary_changes_total", {},
                       [rb] { return rb->counters().primary_changes; });
  }
  if (!config_.redis_cluster_nodes.empty()) {
    metrics_.counterFn("triggerd_redis_redirects_total", {{"kind", "moved"}},
                       [rb] { return rb->counters().moved; });
    metrics_.counterFn("triggerd_redis_redirects_total", {{"kind", "ask"}},
                       [rb] { return rb->counters().ask; });
    metrics_.counterFn("triggerd_redis_slot_map_refreshes_total", {},
                       [rb] { return rb->counters().slot_map_refreshes; });
  }
}

Daemon::~Daemon() {
  // Listeners first (their contexts may reference the services), then the clients; the spool
  // (its disk threads) before the loop it posts to.
  public_server_.reset();
  admin_server_.reset();
  replayer_.reset();
  ingest_.reset();
  spool_.reset();
}

bool Daemon::spoolWritable() const {
  if (!spool_) return false;
  SpoolStats st = spool_->stats();
  return st.writable && !st.full;
}

bool Daemon::ready() const {
  if (redis_->connected() && persistence_checked_) return true;
  // Without Redis, deliveries still get their 202 while the spool can keep them, provided this
  // process loaded the triggers from Redis once: it verifies deliveries from memory then, and
  // before that it could verify none (every delivery would get 503).
  return spoolWritable() && ingest_->cacheWarmed();
}

std::string Daemon::notReadyReason() const {
  std::string reason;
  if (!redis_->connected())
    reason = "redis at " + redis_->describe() + ": " + redis_->lastError();
  else if (!persistence_checked_)
    reason = "checking redis persistence";
  if (spool_) {
    SpoolStats st = spool_->stats();
    if (!st.writable || st.full)
      reason += std::string(reason.empty() ? "" : "; ") + "spool " +
                (st.full ? "full" : "not writable: " + st.last_error);
    else if (!ingest_->cacheWarmed() && !reason.empty())
      reason += "; triggers not loaded from redis since start-up, so no delivery can be verified";
  } else if (!reason.empty()) {
    reason += "; no spool (spool.dir) to keep deliveries meanwhile";
  }
  return reason;
}

Status Daemon::openListeners() {
  auto adopted = adoptListenFds();
  public_server_ = std::make_unique<HttpServer>(loop_, metrics_, serverOptions(config_, "public"));
  admin_server_ = std::make_unique<HttpServer>(loop_, metrics_, serverOptions(config_, "admin"));
  public_server_->setRouter(public_router_);
  admin_server_->setRouter(admin_router_);
  auto open = [](HttpServer& server, const ListenAddress& addr, int fd) -> Status {
    if (fd >= 0) return server.adoptFd(fd);
    if (!addr.unix_path.empty()) return server.bindUnix(addr.unix_path);
    return server.bindTcp(addr.host, addr.port);
  };
  auto fd = [&](const char* name) {
    auto it = adopted.find(name);
    return it == adopted.end() ? -1 : it->second;
  };
  if (auto st = open(*public_server_, config_.public_listen, fd("public")); !st.ok())
    return Error::internal("public listener " + config_.public_listen.text + ": " +
                           st.error().message);
  if (auto st = open(*admin_server_, config_.admin_listen, fd("admin")); !st.ok())
    return Error::internal("admin listener " + config_.admin_listen.text + ": " +
                           st.error().message);
  TLOG_INFO("daemon", "public=%s admin=%s listening", config_.public_listen.text.c_str(),
            config_.admin_listen.text.c_str());
  return okStatus();
}

void Daemon::onRedisUp() {
  persistence_checked_ = false;
  // Checked on every (re)connect: the server behind the address may have been replaced.
  queue_->checkPersistence([this](Status st) {
    // The connection dropped under the check (a timeout, a failover): it runs again on the next
    // connect. Only an answer from Redis can be fatal.
    if (!st.ok() && !redis_->connected()) return;
    if (!st.ok()) {
      if (!config_.allow_volatile_redis) return fatal(st.error().message);
      TLOG_WARN("daemon",
                "redis runs without appendonly; continuing because redis.allow_volatile_redis "
                "is true: acknowledged jobs are lost if Redis crashes");
    }
    queue_->ensureConsumerGroup([this](Status group) {
      if (!group.ok()) {
        TLOG_ERROR("daemon", "reason=%s cannot create the runners consumer group",
                   group.error().message.c_str());
        return;  // retried on the next connect
      }
      persistence_checked_ = true;
      if (replayer_) replayer_->start();
      if (mode_ == Mode::kDrainSpool) return;
      becomeReady();
      ingest_->warmCache();
    });
  });
}

void Daemon::onRedisDown(const std::string& reason) {
  persistence_checked_ = false;
  if (replayer_) replayer_->stop();
  TLOG_WARN("daemon", "reason=%s redis connection lost; %s", reason.c_str(),
            spool_ ? "deliveries go to the spool until it returns"
                   : "webhooks answer 503 until it returns");
  notifier_.status("waiting for redis: " + reason);
}

void Daemon::pingRedis() {
  // Only to learn that Redis answers; a timeout drops the connection (readiness follows).
  if (redis_->connected() && redis_->inFlight() == 0) redis_->command({"PING"}, [](auto) {});
  if (spool_) {
    bool waiting = spool_->stats().records > 0;
    redis_->setUrgent(waiting);
    // A replay paused by a refused enqueue (too few replicas, OOM) while the connection stayed
    // up is not restarted by a reconnect: try again now.
    if (waiting && replayer_ && !replayer_->running() && redis_->connected() &&
        persistence_checked_)
      replayer_->start();
  }
  ping_->arm(config_.redis_ping_interval);
}

void Daemon::writeStatus(json::Writer& w) const {
  json::key(w, "redis");
  w.StartObject();
  json::kv(w, "address", redis_->describe());
  json::key(w, "connected");
  w.Bool(redis_->connected());
  if (!redis_->connected()) json::kv(w, "error", redis_->lastError());
  w.EndObject();
  if (spool_) {
    SpoolStats st = spool_->stats();
    json::key(w, "spool");
    w.StartObject();
    json::key(w, "records");
    w.Uint64(st.records);
    json::key(w, "bytes");
    w.Uint64(st.bytes);
    json::key(w, "oldest_age_seconds");
    w.Double(st.oldest_age_seconds);
    json::key(w, "writable");
    w.Bool(st.writable && !st.full);
    json::key(w, "replaying");
    w.Bool(st.replaying);
    if (!st.last_error.empty()) json::kv(w, "error", st.last_error);
    w.EndObject();
  }
}

void Daemon::becomeReady() {
  const char* state = ready() ? "ready" : "up; waiting for redis to load the triggers";
  TLOG_INFO("daemon", "redis=%s connected=%s spool=%s %s", redis_->describe().c_str(),
            redis_->connected() ? "yes" : "no", spool_ ? "on" : "off", state);
  if (ready_notified_) {
    notifier_.status(state);
    return;
  }
  ready_notified_ = true;
  notifier_.ready(state);
  status_consumer_->start();
  reclaimer_->start();
  auto first = std::min<std::chrono::milliseconds>(
      std::chrono::seconds(60),
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.token_check_interval));
  token_checker_->start(first);
  hook_reconciler_->start(
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.hooks_startup_delay));
}

void Daemon::onJobEvent(const JobEvent& event) {
  status_poster_->post(event);
  clone_credentials_->onJobEvent(event);
}

void Daemon::fatal(const std::string& message) {
  TLOG_ERROR("daemon", "%s", message.c_str());
  exit_code_ = 1;
  stopping_ = true;
  loop_.stop();
}

void Daemon::onSignal(evutil_socket_t sig, short, void* arg) noexcept {
  auto* self = static_cast<Daemon*>(arg);
  try {
    if (sig == SIGHUP && self->mode_ == Mode::kDrainSpool)
      TLOG_INFO("daemon", "SIGHUP ignored while draining the spool");
    else if (sig == SIGHUP)
      self->reload();
    else
      self->shutdown(sig == SIGTERM ? "SIGTERM" : "SIGINT");
  } catch (...) {
    TLOG_ERROR("daemon", "signal handler failed");
  }
}

void Daemon::reload() {
  if (reloading_) {
    // The file may have changed again after the running reload read it: read it once more.
    reload_again_ = true;
    return;
  }
  reloading_ = true;
  notifier_.reloading();
  TLOG_INFO("daemon", "config=%s reload requested", config_.path.c_str());
  // Reading the files is disk I/O: done on a short-lived thread, applied on the loop.
  std::string path = config_.path;
  std::vector<std::string> overrides = config_.overrides;
  std::thread([this, path, overrides] {
    auto next = std::make_shared<Result<Config>>(loadConfig(path, overrides));
    loop_.postFromAnyThread([this, next] { applyReload(std::move(*next)); });
  }).detach();
}

void Daemon::applyReload(Result<Config> next) {
  reloading_ = false;
  if (reload_again_) {
    reload_again_ = false;
    loop_.post([this] { reload(); });
  }
  if (!next.ok()) {
    TLOG_ERROR("daemon", "reload refused, keeping the running config:\n%s",
               next.error().message.c_str());
    metrics_.inc("triggerd_config_reloads_total", {{"outcome", "refused"}});
    notifier_.reloaded("reload refused: config errors");
    return;
  }
  Config& c = *next;
  // Key files are re-read with the rest; keys change only on restart, so drop these copies.
  wipe(c.master_key);
  for (auto& k : c.previous_master_keys) wipe(k);
  for (const auto& key : nonReloadableChanges(config_, c))
    TLOG_WARN("daemon", "key=%s changed but needs a restart; the running value stays", key.c_str());
  log::Level level;
  if (log::parseLevel(c.log_level, &level)) log::setLevel(level);
  public_server_->updateLimits(serverOptions(c, "public"));
  admin_server_->updateLimits(serverOptions(c, "admin"));
  auth_->setAdminHashes(c.admin_token_sha256);
  token_checker_->setOptions(tokenCheckOptions(c));
  triggers_api_->setOptions(triggersOptions(c));
  ingest_->setOptions(webhookOptions(c));
  status_poster_->setOptions(statusPosterOptions(c));
  clone_credentials_->setOptions(cloneCredentialOptions(c));
  runs_api_->setOptions(runsOptions(c));
  if (auto guard = AddressGuard::fromStrings(c.allowed_networks); guard.ok())
    http_client_->setAddressGuard(std::move(guard).value());
  // Only the reloadable keys are taken over; the rest keep their running values.
  config_.log_level = c.log_level;
  config_.max_body_bytes = c.max_body_bytes;
  config_.max_header_bytes = c.max_header_bytes;
  config_.request_timeout = c.request_timeout;
  config_.idle_timeout = c.idle_timeout;
  config_.max_connections = c.max_connections;
  config_.admin_token_sha256 = c.admin_token_sha256;
  config_.token_check_interval = c.token_check_interval;
  config_.token_expiry_warning = c.token_expiry_warning;
  config_.allowed_networks = c.allowed_networks;
  config_.allow_plain_http_gitlab = c.allow_plain_http_gitlab;
  config_.secret_rotation_grace = c.secret_rotation_grace;
  config_.signature_tolerance = c.signature_tolerance;
  config_.max_triggers_per_user = c.max_triggers_per_user;
  config_.max_rule_program_size = c.max_rule_program_size;
  config_.rule_cache_program_size = c.rule_cache_program_size;
  config_.trigger_cache_max_age = c.trigger_cache_max_age;
  config_.hooks_reconcile_interval = c.hooks_reconcile_interval;
  config_.hooks_max_concurrency = c.hooks_max_concurrency;
  config_.hooks_max_rate_limit_wait = c.hooks_max_rate_limit_wait;
  config_.hooks_recover_window = c.hooks_recover_window;
  config_.manual_run_limit = c.manual_run_limit;
  config_.manual_run_window = c.manual_run_window;
  config_.statuses_enabled = c.statuses_enabled;
  config_.status_target_url = c.status_target_url;
  config_.status_max_attempts = c.status_max_attempts;
  config_.status_retry_delay = c.status_retry_delay;
  config_.credentials_ttl = c.credentials_ttl;
  auto so = sourcesOptions(config_);
  sources_api_->setOptions(so);
  hook_service_->setOptions(hookOptions(config_));
  hook_jobs_->setMaxConcurrency(config_.hooks_max_concurrency);
  hook_reconciler_->setInterval(config_.hooks_reconcile_interval);
  metrics_.inc("triggerd_config_reloads_total", {{"outcome", "applied"}});
  TLOG_INFO("daemon", "config=%s reload applied", config_.path.c_str());
  notifier_.reloaded(ready() ? "ready" : "waiting for redis");
}

void Daemon::shutdown(const char* signal_name) {
  if (stopping_) {
    TLOG_WARN("daemon", "signal=%s second stop signal: exiting now", signal_name);
    loop_.stop();
    return;
  }
  stopping_ = true;
  notifier_.stopping();
  token_checker_->stop();
  status_consumer_->stop();
  reclaimer_->stop();
  if (mode_ == Mode::kDrainSpool) {
    TLOG_WARN("daemon", "signal=%s records=%llu stopped before the spool was drained", signal_name,
              static_cast<unsigned long long>(spool_->stats().records));
    exit_code_ = 1;
    loop_.stop();
    return;
  }
  TLOG_INFO("daemon", "signal=%s draining in-flight requests", signal_name);
  auto pending = std::make_shared<int>(2);
  auto one_done = [this, pending] {
    if (--*pending == 0) {
      TLOG_INFO("daemon", "drained; exiting");
      loop_.stop();
    }
  };
  public_server_->drain(one_done);
  admin_server_->drain(one_done);
  // Requests waiting on a dead Redis end at its command timeout; this bounds the rest.
  shutdown_deadline_ = loop_.createTimer([this] {
    TLOG_WARN("daemon", "drain deadline reached; exiting with requests still open");
    loop_.stop();
  });
  shutdown_deadline_->arm(config_.request_timeout + std::chrono::seconds(5));
}

void Daemon::checkDrained() {
  SpoolStats st = spool_->stats();
  // Every segment file gone: each record was enqueued (or moved to `expired`) and its segment
  // deleted, so nothing is left to replay even after a crash.
  if (st.records == 0 && st.bytes == 0) {
    TLOG_INFO("daemon", "dir=%s spool drained", config_.spool_dir.c_str());
    loop_.stop();
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (now - drain_logged_at_ >= std::chrono::seconds(5)) {
    drain_logged_at_ = now;
    TLOG_INFO("daemon", "dir=%s records=%llu bytes=%llu redis=%s draining the spool",
              config_.spool_dir.c_str(), static_cast<unsigned long long>(st.records),
              static_cast<unsigned long long>(st.bytes),
              redis_->connected() ? "connected" : redis_->lastError().c_str());
  }
  drain_check_->arm(std::chrono::milliseconds(100));
}

int Daemon::drainSpool() {
  TLOG_INFO("daemon", "dir=%s records=%llu draining the spool into redis at %s",
            config_.spool_dir.c_str(), static_cast<unsigned long long>(spool_->stats().records),
            config_.redis_address.c_str());
  redis_->setStateCallbacks([this] { onRedisUp(); },
                            [this](const std::string& reason) { onRedisDown(reason); });
  redis_->setUrgent(true);
  redis_->start();
  sigterm_.reset(evsignal_new(loop_.base(), SIGTERM, &Daemon::onSignal, this));
  sigint_.reset(evsignal_new(loop_.base(), SIGINT, &Daemon::onSignal, this));
  sighup_.reset(evsignal_new(loop_.base(), SIGHUP, &Daemon::onSignal, this));
  for (auto* ev : {sigterm_.get(), sigint_.get(), sighup_.get()}) evsignal_add(ev, nullptr);
  drain_check_ = loop_.createTimer([this] { checkDrained(); });
  drain_check_->arm(std::chrono::milliseconds(0));
  loop_.run();
  return exit_code_;
}

int Daemon::run() {
  if (mode_ == Mode::kDrainSpool) return drainSpool();
  if (auto st = openListeners(); !st.ok()) {
    TLOG_ERROR("daemon", "%s", st.error().message.c_str());
    return 1;
  }
  redis_->setStateCallbacks([this] { onRedisUp(); },
                            [this](const std::string& reason) { onRedisDown(reason); });
  redis_->start();
  ping_ = loop_.createTimer([this] { pingRedis(); });
  ping_->arm(config_.redis_ping_interval);
  // With a spool, triggerd is up before Redis answers (systemd need not wait for Redis);
  // /readyz says when it can take deliveries.
  if (spoolWritable()) becomeReady();

  sigterm_.reset(evsignal_new(loop_.base(), SIGTERM, &Daemon::onSignal, this));
  sigint_.reset(evsignal_new(loop_.base(), SIGINT, &Daemon::onSignal, this));
  sighup_.reset(evsignal_new(loop_.base(), SIGHUP, &Daemon::onSignal, this));
  for (auto* ev : {sigterm_.get(), sigint_.get(), sighup_.get()}) evsignal_add(ev, nullptr);

  if (auto interval = notifier_.watchdogInterval(); interval.count() > 0) {
    watchdog_ = loop_.createTimer([this, interval] {
      notifier_.watchdogPing();  // from the loop: a stuck loop stops pinging
      watchdog_->arm(interval);
    });
    watchdog_->arm(interval);
  }
  notifier_.status("waiting for redis at " + redis_->describe());
  loop_.run();
  return exit_code_;
}

}  // namespace triggerd
