// Several triggerd processes on one Redis behave as one service: any of them takes any
// delivery, OAuth callback or admin call, a token check pass runs in one of them at a time, they
// may share one public port (server.reuse_port), and the spool a process leaves behind is
// drained by `triggerd --drain-spool`.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <regex>
#include <set>
#include <thread>

#include "common/encoding.h"
#include "tests/fakes/fake_github.h"
#include "tests/integration/triggerd_fixture.h"
#include "tests/support/json_doc.h"
#include "webhook/signature.h"

namespace triggerd::testing {
namespace {

using namespace std::chrono_literals;

const char* kRules = R"([{"kind": "branch", "match": "master", "tags": ["latest"]}])";
constexpr const char* kToken = "ghp_REPLICAS0d41d8cd98f00b204e9800998ecf8";

std::string queryValue(const std::string& url, const std::string& name) {
  std::smatch m;
  std::regex re("[?&]" + name + "=([^&]*)");
  if (!std::regex_search(url, m, re)) return "";
  return *urlDecode(m[1].str(), true);
}

// The value of one metric sample in a /metrics text, or 0.
double sample(const std::string& metrics, const std::string& series) {
  size_t at = metrics.find("\n" + series + " ");
  return at == std::string::npos ? 0 : std::stod(metrics.substr(at + series.size() + 2));
}

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    github_.addUser(1, "octocat", "The Octocat");
    github_.addToken(kToken, "octocat", {"repo"});
  }

  TriggerdOptions replica(const std::string& server_extra = "", int public_port = 0) {
    TriggerdOptions o;
    o.shared_redis = &redis_;
    o.server_extra = server_extra;
    o.public_port = public_port;
    o.security_extra = "allowed_networks = [\"127.0.0.0/8\"]";
    o.github_extra = "api_url = \"" + github_.apiBaseUrl() + "\"\noauth_url = \"" +
                     github_.oauthBaseUrl() + "\"\nclient_id = \"" + github_.options().client_id +
                     "\"\nclient_secret_file = \"github-client-secret\"\n";
    o.files["github-client-secret"] = github_.options().client_secret + "\n";
    o.extra_toml = "[spool]\ndir = \"spool\"\nredis_deadline = \"300ms\"\n";
    return o;
  }

  static HttpCallResult deliver(const std::string& url, const std::string& secret,
                                const std::string& delivery, int variant) {
    std::string body = githubPush("github/push.json", variant);
    return httpCall("POST", url,
                    {{"Content-Type", "application/json"},
                     {"X-GitHub-Event", "push"},
                     {"X-GitHub-Delivery", delivery},
                     {"X-Hub-Signature-256", githubSignature(secret, body)}},
                    body);
  }

  RedisServer redis_;
  FakeGitHub github_;
};

TEST_F(ReplicasTest, DeliveriesAlternatingBetweenReplicasAreBuiltOnce) {
  TriggerdInstance a(replica()), b(replica());
  auto [id, secret] = a.createTrigger("alice", "github", "Codertocat/Hello-World", kRules);
  TriggerdInstance* replicas[] = {&a, &b};
  std::map<std::string, std::string> answered;  // delivery -> job id
  for (int i = 0; i < 20; ++i) {
    std::string delivery = "alt-" + std::to_string(i);
    auto r = deliver(replicas[i % 2]->publicUrl("/webhooks/github/" + id), secret, delivery, i + 1);
    ASSERT_EQ(r.status, 202) << r.body;
    answered[delivery] = jsonString(parseJson(r.body), "/jobs/0");
  }
  // A provider's redelivery may reach the other replica: the same jobs, nothing new.
  for (int i = 0; i < 20; ++i) {
    std::string delivery = "alt-" + std::to_string(i);
    auto r = deliver(replicas[(i + 1) % 2]->publicUrl("/webhooks/github/" + id), secret, delivery,
                     i + 1);
    ASSERT_EQ(r.status, 200) << r.body;
    auto d = parseJson(r.body);
    EXPECT_TRUE(jsonBool(d, "/duplicate"));
    EXPECT_EQ(jsonString(d, "/jobs/0"), answered[delivery]);
  }
  EXPECT_EQ(a.streamLength(), 20);
  std::set<std::string> in_stream;
  for (const auto& job : a.streamJobs()) in_stream.insert(jsonString(parseJson(job), "/id"));
  for (const auto& [delivery, job] : answered) EXPECT_TRUE(in_stream.count(job)) << delivery;

  // Admin calls: either replica sees and changes what the other wrote.
  auto listed = b.admin("GET", "/api/v1/users/alice/triggers");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(jsonString(parseJson(listed.body), "/triggers/0/id"), id);
  // 200: the answer also says which webhooks were removed (docs/api.md).
  ASSERT_EQ(b.admin("DELETE", "/api/v1/users/alice/triggers/" + id).status, 200);
  EXPECT_EQ(deliver(b.publicUrl("/webhooks/github/" + id), secret, "after-delete", 99).status, 404);
  // The other replica read the trigger moments ago: it lets the deletion apply within
  // triggers.cache_max_age (1 s by default), docs/operations.md.
  auto deleted_at = std::chrono::steady_clock::now();
  int status = 0;
  for (int i = 0; status != 404 && i < 40; ++i) {
    status = deliver(a.publicUrl("/webhooks/github/" + id), secret,
                     "after-delete-" + std::to_string(i), 100 + i)
                 .status;
    if (status != 404) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 404);
  EXPECT_LT(std::chrono::steady_clock::now() - deleted_at, std::chrono::milliseconds(2500));
}

