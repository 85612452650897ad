// Webhook signature and header handling: GitHub's X-Hub-Signature-256, GitLab's token and the
// Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature), over any body.
//
// Input: <X-Hub-Signature-256>\n<webhook-id>\n<webhook-timestamp>\n<webhook-signature>\n<body>
#include <cstdlib>
#include <string>

#include "tests/fuzz/fuzz_input.h"
#include "webhook/signature.h"

namespace {

// The secrets the seed corpus is signed with (GitHub's documentation example secret, and a
// Standard Webhooks key), so that seeds reach the accepting paths.
constexpr std::string_view kGithubSecret = "It's a Secret to Everybody";
constexpr std::string_view kStandardKey = "triggerd-fuzz-standard-webhooks-key";
constexpr int64_t kNow = 1764064800;  // 2025-11-25T10:00:00Z: the seeds' webhook-timestamp

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace triggerd;
  auto [github, id, timestamp, signature, body] = fuzz::fields<5>(fuzz::asText(data, size));

  bool github_ok = verifyGithubSignature(kGithubSecret, body, github);
  // A header that verifies is exactly the signature we compute, whatever the hex case.
  if (github_ok && githubSignature(kGithubSecret, body).size() != github.size()) std::abort();
  if (verifyGithubSignature("", body, github)) std::abort();  // an empty secret never verifies
  if (verifyGitlabToken("", github)) std::abort();
  (void)verifyGitlabToken(kGithubSecret, github);

  auto check = verifyStandardWebhook(kStandardKey, id, timestamp, signature, body, kNow, 300);
  if (check == StandardWebhookCheck::kValid) {
    // What verified must also verify when the key's own signature is sent alone.
    std::string own = standardWebhookSignature(kStandardKey, id, timestamp, body);
    if (verifyStandardWebhook(kStandardKey, id, timestamp, own, body, kNow, 300) !=
        StandardWebhookCheck::kValid) {
      std::abort();
    }
  }
  (void)verifyStandardWebhook("", id, timestamp, signature, body, kNow, 0);
  return 0;
}
