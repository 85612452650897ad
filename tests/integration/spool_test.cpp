// The disk spool through the real daemon: while Redis is down or frozen, signed deliveries are
// answered 202 from the spool and built exactly once after Redis returns.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/triggerd_fixture.h"
#include "tests/support/json_doc.h"
#include "webhook/signature.h"

namespace triggerd::testing {
namespace {

const char* kRules = R"([{"kind": "branch", "match": "master", "tags": ["latest"]}])";

class SpoolTest : public ::testing::Test {
 protected:
  static TriggerdOptions withSpool(const std::string& extra = "") {
    TriggerdOptions o;
    o.extra_toml = "[spool]\ndir = \"spool\"\nredis_deadline = \"300ms\"\n" + extra;
    return o;
  }

  void SetUp() override {
    auto [id, secret] = tri_.createTrigger("alice", "github", "Codertocat/Hello-World", kRules);
    id_ = id;
    secret_ = secret;
  }

  HttpCallResult deliver(const std::string& delivery, int variant) {
    std::string body = githubPush("github/push.json", variant);
    return tri_.post("/webhooks/github/" + id_, body,
                     {{"Content-Type", "application/json"},
                      {"X-GitHub-Event", "push"},
                      {"X-GitHub-Delivery", delivery},
                      {"X-Hub-Signature-256", githubSignature(secret_, body)}});
  }

  // The job ids of every entry in the stream.
  std::vector<std::string> streamIds() {
    std::vector<std::string> ids;
    for (const auto& job : tri_.streamJobs()) ids.push_back(jsonString(parseJson(job), "/id"));
    return ids;
  }

  TriggerdInstance tri_{withSpool()};
  std::string id_, secret_;
};

TEST_F(SpoolTest, WhileRedisIsDownDeliveriesAreSpooledAndBuiltOnceItReturns) {
  ASSERT_EQ(deliver("before", 1).status, 202);  // the trigger is known to this triggerd now
  tri_.redis().stop();
  std::vector<std::string> answered;
  for (int i = 0; i < 5; ++i) {
    auto r = deliver("down-" + std::to_string(i), 10 + i);
    ASSERT_EQ(r.status, 202) << r.body << tri_.log();
    auto d = parseJson(r.body);
    EXPECT_TRUE(jsonBool(d, "/spooled")) << r.body;
    answered.push_back(jsonString(d, "/jobs/0"));
  }
  // Ready: the spool can take deliveries; the admin listener says how many wait.
  EXPECT_EQ(httpCall("GET", tri_.publicUrl("/readyz")).status, 200);
  auto status = httpCall("GET", tri_.adminUrl("/readyz"));
  EXPECT_EQ(jsonInt(parseJson(status.body), "/spool/records"), 5) << status.body;

  tri_.redis().start();
  ASSERT_TRUE(waitUntil([&] { return tri_.streamLength() == 6; }, std::chrono::seconds(15)))
      << tri_.log();
  auto ids = streamIds();
  for (const auto& id : answered)
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id << " never reached Redis";
  // A redelivery of a spooled delivery is the duplicate it should be.
  auto again = deliver("down-0", 10);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(tri_.streamLength(), 6);
  EXPECT_TRUE(waitUntil([&] {
    return jsonInt(parseJson(httpCall("GET", tri_.adminUrl("/readyz")).body), "/spool/records") ==
           0;
  }));
}

TEST_F(SpoolTest, AFrozenRedisIsAnsweredFromTheSpoolWithinTheDeadline) {
  ASSERT_EQ(deliver("warm", 1).status, 202);
  kill(tri_.redis().pid(), SIGSTOP);
  auto start = std::chrono::steady_clock::now();
  auto r = deliver("frozen", 2);
  auto took = std::chrono::steady_clock::now() - start;
  kill(tri_.redis().pid(), SIGCONT);
  ASSERT_EQ(r.status, 202) << r.body << tri_.log();
  EXPECT_TRUE(jsonBool(parseJson(r.body), "/spooled"));
  EXPECT_LT(took, std::chrono::milliseconds(1500));
  // The enqueue in flight and the replay both reach Redis: the delivery id makes them one job.
  ASSERT_TRUE(waitUntil(
      [&] {
        return jsonInt(parseJson(httpCall("GET", tri_.adminUrl("/readyz")).body),
                       "/spool/records") == 0;
      },
      std::chrono::seconds(15)))
      << tri_.log();
  EXPECT_EQ(tri_.streamLength(), 2);
}

TEST_F(SpoolTest, SpooledDeliveriesSurviveARestartOfTriggerd) {
  ASSERT_EQ(deliver("warm", 1).status, 202);
  tri_.redis().stop();
  auto r = deliver("kept", 2);
  ASSERT_EQ(r.status, 202) << r.body;
  std::string job = jsonString(parseJson(r.body), "/jobs/0");
  tri_.process().stop(SIGKILL);
  tri_.redis().start();
  tri_.start();
  ASSERT_TRUE(waitUntil([&] { return tri_.streamLength() == 2; }, std::chrono::seconds(15)))
      << tri_.log();
  auto ids = streamIds();
  EXPECT_NE(std::find(ids.begin(), ids.end(), job), ids.end());
}

TEST(SpoolFullTest, WithoutRoomTheAnswerIs503WithRetryAfter) {
  TriggerdOptions o;
  o.extra_toml = "[spool]\ndir = \"spool\"\nmax_bytes = \"1MiB\"\nsegment_bytes = \"64KiB\"\n";
  TriggerdInstance tri(o);
  auto [id, secret] = tri.createTrigger("alice", "github", "Codertocat/Hello-World", kRules);
  auto deliver = [&](int n) {
    std::string body = githubPush("github/push.json", n);
    return tri.post("/webhooks/github/" + id, body,
                    {{"Content-Type", "application/json"},
                     {"X-GitHub-Event", "push"},
                     {"X-GitHub-Delivery", "d-" + std::to_string(n)},
                     {"X-Hub-Signature-256", githubSignature(secret, body)}});
  };
  ASSERT_EQ(deliver(1).status, 202);
  tri.redis().stop();
  // A spooled delivery is about 1.5 KB: 1 MiB holds several hundred, then it is full.
  HttpCallResult last;
  int accepted = 0;
  for (int n = 2; n < 2000; ++n) {
    last = deliver(n);
    if (last.status != 202) break;
    ++accepted;
  }
  EXPECT_GT(accepted, 100);
  EXPECT_EQ(last.status, 503) << last.body;
  EXPECT_NE(last.body.find("spool"), std::string::npos) << last.body;
  EXPECT_EQ(last.header("Retry-After"), "5");
  EXPECT_EQ(httpCall("GET", tri.publicUrl("/readyz")).status, 503);
  tri.redis().start();
  ASSERT_TRUE(
      waitUntil([&] { return tri.streamLength() == 1 + accepted; }, std::chrono::seconds(30)))
      << tri.log();
}

}  // namespace
}  // namespace triggerd::testing