TEST_F(ReplicasTest, AnOAuthFlowStartedOnOneReplicaCompletesOnTheOther) {
  TriggerdInstance a(replica()), b(replica());
  // alice's browser signed in to the console on a: only it may complete her flow.
  auto minted = a.admin("POST", "/api/v1/users/alice/tokens", R"({"name": "browser"})");
  ASSERT_EQ(minted.status, 201) << minted.body;
  auto signed_in =
      httpCall("POST", a.publicUrl("/console/api/session"), {{"Content-Type", "application/json"}},
               R"({"token": ")" + jsonString(parseJson(minted.body), "/token") + "\"}");
  ASSERT_EQ(signed_in.status, 201) << signed_in.body;
  std::string cookie = signed_in.header("Set-Cookie");
  cookie = cookie.substr(0, cookie.find(';'));
  auto start = a.admin("POST", "/api/v1/users/alice/sources/github/authorize");
  ASSERT_EQ(start.status, 200) << start.body;
  std::string url = jsonString(parseJson(start.body), "/authorize_url");
  std::string state = queryValue(url, "state");
  std::string code = github_.issueCode("octocat", {"repo"}, queryValue(url, "redirect_uri"));
  // The browser comes back through the load balancer to the other replica, which knows its
  // session too.
  auto cb = httpCall("GET", b.publicUrl("/oauth/github/callback?code=" + code + "&state=" + state),
                     {{"Cookie", cookie}});
  ASSERT_EQ(cb.status, 200) << cb.body << b.log();
  auto sources = parseJson(a.admin("GET", "/api/v1/users/alice/sources").body);
  ASSERT_EQ(jsonSize(sources, "/sources"), 1u);
  EXPECT_EQ(jsonString(sources, "/sources/0/login"), "octocat");
  // The state was used up on b: a refuses it too.
  auto replay =
      httpCall("GET", a.publicUrl("/oauth/github/callback?code=" + code + "&state=" + state),
               {{"Cookie", cookie}});
  EXPECT_EQ(replay.status, 400) << replay.body;
}

// Asked of both replicas at once, the token check runs one pass: the other replica answers 409
// rather than checking every token a second time. The provider is slow (200 ms an answer), so
// the two requests certainly overlap.
TEST_F(ReplicasTest, ATokenCheckPassRunsInOneReplicaAtATime) {
  TriggerdInstance a(replica()), b(replica());
  for (const char* user : {"alice", "bob"})
    ASSERT_EQ(a.admin("PUT", std::string("/api/v1/users/") + user + "/sources/github",
                      std::string(R"({"token": ")") + kToken + "\"}")
                  .status,
              201);
  github_.clearRequests();
  github_.setDelay(500ms);
  auto from_a =
      std::async(std::launch::async, [&] { return a.admin("POST", "/api/v1/admin/tokens/check"); });
  // b asks only once a's pass holds the lease (however slow the machine is).
  ASSERT_TRUE(waitUntil([&] {
    return redis_.cmd({"EXISTS", "triggerd:lease:token-check"}).integer == 1;
  }));
  auto from_b = b.admin("POST", "/api/v1/admin/tokens/check");
  auto ra = from_a.get();
  ASSERT_EQ(ra.status, 200) << ra.body;
  EXPECT_EQ(jsonInt(parseJson(ra.body), "/checked"), 2);
  EXPECT_EQ(from_b.status, 409) << from_b.body;
  EXPECT_EQ(jsonString(parseJson(from_b.body), "/field"), "tokens");
  size_t user_calls = 0;
  for (const auto& r : github_.requests()) user_calls += r.rawPath() == "/user";
  EXPECT_EQ(user_calls, 2u) << "each token checked once";

  // The pass is over: b may run the next one.
  github_.setDelay(0ms);
  auto rb = b.admin("POST", "/api/v1/admin/tokens/check");
  ASSERT_EQ(rb.status, 200) << rb.body;
  EXPECT_EQ(jsonInt(parseJson(rb.body), "/checked"), 2);
  std::string ma = httpCall("GET", a.adminUrl("/metrics")).body;
  std::string mb = httpCall("GET", b.adminUrl("/metrics")).body;
  const std::string completed = "triggerd_token_check_passes_total{outcome=\"completed\"}";
  const std::string elsewhere = "triggerd_token_check_passes_total{outcome=\"elsewhere\"}";
  EXPECT_EQ(sample(ma, completed) + sample(mb, completed), 2);
  EXPECT_EQ(sample(mb, elsewhere), 1);
}

