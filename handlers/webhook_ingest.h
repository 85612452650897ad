// The ingest path shared by the GitHub and GitLab webhook routes: look up the trigger, verify
// the signature over the raw body, parse, refuse replays, match the rules, enqueue durably,
// answer. Free of HTTP plumbing: the route handlers copy what they need into a WebhookDelivery
// and turn the WebhookAnswer into a reply.
//
// Order matters for the shared loop: nothing costly (rule compilation, payload parsing) happens
// before the signature has been checked with the trigger's secret.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "handlers/trigger_cache.h"
#include "model/provider.h"
#include "queue/job_queue.h"
#include "queue/spooled_enqueue.h"
#include "spool/spool.h"
#include "triggers/trigger_store.h"

namespace triggerd {

struct WebhookDelivery {
  Provider provider = Provider::kGithub;
  std::string trigger_id;
  std::string body;
  std::string content_type;
  std::string event;             // X-GitHub-Event / X-Gitlab-Event
  std::string delivery_id;       // X-GitHub-Delivery / Idempotency-Key / X-Gitlab-Event-UUID
  std::string github_signature;  // X-Hub-Signature-256
  std::string gitlab_token;      // X-Gitlab-Token
  std::string webhook_id;        // Standard Webhooks headers (GitLab signing token)
  std::string webhook_timestamp;
  std::string webhook_signature;
  bool has_gitlab_token = false;
  std::chrono::system_clock::time_point received_at;
};

struct WebhookAnswer {
  int status = 200;
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;
};

struct WebhookOptions {
  std::chrono::seconds signature_tolerance{300};
  // A signed push older than this is a replay (queue.delivery_ttl: the dedupe window).
  std::chrono::seconds replay_window{72 * 3600};
  size_t rule_cache_program_size = 5000000;
  // With a spool: an enqueue Redis has not acknowledged within this long (or cannot take at all)
  // is spooled and answered 202 instead.
  std::chrono::milliseconds spool_deadline{1000};
  // triggers.cache_max_age: a trigger Redis returned less than this long ago verifies the next
  // deliveries without being read again (0: read on every delivery). Changes made through this
  // triggerd apply at once; made elsewhere (another replica), within this long.
  std::chrono::milliseconds trigger_max_age{0};
};

class WebhookIngest {
 public:
  // `spool` may be null: without one, deliveries Redis cannot take get 503.
  WebhookIngest(TriggerStore& triggers, JobQueue& queue, Metrics& metrics, const Clock& clock,
                Random& rng, WebhookOptions options, Spool* spool = nullptr,
                EventLoop* loop = nullptr);
  ~WebhookIngest();
  WebhookIngest(const WebhookIngest&) = delete;
  WebhookIngest& operator=(const WebhookIngest&) = delete;

  // Processes one delivery; `done` runs exactly once (possibly on a later loop turn).
  void handle(std::shared_ptr<WebhookDelivery> delivery, std::function<void(WebhookAnswer)> done);
  void setOptions(WebhookOptions options) {
    cache_.setMaxProgramSize(options.rule_cache_program_size);
    options_ = options;
  }
  const TriggerCache& cache() const { return cache_; }
  // Loads every trigger into the cache (up to its bound), so deliveries verify while Redis
  // cannot be read, even for triggers with no delivery since start-up. `done` gets the count.
  void warmCache(std::function<void(size_t)> done = {});
  // True once a warmCache() walked every trigger: from then on deliveries verify without Redis.
  bool cacheWarmed() const { return warmed_; }

 private:
  using Done = std::function<void(WebhookAnswer)>;

