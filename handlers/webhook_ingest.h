// The ingest path shared by the GitHub and GitLab webhook routes: look up the trigger, verify
// the signature over the raw body, parse, match the rules, enqueue durably, answer.
// Free of HTTP plumbing: the route handlers copy what they need into a WebhookDelivery and
// turn the WebhookAnswer into a reply.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "model/provider.h"
#include "queue/job_queue.h"
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
};

class WebhookIngest {
 public:
  WebhookIngest(TriggerStore& triggers, JobQueue& queue, Metrics& metrics, const Clock& clock,
                Random& rng, WebhookOptions options);

  // Processes one delivery; `done` runs exactly once (possibly on a later loop turn).
  void handle(std::shared_ptr<WebhookDelivery> delivery, std::function<void(WebhookAnswer)> done);
  void setOptions(WebhookOptions options) { options_ = options; }

 private:
  struct CachedTrigger {
    std::string raw;  // the stored text this entry was decoded from
    std::shared_ptr<const Trigger> trigger;
    std::shared_ptr<const CompiledRules> rules;
  };
  using Done = std::function<void(WebhookAnswer)>;

  void withTrigger(const std::shared_ptr<WebhookDelivery>& d, std::string raw, Done done);
  void process(const std::shared_ptr<WebhookDelivery>& d, const CachedTrigger& entry, Done done);
  bool verify(const WebhookDelivery& d, const Trigger& t, std::string* why) const;
  void markVerified(const Trigger& t);
  void reject(const WebhookDelivery& d, const Error& e, const char* reason, Done& done);
  void ignore(const WebhookDelivery& d, const std::string& reason, Done& done);

  TriggerStore& triggers_;
  JobQueue& queue_;
  Metrics& metrics_;
  const Clock& clock_;
  Random& rng_;
  WebhookOptions options_;
  // Decoded triggers with compiled rules, reused while the stored text is unchanged, so the
  // hot path skips JSON decoding, secret opening and RE2 compilation. Bounded: cleared when full.
  std::map<std::string, CachedTrigger, std::less<>> cache_;
};

// Trigger ids are ULIDs: 26 Crockford base32 characters. Anything else is a 404 without I/O.
bool looksLikeTriggerId(std::string_view id);

}  // namespace triggerd
