// The delivery parsers face untrusted bytes (signed, but by whoever holds the secret): they
// must never crash, and whatever they accept must be well-formed. Every fixture is truncated,
// garbled and cut up here, and random bytes are thrown at both parsers.
#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <string>
#include <string_view>

#include "tests/unit/webhook/fixtures.h"
#include "webhook/push_event.h"

namespace triggerd {
namespace {

using webhook_test::fixture;

struct Sample {
  bool github;
  const char* event;
  const char* content_type;
  const char* file;
};

constexpr char kJson[] = "application/json";
constexpr char kForm[] = "application/x-www-form-urlencoded";

const Sample kSamples[] = {
    {true, "push", kJson, "github/push.json"},
    {true, "push", kJson, "github/push-tag.json"},
    {true, "push", kJson, "github/push-delete.json"},
    {true, "ping", kJson, "github/ping.json"},
    {true, "push", kForm, "github/push-form-urlencoded.txt"},
    {true, "ping", kForm, "github/ping-form-urlencoded.txt"},
    {false, "Push Hook", kJson, "gitlab/push.json"},
    {false, "Tag Push Hook", kJson, "gitlab/tag-push.json"},
};

Result<Delivery> parse(const Sample& s, std::string_view body) {
  return s.github ? parseGithubDelivery(s.event, s.content_type, body)
                  : parseGitlabDelivery(s.event, s.content_type, body);
}

bool isSha(std::string_view s) {
  if (s.size() != 40 && s.size() != 64) return false;
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// What any accepted delivery must look like, however odd its input.
void expectWellFormed(const Result<Delivery>& r, const std::string& where) {
  if (!r.ok()) {
    EXPECT_TRUE(r.error().status == 400 || r.error().status == 415) << where;
    EXPECT_FALSE(r.error().message.empty()) << where;
    return;
  }
  switch (r->kind) {
    case DeliveryKind::kPing:
      EXPECT_FALSE(r->hook_id.empty()) << where;
      break;
    case DeliveryKind::kIgnored:
      EXPECT_FALSE(r->ignored_reason.empty()) << where;
      break;
    case DeliveryKind::kPush: {
      const PushEvent& p = r->push;
      EXPECT_TRUE(p.ref.rfind("refs/heads/", 0) == 0 || p.ref.rfind("refs/tags/", 0) == 0) << where;
      EXPECT_FALSE(p.ref_name.empty()) << where;
      EXPECT_TRUE(isSha(p.head.sha)) << where;
      EXPECT_TRUE(isSha(p.after)) << where;
      EXPECT_FALSE(p.repository.id.empty()) << where;
      EXPECT_FALSE(p.repository.full_name.empty()) << where;
      EXPECT_FALSE(p.repository.clone_url.empty()) << where;
      for (const CommitInfo& c : p.commits) EXPECT_TRUE(isSha(c.sha)) << where;
      break;
    }
  }
}

class PayloadRobustnessTest : public ::testing::TestWithParam<Sample> {};

TEST_P(PayloadRobustnessTest, FullFixtureParses) {
  const Sample& s = GetParam();
  auto r = parse(s, fixture(s.file));
  ASSERT_TRUE(r.ok()) << r.error().message;
  expectWellFormed(r, "full");
}

TEST_P(PayloadRobustnessTest, EveryTruncationIsAnError) {
  const Sample& s = GetParam();
  const std::string body = fixture(s.file);
  ASSERT_FALSE(body.empty());
  // Shorter than this, the closing brace (raw or %7D-encoded) is cut off, so the JSON cannot
  // be complete. Longer prefixes only lose trailing whitespace and may parse.
  size_t complete_from = s.content_type == kForm ? body.rfind("%7D") + 3 : body.rfind('}') + 1;
  ASSERT_NE(complete_from, std::string::npos);
  for (size_t len = 0; len <= body.size();) {
    auto r = parse(s, std::string_view(body).substr(0, len));
    std::string where = std::string(s.file) + " prefix " + std::to_string(len);
    if (len < complete_from) {
      EXPECT_FALSE(r.ok()) << where;
    }
    expectWellFormed(r, where);
    // Every length near both ends, a stride in between.
    len += (len < 512 || len + 512 > body.size()) ? 1 : 7;
  }
}

TEST_P(PayloadRobustnessTest, GarbledBytesNeverCrash) {
  const Sample& s = GetParam();
  const std::string body = fixture(s.file);
  const char replacements[] = {'\0', '\xff', '\x80', '"', '{', ']', ',', ':',
                               '\\', '0',    '%',    '&', '+', '=', '\n'};
  for (size_t i = 0; i < body.size(); i += 29) {
    for (char b : replacements) {
      std::string mutated = body;
      mutated[i] = b;
      expectWellFormed(parse(s, mutated), std::string(s.file) + " byte " + std::to_string(i));
    }
  }
}

TEST_P(PayloadRobustnessTest, RemovedSpansNeverCrash) {
  const Sample& s = GetParam();
  const std::string body = fixture(s.file);
  for (size_t span : {1, 5, 64, 1000}) {
    for (size_t i = 0; i + span <= body.size(); i += 23) {
      std::string cut = body.substr(0, i) + body.substr(i + span);
      expectWellFormed(parse(s, cut), std::string(s.file) + " cut " + std::to_string(i) + "+" +
                                          std::to_string(span));
    }
  }
}

TEST_P(PayloadRobustnessTest, WrongEventOrContentTypeNeverCrashes) {
  const Sample& s = GetParam();
  const std::string body = fixture(s.file);
  for (const char* event : {"push", "ping", "Push Hook", "Tag Push Hook", "issues", ""}) {
    for (const char* ct : {kJson, kForm, "text/plain", ""}) {
      expectWellFormed(parseGithubDelivery(event, ct, body), std::string(s.file) + " " + event);
      expectWellFormed(parseGitlabDelivery(event, ct, body), std::string(s.file) + " " + event);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PayloadRobustnessTest, ::testing::ValuesIn(kSamples),
                         [](const ::testing::TestParamInfo<Sample>& sample) {
                           std::string name = sample.param.file;
                           for (char& c : name)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// The payload parser (simdjson) finds and copies strings in SIMD blocks of 32 or 64 bytes, stopping
// at a quote, a backslash or a control character: every string length, each with an escape or a
// multi-byte character at every position, and the string's end at every alignment, must read
// back exactly as written.
TEST(PayloadStringScanTest, EveryLengthAndEscapePositionReadsBack) {
  const std::string base = fixture("github/push.json");
  const std::string specials[] = {"\"", "\\", "\n", "\x01", "\xc3\xa9", "/"};
  for (size_t length = 0; length <= 40; ++length) {
    for (const std::string& special : specials) {
      for (size_t at = 0; at <= length; ++at) {
        std::string message;
        for (size_t i = 0; i < length; ++i) message += static_cast<char>('a' + i % 26);
        message.insert(at, special);
        std::string body = webhook_test::withString(base, "/head_commit/message", message.c_str());
        auto r = parseGithubDelivery("push", kJson, body);
        ASSERT_TRUE(r.ok()) << "length " << length << " at " << at << ": " << r.error().message;
        ASSERT_EQ(r->push.head.message, message) << "length " << length << " at " << at;
      }
    }
  }
}

TEST(PayloadFuzzTest, RandomBytesNeverCrash) {
  std::mt19937 rng(20251125);  // fixed seed: failures reproduce
  const std::string alphabet = "{}[]\":,0123456789abcdef-.eE tfnulr\\/u%&=+payload";
  for (int round = 0; round < 3000; ++round) {
    size_t len = rng() % 300;
    std::string body(len, '\0');
    bool structured = round % 2 == 0;  // half JSON-ish text, half raw bytes
    for (char& c : body) {
      c = structured ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng() & 0xff);
    }
    if (round % 3 == 0) body = "payload=" + body;
    std::string where = "round " + std::to_string(round);
    expectWellFormed(parseGithubDelivery("push", kJson, body), where);
    expectWellFormed(parseGithubDelivery("ping", kJson, body), where);
    expectWellFormed(parseGithubDelivery("push", kForm, body), where);
    expectWellFormed(parseGitlabDelivery("Push Hook", kJson, body), where);
    expectWellFormed(parseGitlabDelivery("Tag Push Hook", kJson, body), where);
    (void)hasSkipMarker(body);
  }
}

TEST(PayloadFuzzTest, PathologicalDocumentsNeverCrash) {
  std::vector<std::string> bodies = {
      std::string(1 << 20, '['),
      std::string(1 << 20, '{'),
      "{\"a\":" + std::string(500000, '[') + std::string(500000, ']') + "}",
      "{\"ref\":\"" + std::string(1 << 20, 'r') + "\"}",
      "{\"commits\":[" + std::string(200000, '{') + "]}",
      "{\"ref\":\"refs/heads/x\",\"before\":1e999}",
      "{\"ref\":\"refs/heads/x\",\"after\":-0,\"repository\":{\"id\":18446744073709551616}}",
      "\xef\xbb\xbf{}",  // a byte-order mark
  };
  for (const std::string& body : bodies) {
    expectWellFormed(parseGithubDelivery("push", kJson, body), body.substr(0, 20));
    expectWellFormed(parseGithubDelivery("ping", kJson, body), body.substr(0, 20));
    expectWellFormed(parseGitlabDelivery("Push Hook", kJson, body), body.substr(0, 20));
  }
}

}  // namespace
}  // namespace triggerd
