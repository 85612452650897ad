// A build trigger: one repository of a bound source, its hook, image and rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "common/json.h"
#include "common/result.h"
#include "crypto/secure_memory.h"
#include "model/provider.h"
#include "rules/build_rule.h"

namespace triggerd {

struct Trigger {
  std::string id;  // ULID
  std::string user;
  Provider provider = Provider::kGithub;
  std::string repository_id;         // GitHub repository id / GitLab project id (may be empty
                                     // for manual-hook triggers created before the first push)
  std::string repository_full_name;  // owner/name / path_with_namespace
  std::string hook_id;               // the provider's hook id, empty in manual-hook mode
  bool install_hook = false;         // false: the user pastes the URL and secret by hand
  bool hook_verified = false;        // a GitHub ping (or first delivery) reached us
  // The hook as triggerd last found it on the provider (installed hooks; docs/hooks.md).
  bool hook_active = false;                // the provider delivers to it
  int64_t hook_checked_at = 0;             // unix seconds of the last install, check or repair
  std::string hook_error;                  // why the last one failed, or what it found wrong
  std::string hook_note;                   // what the last repair did ("re-enabled: ...")
  std::vector<std::string> missed_pushes;  // "ref sha" heads that no delivery built (GitLab
                                           // without a hook events API)
  int64_t deliveries_checked_at = 0;       // failed deliveries were recovered up to this time
  SecretString secret;                     // in memory only (secure memory); sealed at rest
  SecretString previous_secret;            // still verifies until previous_secret_until (rotation)
  int64_t previous_secret_until = 0;
  // A rotation in progress: set on the provider before it becomes `secret`, and verifying
  // meanwhile, so no delivery is refused whichever secret signed it.
  SecretString pending_secret;
  int64_t pending_secret_until = 0;
  SecretString signing_key;  // GitLab Standard Webhooks key (raw bytes), optional
  // With a signing key: refuse deliveries without a valid webhook-signature. False for a hand
  // made GitLab hook until its first signed delivery arrives (the GitLab may not offer signing
  // tokens, or the user may not have pasted it).
  bool signing_required = true;
  std::string image;  // registry.example.com/team/app
  std::vector<BuildRule> rules;
  bool enabled = true;
  int64_t created_at = 0;  // unix seconds
  int64_t updated_at = 0;
};

// What a create request asks for besides the trigger itself.
struct TriggerCreateOptions {
  // GitLab: give the hook a Standard Webhooks signing token (false: the secret token only,
  // for GitLab servers without signing tokens).
  bool signing_token = true;
};

// Validates a create request body ({provider, repository, image, rules, install_hook?,
// enabled?, signing_token?}). 422 errors name the field. Fills everything but id, user, secrets
// and times. A GitLab numeric project id fills repository_id; any other repository fills
// repository_full_name. install_hook defaults to true (triggerd installs the hook through the
// user's bound source).
Result<Trigger> parseTriggerCreate(const rapidjson::Value& body,
                                   TriggerCreateOptions* options = nullptr);
// Applies a PATCH body ({image?, rules?, enabled?}) to a copy of `current`. Other keys are 422
// (provider and repository cannot change: delete and recreate the trigger). Does not touch
// updated_at: the caller stamps it.
Result<Trigger> applyTriggerPatch(const Trigger& current, const rapidjson::Value& body);
// Valid image reference without tag or digest: [host[:port]/]path, lower-case path components.
Status validateImageName(std::string_view image, const std::string& field);
// Valid repository reference for `provider`: GitHub "owner/name"; GitLab a project path
// ("group/subgroup/project") or a numeric project id ("12345"). 422 at `field`.
Status validateRepository(Provider provider, std::string_view repository, const std::string& field);

// Writes the API view of a trigger: id, user, provider, repository {id, full_name}, hook {id,
// installed, verified, active, signed, last_checked_at, last_error, last_repair,
// missed_pushes}, image, rules, enabled, created_at and updated_at (RFC 3339). Never writes a
// secret or signing key.
void writeTriggerPublic(json::Writer& w, const Trigger& t);

}  // namespace triggerd