  void warmBatch(std::shared_ptr<std::vector<std::string>> ids, size_t from, size_t loaded,
                 std::function<void(size_t)> done);
  // Reads the trigger from Redis, then process().
  void lookUp(std::shared_ptr<WebhookDelivery> d, Done done);
  // What a read of the trigger (sent at `asked`) leads to: process(), 404, or 503.
  void withRaw(const std::shared_ptr<WebhookDelivery>& d, Result<std::optional<std::string>> raw,
               std::chrono::steady_clock::time_point asked, Done done);
  // A cached trigger would refuse the delivery or turn it away: read the trigger again. If it is
  // unchanged the answer stands (`stands` gives it, so it is logged and counted once); if it
  // changed, the delivery is processed with the trigger as stored now.
  void recheck(const std::shared_ptr<WebhookDelivery>& d, const TriggerCache::Entry& cached,
               Done done, std::function<void(Done)> stands);
  // reject(), through recheck() when the trigger was `cached`.
  void refuse(const std::shared_ptr<WebhookDelivery>& d, const TriggerCache::Entry& entry,
              bool cached, Error e, const char* reason, Done done);
  // `read_at`: when the read of `raw` was sent (the cache's age counts from then).
  void withTrigger(const std::shared_ptr<WebhookDelivery>& d, const std::string& raw,
                   std::chrono::steady_clock::time_point read_at, Done done);
  // process() with the stored trigger, or 500 when it cannot be decoded.
  void withEntry(const std::shared_ptr<WebhookDelivery>& d, Result<TriggerCache::Entry> entry,
                 Done done);
  // The trigger stored as `raw`, from the cache or decoded now (TriggerCache::trigger).
  Result<TriggerCache::Entry> cacheTrigger(
      const std::string& id, const std::string& raw,
      std::optional<std::chrono::steady_clock::time_point> read_at);
  // `cached`: the entry was not read for this delivery (WebhookOptions::trigger_max_age). A
  // delivery it would refuse or turn away for the trigger's sake (provider, secret, repository,
  // rules) is checked against the stored trigger first: only building relies on a cached one.
  void process(const std::shared_ptr<WebhookDelivery>& d, const TriggerCache::Entry& entry,
               Done done, bool cached = false);
  void build(const std::shared_ptr<WebhookDelivery>& d, const TriggerCache::Entry& entry,
             const PushEvent& push, Done done, bool cached);
  void enqueue(const std::shared_ptr<WebhookDelivery>& d, const Trigger& t, const PushEvent& push,
               std::vector<Job> jobs, Done done);
  // Redis could not take the jobs (down, refusing, or past the deadline): keep them in the
  // spool, durable before the 202.
  void spool(const std::shared_ptr<WebhookDelivery>& d, SpooledEnqueue e, const Error& why,
             Done done);
  void answerEnqueued(const WebhookDelivery& d, const std::vector<std::string>& ids, bool spooled,
                      Done& done);
  bool verify(const WebhookDelivery& d, const Trigger& t, std::string* why) const;
  // Why a verified push must not build (a replay of an old body), or empty.
  std::string staleReason(const PushEvent& push) const;
  void markVerified(const Trigger& t);
  // A hand-made GitLab hook's first signed delivery: unsigned ones are refused from now on.
  void requireSignatures(const Trigger& t);
  void reject(const WebhookDelivery& d, const Error& e, const char* reason, Done& done);
  void ignore(const WebhookDelivery& d, const std::string& reason, Done& done);

  // The counters every delivery moves, per provider, made once (Metrics::Counter).
  struct DeliveryCounters {
    Metrics::Counter enqueued, spooled, ignored, duplicate, jobs_enqueued;
  };
  DeliveryCounters& counters(Provider p) { return counters_[static_cast<size_t>(p)]; }

  TriggerStore& triggers_;
  JobQueue& queue_;
  Metrics& metrics_;
  std::array<DeliveryCounters, kAllProviders.size()> counters_;
  const Clock& clock_;
  Random& rng_;
  WebhookOptions options_;
  TriggerCache cache_;
  Spool* spool_;
  EventLoop* loop_;
  bool warmed_ = false;
  // Triggers whose hook_verified update is in flight (shared with its callback).
  std::shared_ptr<std::set<std::string>> marking_ = std::make_shared<std::set<std::string>>();
};

// Trigger ids are ULIDs: 26 Crockford base32 characters. Anything else is a 404 without I/O.
bool looksLikeTriggerId(std::string_view id);

}  // namespace triggerd
