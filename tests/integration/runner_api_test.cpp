// What runners get from triggerd's API, through the real daemon: runner tokens (minted, listed
// and revoked by an admin only) and clone credentials, issued only while a job runs, for its
// repository: the bound GitHub token, or a GitLab deploy token revoked when the attempt ends.
#include <gtest/gtest.h>

#include "tests/integration/jobs_fixture.h"

namespace triggerd::testing {
namespace {

class RunnerApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = std::make_unique<JobsWorld>();
    auto minted = w().tri().admin("POST", "/api/v1/admin/runner-tokens", R"({"name": "build-1"})");
    ASSERT_EQ(minted.status, 201) << minted.body;
    auto d = JobsWorld::parse(minted.body);
    runner_token_ = d["token"].GetString();
    runner_token_id_ = d["id"].GetString();
  }
  JobsWorld& w() { return *world_; }

  HttpCallResult credentials(const std::string& job, const std::string& body = "",
                             const std::string& token = "") {
    Headers h{{"Authorization", "Bearer " + (token.empty() ? runner_token_ : token)}};
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    return httpCall("POST", w().tri().adminUrl("/api/v1/runner/jobs/" + job + "/credentials"), h,
                    body);
  }

  std::unique_ptr<JobsWorld> world_;
  std::string runner_token_, runner_token_id_;
};

TEST_F(RunnerApiTest, TokensAreMintedListedAndRevokedByAnAdminOnly) {
  EXPECT_EQ(runner_token_.rfind("tdr_", 0), 0u);
  auto list = JobsWorld::parse(w().tri().admin("GET", "/api/v1/admin/runner-tokens").body);
  ASSERT_EQ(list["runner_tokens"].Size(), 1u);
  EXPECT_EQ(std::string(list["runner_tokens"][0]["name"].GetString()), "build-1");
  EXPECT_EQ(std::string(list["runner_tokens"][0]["id"].GetString()), runner_token_id_);
  EXPECT_EQ(w().tri().admin("GET", "/api/v1/admin/runner-tokens").body.find(runner_token_),
            std::string::npos);

  // A runner token reaches the runner routes only; a user token not even those.
  EXPECT_EQ(w().tri().admin("GET", "/api/v1/admin/runner-tokens", "", runner_token_).status, 403);
  EXPECT_EQ(w().tri().admin("GET", "/api/v1/users/alice/jobs", "", runner_token_).status, 403);
  auto user = JobsWorld::parse(
      w().tri().admin("POST", "/api/v1/users/alice/tokens", R"({"name": "u"})").body);
  EXPECT_EQ(credentials("01JDQ3Z9X6V5W4T3S2R1Q0P9N8", "", user["token"].GetString()).status, 403);
  EXPECT_EQ(w().tri()
                .admin("POST", "/api/v1/admin/runner-tokens", R"({"name": "x"})",
                       user["token"].GetString())
                .status,
            403);
  EXPECT_EQ(w().tri().admin("POST", "/api/v1/admin/runner-tokens", R"({"name": ""})").status, 422);

  ASSERT_EQ(w().tri().admin("DELETE", "/api/v1/admin/runner-tokens/" + runner_token_id_).status,
            204);
  EXPECT_EQ(w().tri().admin("DELETE", "/api/v1/admin/runner-tokens/" + runner_token_id_).status,
            404);
  EXPECT_EQ(credentials("01JDQ3Z9X6V5W4T3S2R1Q0P9N8").status, 401);
}

TEST_F(RunnerApiTest, CredentialsOnlyWhileTheJobRuns) {
  auto ids = w().pushGithub();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(credentials(ids[0]).status, 409);  // queued: no runner builds it yet
  EXPECT_EQ(credentials("01JDQ3Z9X6V5W4T3S2R1Q0P9N8").status, 404);

  FakeRunner runner(w().redis(), "build-1:0");
  auto job = runner.claim();
  ASSERT_TRUE(job);
  ASSERT_EQ(runner.start(*job), "running");
  auto other_runner = credentials(ids[0], R"({"runner": "someone-else", "attempt": 1})");
  EXPECT_EQ(other_runner.status, 409);
  auto other_attempt = credentials(ids[0], R"({"runner": "build-1:0", "attempt": 2})");
  EXPECT_EQ(other_attempt.status, 409);

  auto ok = credentials(ids[0], R"({"runner": "build-1:0", "attempt": 1})");
  ASSERT_EQ(ok.status, 200) << ok.body << w().tri().log();
  auto c = JobsWorld::parse(ok.body);
  EXPECT_EQ(std::string(c["username"].GetString()), "Codertocat");
  EXPECT_EQ(std::string(c["password"].GetString()), kGithubToken);  // GitHub: the bound token
  EXPECT_TRUE(c["expires_at"].IsString());
  EXPECT_EQ(ok.header("Cache-Control"), "no-store");

  runner.report(*job, "success");
  runner.ack(*job);
  ASSERT_EQ(w().waitJobState("alice", ids[0], "success"), "success");
  EXPECT_EQ(credentials(ids[0]).status, 409);
  // The token is never written to the log.
  EXPECT_EQ(w().tri().log().find(kGithubToken), std::string::npos);
}

TEST_F(RunnerApiTest, GitlabCredentialsAreADeployTokenRevokedWhenTheJobEnds) {
  auto ids = w().pushGitlab();
  FakeRunner runner(w().redis(), "build-1:0");
  auto job = runner.claim();
  ASSERT_TRUE(job);
  ASSERT_EQ(runner.start(*job), "running");
  auto ok = credentials(ids[0]);
  ASSERT_EQ(ok.status, 200) << ok.body << w().tri().log();
  auto c = JobsWorld::parse(ok.body);
  auto tokens = w().gitlab().deployTokens();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].project_id, kGitlabProject);
  EXPECT_EQ(tokens[0].scopes, std::vector<std::string>{"read_repository"});
  EXPECT_EQ(std::string(c["username"].GetString()), tokens[0].username);
  EXPECT_EQ(std::string(c["password"].GetString()), tokens[0].token);
  EXPECT_EQ(std::string(c["expires_at"].GetString()), tokens[0].expires_at);
  EXPECT_FALSE(tokens[0].revoked);

  runner.report(*job, "success");
  runner.ack(*job);
  ASSERT_TRUE(waitUntil([&] { return w().gitlab().deployTokens()[0].revoked; })) << w().tri().log();
  EXPECT_EQ(w().tri().log().find(tokens[0].token), std::string::npos);
}

TEST_F(RunnerApiTest, ADeployTokenIsRevokedWhenTheJobIsTakenBack) {
  auto ids = w().pushGitlab();
  FakeRunner runner(w().redis(), "build-1:0");
  auto job = runner.claim();
  ASSERT_EQ(runner.start(*job), "running");
  ASSERT_EQ(credentials(ids[0]).status, 200);
  // The runner dies; after the visibility timeout the sweep takes the job back.
  ASSERT_TRUE(
      waitUntil([&] { return w().gitlab().deployTokens()[0].revoked; }, std::chrono::seconds(10)))
      << w().tri().log();
  EXPECT_EQ(w().waitJobState("bob", ids[0], "queued"), "queued");
}

}  // namespace
}  // namespace triggerd::testing
