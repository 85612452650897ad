// Webhook signature checks. Pure functions over raw bytes; every comparison is constant time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace triggerd {

// "sha256=" + hex(HMAC-SHA256(secret, body)), as GitHub sends in X-Hub-Signature-256.
std::string githubSignature(std::string_view secret, std::string_view body);
// Checks an X-Hub-Signature-256 value against the body. False for a missing or malformed value.
// Hex digits of either case are accepted. An empty secret never verifies.
bool verifyGithubSignature(std::string_view secret, std::string_view body,
                           std::string_view header_value);
// Checks X-Gitlab-Token (the secret in plain text) in constant time. An empty secret never
// verifies.
bool verifyGitlabToken(std::string_view secret, std::string_view header_value);

enum class StandardWebhookCheck {
  kValid,
  kMalformed,     // headers present but unparsable (timestamp not an integer, no v1 entry)
  kStale,         // timestamp more than the tolerance away from now
  kBadSignature,  // no v1 signature matches
};
// Standard Webhooks (GitLab's signing token): webhook-signature holds space-separated
// "v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>" entries; any match is enough.
// `key` is the raw key bytes (base64-decoded part after "whsec_").
StandardWebhookCheck verifyStandardWebhook(std::string_view key, std::string_view id,
                                           std::string_view timestamp,
                                           std::string_view signature_header, std::string_view body,
                                           int64_t now_unix, int64_t tolerance_seconds = 300);
// "v1,<base64>" for the given inputs (tests and the benchmark sign with it).
std::string standardWebhookSignature(std::string_view key, std::string_view id,
                                     std::string_view timestamp, std::string_view body);

}  // namespace triggerd