// server.reuse_port: two processes listen on one public port and the kernel spreads new
// connections over both; without it the second cannot bind.
TEST_F(ReplicasTest, TwoProcessesShareThePublicPortWithReusePort) {
  TriggerdInstance a(replica("reuse_port = true"));
  TriggerdInstance b(replica("reuse_port = true", a.publicPort()));
  ASSERT_EQ(a.publicPort(), b.publicPort());
  auto [id, secret] = a.createTrigger("alice", "github", "Codertocat/Hello-World", kRules);
  std::string url = a.publicUrl("/webhooks/github/" + id);
  for (int i = 0; i < 60; ++i)
    ASSERT_EQ(deliver(url, secret, "shared-" + std::to_string(i), i + 1).status, 202);
  EXPECT_EQ(a.streamLength(), 60);
  const std::string enqueued =
      "triggerd_webhook_deliveries_total{provider=\"github\",outcome=\"enqueued\"}";
  double on_a = sample(httpCall("GET", a.adminUrl("/metrics")).body, enqueued);
  double on_b = sample(httpCall("GET", b.adminUrl("/metrics")).body, enqueued);
  EXPECT_EQ(on_a + on_b, 60);
  EXPECT_GT(on_a, 0) << "the kernel sent every connection to b";
  EXPECT_GT(on_b, 0) << "the kernel sent every connection to a";

  TriggerdOptions lone = replica("", a.publicPort());
  lone.wait_ready = false;
  TriggerdInstance c(lone);
  EXPECT_EQ(c.process().wait(10s), 1);
  EXPECT_NE(c.log().find("public listener"), std::string::npos) << c.log();
}

// A replica that never comes back leaves deliveries in its spool; `triggerd --drain-spool` on
// that directory (here: the same config) replays them into Redis without listening, then exits.
TEST_F(ReplicasTest, ALeftoverSpoolIsDrainedByDrainSpool) {
  TriggerdInstance a(replica()), b(replica());
  auto [id, secret] = a.createTrigger("alice", "github", "Codertocat/Hello-World", kRules);
  ASSERT_EQ(deliver(b.publicUrl("/webhooks/github/" + id), secret, "warm", 1).status, 202);
  redis_.stop();
  std::vector<std::string> spooled;
  for (int i = 0; i < 5; ++i) {
    auto r =
        deliver(b.publicUrl("/webhooks/github/" + id), secret, "left-" + std::to_string(i), 10 + i);
    ASSERT_EQ(r.status, 202) << r.body;
    spooled.push_back(jsonString(parseJson(r.body), "/jobs/0"));
  }
  b.process().stop(SIGKILL);  // b is gone for good
  redis_.start();
  ASSERT_TRUE(waitUntil([&] { return a.ready(); }));
  EXPECT_EQ(a.streamLength(), 1);

  Subprocess drain({triggerdBinary(), "--config", b.configPath(), "--drain-spool"},
                   b.dir().file("drain.log"));
  EXPECT_EQ(drain.wait(30s), 0) << drain.log();
  EXPECT_NE(drain.log().find("spool drained"), std::string::npos) << drain.log();
  EXPECT_EQ(a.streamLength(), 6);
  std::set<std::string> in_stream;
  for (const auto& job : a.streamJobs()) in_stream.insert(jsonString(parseJson(job), "/id"));
  for (const auto& job : spooled) EXPECT_TRUE(in_stream.count(job)) << job;
  // Drained means empty: a second run has nothing to do.
  Subprocess again({triggerdBinary(), "--config", b.configPath(), "--drain-spool"},
                   b.dir().file("drain-again.log"));
  EXPECT_EQ(again.wait(30s), 0) << again.log();
  EXPECT_EQ(a.streamLength(), 6);
}

TEST_F(ReplicasTest, DrainSpoolNeedsASpoolDirectory) {
  TriggerdOptions o = replica();
  o.extra_toml = "";
  o.wait_ready = false;
  o.args = {"--drain-spool"};
  TriggerdInstance tri(o);
  EXPECT_EQ(tri.process().wait(10s), 1);
  EXPECT_NE(tri.log().find("--drain-spool needs"), std::string::npos) << tri.log();
}

}  // namespace
}  // namespace triggerd::testing
