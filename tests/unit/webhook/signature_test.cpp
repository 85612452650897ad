#include "webhook/signature.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "tests/unit/webhook/fixtures.h"

namespace triggerd {
namespace {

using webhook_test::fixture;

// ---- GitHub: X-Hub-Signature-256 -----------------------------------------------------------

// The example from GitHub's "Validating webhook deliveries" documentation.
constexpr char kDocSecret[] = "It's a Secret to Everybody";
constexpr char kDocPayload[] = "Hello, World!";
constexpr char kDocSignature[] =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

TEST(GithubSignatureTest, MatchesGithubDocumentedTestVector) {
  EXPECT_EQ(githubSignature(kDocSecret, kDocPayload), kDocSignature);
  EXPECT_TRUE(verifyGithubSignature(kDocSecret, kDocPayload, kDocSignature));
}

TEST(GithubSignatureTest, MatchesRfc4231AndEmptyKeyVectors) {
  // RFC 4231 test case 2 (HMAC-SHA256).
  EXPECT_EQ(githubSignature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // An empty key is still a key: HMAC-SHA256("", "").
  EXPECT_EQ(githubSignature("", ""),
            "sha256=b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(GithubSignatureTest, AcceptsUpperCaseHexAndSurroundingWhitespace) {
  const std::string upper =
      "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17";
  EXPECT_TRUE(verifyGithubSignature(kDocSecret, kDocPayload, upper));
  EXPECT_TRUE(
      verifyGithubSignature(kDocSecret, kDocPayload, std::string(" ") + kDocSignature + " "));
  EXPECT_TRUE(verifyGithubSignature(
      kDocSecret, kDocPayload,
      "SHA256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"));
}

TEST(GithubSignatureTest, RejectsWrongSecretOrBody) {
  EXPECT_FALSE(verifyGithubSignature("It's a secret to everybody", kDocPayload, kDocSignature));
  EXPECT_FALSE(verifyGithubSignature(kDocSecret, "Hello, World", kDocSignature));
  EXPECT_FALSE(verifyGithubSignature(kDocSecret, "Hello, World!\n", kDocSignature));
  EXPECT_FALSE(verifyGithubSignature(kDocSecret, "", kDocSignature));
}

TEST(GithubSignatureTest, RejectsMalformedHeaderValues) {
  const std::string hex = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  const std::vector<std::string> bad_values = {
      std::string(),                         // missing
      hex,                                   // no prefix
      "sha1=" + hex,                         // the legacy header's algorithm
      "sha256:" + hex,                       // wrong separator
      std::string("sha256="),                // no digest
      "sha256=" + hex.substr(0, 63),         // one digit short
      "sha256=" + hex + "0",                 // one digit long
      "sha256=" + hex + hex,                 // two digests
      "sha256=" + hex.substr(0, 62) + "zz",  // not hex
      "sha256= " + hex.substr(1),            // space inside
      "sha256=" + std::string(64, '0'),      // well-formed but wrong
  };
  for (const std::string& bad : bad_values) {
    EXPECT_FALSE(verifyGithubSignature(kDocSecret, kDocPayload, bad)) << "'" << bad << "'";
  }
  // Every single-digit change is caught.
  for (size_t i = 0; i < hex.size(); ++i) {
    std::string flipped = hex;
    flipped[i] = flipped[i] == '0' ? '1' : '0';
    EXPECT_FALSE(verifyGithubSignature(kDocSecret, kDocPayload, "sha256=" + flipped)) << i;
  }
}

TEST(GithubSignatureTest, EmptySecretNeverVerifies) {
  // Anyone can compute an HMAC under the empty key, so a hook without a secret is refused.
  EXPECT_FALSE(verifyGithubSignature("", kDocPayload, githubSignature("", kDocPayload)));
}

TEST(GithubSignatureTest, SignsTheRawFormBodyNotTheDecodedPayload) {
  std::string body = fixture("github/push-form-urlencoded.txt");
  std::string json = fixture("github/push.json");
  std::string sig = githubSignature("s3cret", body);
  EXPECT_TRUE(verifyGithubSignature("s3cret", body, sig));
  EXPECT_FALSE(verifyGithubSignature("s3cret", json, sig));
  EXPECT_FALSE(verifyGithubSignature("s3cret", "payload=" + json, sig));
}

TEST(GithubSignatureTest, HandlesBinaryAndLargeBodies) {
  std::string binary("\0\xff\x80payload\0", 11);
  EXPECT_TRUE(verifyGithubSignature("k", binary, githubSignature("k", binary)));
  EXPECT_FALSE(verifyGithubSignature("k", binary.substr(0, 10), githubSignature("k", binary)));
  std::string large(5 * 1024 * 1024, 'x');
  std::string sig = githubSignature("k", large);
  EXPECT_TRUE(verifyGithubSignature("k", large, sig));
  large.back() = 'y';
  EXPECT_FALSE(verifyGithubSignature("k", large, sig));
}

TEST(GithubSignatureTest, SecretMayContainAnyBytes) {
  std::string secret("a\0b", 3);
  std::string sig = githubSignature(secret, "body");
  EXPECT_TRUE(verifyGithubSignature(secret, "body", sig));
  EXPECT_FALSE(verifyGithubSignature("a", "body", sig));
  EXPECT_NE(sig, githubSignature("a", "body"));
}

// ---- GitLab: X-Gitlab-Token ----------------------------------------------------------------

TEST(GitlabTokenTest, AcceptsOnlyTheExactSecret) {
  const std::string secret = "0f3c5e0b9a4d7c1e2f6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e";
  EXPECT_TRUE(verifyGitlabToken(secret, secret));
  EXPECT_FALSE(verifyGitlabToken(secret, secret.substr(0, secret.size() - 1)));
  EXPECT_FALSE(verifyGitlabToken(secret, secret + "0"));
  EXPECT_FALSE(verifyGitlabToken(secret, " " + secret));
  EXPECT_FALSE(verifyGitlabToken(secret, secret.substr(0, 16)));
  EXPECT_FALSE(verifyGitlabToken(secret, ""));
  std::string upper = secret;
  for (char& c : upper)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  EXPECT_FALSE(verifyGitlabToken(secret, upper));  // tokens are case-sensitive
  for (size_t i = 0; i < secret.size(); ++i) {
    std::string changed = secret;
    changed[i] = changed[i] == 'x' ? 'y' : 'x';
    EXPECT_FALSE(verifyGitlabToken(secret, changed)) << i;
  }
}

TEST(GitlabTokenTest, EmptySecretNeverVerifies) {
  EXPECT_FALSE(verifyGitlabToken("", ""));
  EXPECT_FALSE(verifyGitlabToken("", "anything"));
}

TEST(GitlabTokenTest, HandlesEmbeddedNulAndLongValues) {
  std::string secret("tok\0en", 6);
  EXPECT_TRUE(verifyGitlabToken(secret, secret));
  EXPECT_FALSE(verifyGitlabToken(secret, "tok"));
  EXPECT_FALSE(verifyGitlabToken(secret, std::string(1 << 20, 't')));
}

// ---- Standard Webhooks (GitLab signing token) ------------------------------------------------

// The Standard Webhooks specification's published example: key
// whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw.
constexpr char kSwId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr char kSwTimestamp[] = "1614265330";
constexpr int64_t kSwNow = 1614265330;
constexpr char kSwBody[] = "{\"test\": 2432232314}";
constexpr char kSwSignature[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

std::string swKey() {
  return base64Decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").value();
}

StandardWebhookCheck check(std::string_view signature, std::string_view timestamp = kSwTimestamp,
                           int64_t now = kSwNow, std::string_view id = kSwId,
                           std::string_view body = kSwBody) {
  return verifyStandardWebhook(swKey(), id, timestamp, signature, body, now);
}

TEST(StandardWebhookTest, MatchesSpecificationTestVector) {
  EXPECT_EQ(standardWebhookSignature(swKey(), kSwId, kSwTimestamp, kSwBody), kSwSignature);
  EXPECT_EQ(check(kSwSignature), StandardWebhookCheck::kValid);
}

TEST(StandardWebhookTest, AcceptsAnyMatchingEntryAmongSeveral) {
  std::string other = standardWebhookSignature("another key", kSwId, kSwTimestamp, kSwBody);
  EXPECT_EQ(check(other + " " + kSwSignature), StandardWebhookCheck::kValid);
  EXPECT_EQ(check(std::string(kSwSignature) + " " + other), StandardWebhookCheck::kValid);
  // Entries of other versions are skipped, not fatal.
  EXPECT_EQ(check(std::string("v1a,bm90IGEgc2lnbmF0dXJl ") + kSwSignature),
            StandardWebhookCheck::kValid);
  // So is a v1 entry whose base64 does not decode to a digest.
  EXPECT_EQ(check(std::string("v1,!!!! v1,AAAA ") + kSwSignature), StandardWebhookCheck::kValid);
  // Repeated separators.
  EXPECT_EQ(check(std::string("  ") + kSwSignature + "  "), StandardWebhookCheck::kValid);
}

TEST(StandardWebhookTest, RejectsWhenNoEntryMatches) {
  std::string other = standardWebhookSignature("another key", kSwId, kSwTimestamp, kSwBody);
  EXPECT_EQ(check(other), StandardWebhookCheck::kBadSignature);
  EXPECT_EQ(check(kSwSignature, kSwTimestamp, kSwNow, "msg_other"),
            StandardWebhookCheck::kBadSignature);
  EXPECT_EQ(check(kSwSignature, kSwTimestamp, kSwNow, kSwId, "{\"test\": 2432232315}"),
            StandardWebhookCheck::kBadSignature);
  EXPECT_EQ(check(kSwSignature, "1614265331", kSwNow), StandardWebhookCheck::kBadSignature);
  EXPECT_EQ(verifyStandardWebhook("", kSwId, kSwTimestamp, kSwSignature, kSwBody, kSwNow),
            StandardWebhookCheck::kBadSignature);
}

TEST(StandardWebhookTest, DetectsMalformedHeaders) {
  EXPECT_EQ(check(""), StandardWebhookCheck::kMalformed);
  EXPECT_EQ(check("v1,"), StandardWebhookCheck::kMalformed);
  EXPECT_EQ(check("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
            StandardWebhookCheck::kMalformed);
  EXPECT_EQ(check("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
            StandardWebhookCheck::kMalformed);
  EXPECT_EQ(check("v1,not base64!"), StandardWebhookCheck::kMalformed);
  for (const char* ts : {"", "abc", "-1614265330", "1614265330.5", " 1614265330", "1614265330 ",
                         "0x60375cf2", "99999999999999999999"}) {
    EXPECT_EQ(check(kSwSignature, ts), StandardWebhookCheck::kMalformed) << "'" << ts << "'";
  }
  EXPECT_EQ(check(kSwSignature, kSwTimestamp, kSwNow, ""), StandardWebhookCheck::kMalformed);
}

TEST(StandardWebhookTest, EnforcesToleranceInBothDirections) {
  // The delivery was signed at kSwNow; the receiver's clock varies.
  EXPECT_EQ(check(kSwSignature, kSwTimestamp, kSwNow + 300), StandardWebhookCheck::kValid);
  EXPECT_EQ(check(kSwSignature, kSwTimestamp, kSwNow - 300), StandardWebhookCheck::kValid);
  EXPECT_EQ(check(kSwSignature, kSwTimestamp, kSwNow + 301), StandardWebhookCheck::kStale);
  EXPECT_EQ(check(kSwSignature, kSwTimestamp, kSwNow - 301), StandardWebhookCheck::kStale);
  EXPECT_EQ(verifyStandardWebhook(swKey(), kSwId, kSwTimestamp, kSwSignature, kSwBody, kSwNow + 30,
                                  /*tolerance_seconds=*/10),
            StandardWebhookCheck::kStale);
  EXPECT_EQ(verifyStandardWebhook(swKey(), kSwId, kSwTimestamp, kSwSignature, kSwBody, kSwNow + 10,
                                  /*tolerance_seconds=*/10),
            StandardWebhookCheck::kValid);
}

TEST(StandardWebhookTest, ExtremeClocksDoNotOverflow) {
  EXPECT_EQ(check(kSwSignature, kSwTimestamp, std::numeric_limits<int64_t>::min()),
            StandardWebhookCheck::kStale);
  EXPECT_EQ(check(kSwSignature, kSwTimestamp, std::numeric_limits<int64_t>::max()),
            StandardWebhookCheck::kStale);
  EXPECT_EQ(check(kSwSignature, "0", 0), StandardWebhookCheck::kBadSignature);
  EXPECT_EQ(verifyStandardWebhook(swKey(), kSwId, kSwTimestamp, kSwSignature, kSwBody, kSwNow,
                                  /*tolerance_seconds=*/-5),
            StandardWebhookCheck::kValid);
}

TEST(StandardWebhookTest, RoundTripsForComputedVectors) {
  // Each case is signed and verified, and tampering with any input is caught.
  struct Case {
    std::string key, id, timestamp, body;
  };
  const Case cases[] = {
      {std::string(32, '\x01'), "01J0000000000000000000000", "1764064800", ""},
      {"k", "idempotency-key-1", "1764064800", fixture("gitlab/push.json")},
      {std::string("\0\xff", 2), "a.b.c", "1", std::string("\0body\0", 6)},
  };
  for (const Case& c : cases) {
    std::string sig = standardWebhookSignature(c.key, c.id, c.timestamp, c.body);
    ASSERT_EQ(sig.substr(0, 3), "v1,");
    EXPECT_EQ(base64Decode(sig.substr(3)).value().size(), 32u);
    int64_t now = std::stoll(c.timestamp);
    EXPECT_EQ(verifyStandardWebhook(c.key, c.id, c.timestamp, sig, c.body, now),
              StandardWebhookCheck::kValid);
    EXPECT_EQ(verifyStandardWebhook(c.key, c.id + "x", c.timestamp, sig, c.body, now),
              StandardWebhookCheck::kBadSignature);
    EXPECT_EQ(verifyStandardWebhook(c.key, c.id, c.timestamp, sig, c.body + " ", now),
              StandardWebhookCheck::kBadSignature);
    EXPECT_EQ(verifyStandardWebhook(c.key + "x", c.id, c.timestamp, sig, c.body, now),
              StandardWebhookCheck::kBadSignature);
  }
}

}  // namespace
}  // namespace triggerd
