// Repository hooks as triggerd sets them and as GitHub and GitLab show them, and the delivery
// logs both keep (GitHub's hook deliveries, GitLab's hook events).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace triggerd {

// What triggerd wants on the provider for one trigger.
struct HookSpec {
  std::string url;     // {server.public_base_url}/webhooks/{provider}/{trigger id}
  std::string secret;  // GitHub: the HMAC secret; GitLab: the secret token
  // GitLab: a Standard Webhooks signing token ("whsec_<base64 of 32 bytes>"); empty: none. GitHub
  // has no such thing and ignores it.
  std::string signing_token;
};

// A hook as the provider shows it. Secrets are never shown back: only whether one is set.
struct RemoteHook {
  std::string id;
  std::string url;
  std::string project_id;  // GitLab: the numeric project id; GitHub: empty
  // Subscribed to what triggerd builds from: GitHub "push" (tags are push events too); GitLab
  // push and tag push events.
  bool events_ok = false;
  bool tls_verified = true;  // GitHub insecure_ssl "0"; GitLab enable_ssl_verification
  bool json_content = true;  // GitHub content_type "json" (the default is "form")
  bool secret_set = true;    // GitHub: config.secret present (masked); GitLab: token_present
  // GitLab's signing_token_present where the server reports it; nullopt: the server does not
  // know signing tokens.
  std::optional<bool> signing_token_set;
  bool active = true;           // GitHub "active"; GitLab alert_status "executable"
  std::string disabled_reason;  // why it is not active, in the provider's words; empty if active
};

// One delivery attempt as the provider's log shows it.
struct HookDelivery {
  std::string id;            // what redeliver() takes: GitHub's delivery id, GitLab's hook event id
  std::string guid;          // the delivery's identity across attempts: X-GitHub-Delivery; GitLab's
                             // Idempotency-Key when logged, else the event id
  int64_t delivered_at = 0;  // unix seconds
  int status_code = 0;       // the answer's status; 0 when none came (refused, timeout)
  bool succeeded = false;    // a 2xx answer
  bool redelivery = false;
};

// A hook's delivery log since some time, newest first. `available` is false when the provider
// keeps none that triggerd can read (GitLab before 17.3 has no hook events API); `note` then
// says so.
struct DeliveryLog {
  bool available = true;
  std::string note;
  std::vector<HookDelivery> deliveries;
};

}  // namespace triggerd
