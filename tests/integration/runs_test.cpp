// Manual runs (POST .../triggers/{id}/run) and build history through the real daemon, resolved
// against FakeGitHub and FakeGitLab over real HTTP: branches, tags, a pinned commit, refs no rule
// matches, missing refs, an expired token, the Idempotency-Key, the rate limit, and a run whose
// job a runner consumes like any other.
#include <gtest/gtest.h>

#include "common/json.h"
#include "queue/job.h"
#include "tests/integration/jobs_fixture.h"

namespace triggerd::testing {
namespace {

class RunsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    JobsWorldOptions o;
    o.extra_toml = "\n[triggers]\nmanual_run_limit = 5\nmanual_run_window = \"1h\"\n";
    world_ = std::make_unique<JobsWorld>(o);
  }
  JobsWorld& w() { return *world_; }

  HttpCallResult run(const std::string& user, const std::string& trigger, const std::string& body,
                     const std::string& idempotency_key = "") {
    Headers h{{"Authorization", "Bearer " + w().tri().adminToken()},
              {"Content-Type", "application/json"}};
    if (!idempotency_key.empty()) h.emplace_back("Idempotency-Key", idempotency_key);
    return httpCall("POST",
                    w().tri().adminUrl("/api/v1/users/" + user + "/triggers/" + trigger + "/run"),
                    h, body);
  }
  HttpCallResult runGithub(const std::string& body, const std::string& key = "") {
    return run("alice", w().githubTrigger(), body, key);
  }
  HttpCallResult runGitlab(const std::string& body, const std::string& key = "") {
    return run("bob", w().gitlabTrigger(), body, key);
  }

  // The stream's jobs, decoded.
  std::vector<Job> streamJobs() {
    std::vector<Job> out;
    for (const auto& text : w().tri().streamJobs()) {
      auto job = decodeJob(text);
      EXPECT_TRUE(job.ok()) << text;
      if (job.ok()) out.push_back(std::move(job).value());
    }
    return out;
  }

  static std::string field(const HttpCallResult& r) {
    auto d = JobsWorld::parse(r.body);
    return d.IsObject() && d.HasMember("field") ? d["field"].GetString() : "";
  }
  static std::string error(const HttpCallResult& r) {
    auto d = JobsWorld::parse(r.body);
    return d.IsObject() && d.HasMember("error") ? d["error"].GetString() : "";
  }

  std::unique_ptr<JobsWorld> world_;
};

TEST_F(RunsTest, ABranchRunBuildsItsHeadAsAPushWouldWithEventManual) {
  auto r = runGithub(R"({"ref": "master"})");
  ASSERT_EQ(r.status, 202) << r.body << w().tri().log();
  auto d = JobsWorld::parse(r.body);
  ASSERT_EQ(d["jobs"].Size(), 1u);
  EXPECT_EQ(std::string(d["ref"].GetString()), "refs/heads/master");
  EXPECT_EQ(std::string(d["sha"].GetString()), kGithubSha);
  auto jobs = streamJobs();
  ASSERT_EQ(jobs.size(), 1u);
  const Job& j = jobs[0];
  EXPECT_EQ(j.event, "manual");
  EXPECT_EQ(j.delivery_id, "");
  EXPECT_EQ(j.ref, "refs/heads/master");
  EXPECT_EQ(j.ref_type, RefType::kBranch);
  EXPECT_EQ(j.commit.sha, kGithubSha);
  EXPECT_EQ(j.commit.message, "Update README.md");
  EXPECT_EQ(j.tags, std::vector<std::string>{"master-6113728"});
  EXPECT_EQ(j.repository.id, "186853002");
  EXPECT_EQ(j.repository.clone_url, "https://github.com/Codertocat/Hello-World.git");
  EXPECT_FALSE(j.repository.is_private);
  // Who asked is recorded; the pending status goes out like a push's.
  auto shown = JobsWorld::parse(w().tri().admin("GET", "/api/v1/users/alice/jobs/" + j.id).body);
  EXPECT_EQ(std::string(shown["job"]["requested_by"].GetString()), "admin");
  EXPECT_EQ(std::string(shown["job"]["event"].GetString()), "manual");
  ASSERT_TRUE(w().waitGithubStatuses(1));
  EXPECT_EQ(w().github().statuses()[0].state, "pending");

  // A user token runs its own triggers and is recorded by name.
  auto minted = JobsWorld::parse(
      w().tri().admin("POST", "/api/v1/users/alice/tokens", "{\"name\": \"ci\"}").body);
  Headers h{{"Authorization", std::string("Bearer ") + minted["token"].GetString()}};
  auto by_user = httpCall(
      "POST", w().tri().adminUrl("/api/v1/users/alice/triggers/" + w().githubTrigger() + "/run"), h,
      R"({"ref": "refs/heads/master"})");
  ASSERT_EQ(by_user.status, 202) << by_user.body;
  std::string id = JobsWorld::parse(by_user.body)["jobs"][0].GetString();
  auto second = JobsWorld::parse(w().tri().admin("GET", "/api/v1/users/alice/jobs/" + id).body);
  EXPECT_EQ(std::string(second["job"]["requested_by"].GetString()), "alice");
}

TEST_F(RunsTest, TagsAndPinnedCommitsOnGithubAndGitlab) {
  auto tag = runGithub(R"({"ref": "v1.2.0"})");  // only tag rules match v1.2.0: a tag
  ASSERT_EQ(tag.status, 202) << tag.body;
  auto jobs = streamJobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].ref, "refs/tags/v1.2.0");
  EXPECT_EQ(jobs[0].ref_type, RefType::kTag);
  EXPECT_EQ(jobs[0].tags, (std::vector<std::string>{"1.2.0", "1.2"}));

  std::string pinned = JobsWorld::githubSha(3);
  auto pin = runGithub(R"({"ref": "master", "sha": ")" + pinned.substr(0, 10) + R"("})");
  ASSERT_EQ(pin.status, 202) << pin.body;
  EXPECT_EQ(std::string(JobsWorld::parse(pin.body)["sha"].GetString()), pinned);
  EXPECT_EQ(streamJobs().back().commit.sha, pinned);
  EXPECT_EQ(streamJobs().back().tags, std::vector<std::string>{"master-" + pinned.substr(0, 7)});

  auto gl_branch = runGitlab(R"({"ref": "master"})");
  ASSERT_EQ(gl_branch.status, 202) << gl_branch.body;
  auto gl_tag = runGitlab(R"({"ref": "refs/tags/v2.0.0"})");
  ASSERT_EQ(gl_tag.status, 202) << gl_tag.body;
  jobs = streamJobs();
  ASSERT_EQ(jobs.size(), 4u);
  EXPECT_EQ(jobs[2].commit.sha, kGitlabSha);
  EXPECT_EQ(jobs[2].repository.id, "15");
  EXPECT_EQ(jobs[2].repository.full_name, "mike/diaspora");
  EXPECT_EQ(jobs[2].repository.clone_url, w().gitlab().serverRoot() + "/mike/diaspora.git");
  EXPECT_TRUE(jobs[2].repository.is_private);
  EXPECT_EQ(jobs[3].ref, "refs/tags/v2.0.0");
  EXPECT_EQ(jobs[3].tags, (std::vector<std::string>{"2.0.0", "2.0"}));
}

TEST_F(RunsTest, RefusalsNameTheRefTheRulesAndTheField) {
  auto no_rule = runGithub(R"({"ref": "feature/x"})");
  EXPECT_EQ(no_rule.status, 422);
  EXPECT_EQ(field(no_rule), "ref");
  EXPECT_NE(error(no_rule).find("feature/x"), std::string::npos) << no_rule.body;
  EXPECT_NE(error(no_rule).find("branch 'master|main|release/.*'"), std::string::npos)
      << no_rule.body;
  EXPECT_NE(error(no_rule).find("tag 'v([0-9]+)"), std::string::npos) << no_rule.body;

  auto missing = runGithub(R"({"ref": "release/9.9"})");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(field(missing), "ref");
  auto missing_tag = runGitlab(R"({"ref": "v9.9.9"})");
  EXPECT_EQ(missing_tag.status, 404) << missing_tag.body;
  EXPECT_EQ(field(missing_tag), "ref");
  auto missing_sha = runGithub(R"({"ref": "master", "sha": "0123456789abcdef"})");
  EXPECT_EQ(missing_sha.status, 404) << missing_sha.body;
  EXPECT_EQ(field(missing_sha), "sha");

  EXPECT_EQ(field(runGithub(R"({"ref": ""})")), "ref");
  EXPECT_EQ(field(runGithub(R"({"ref": "a..b"})")), "ref");
  EXPECT_EQ(field(runGithub(R"({"ref": "refs/pull/1/head"})")), "ref");
  EXPECT_EQ(field(runGithub(R"({"ref": "master", "sha": "xyz"})")), "sha");
  EXPECT_EQ(field(runGithub(R"({"ref": "master", "branch": "x"})")), "branch");
  EXPECT_EQ(run("alice", "01JDQ2AAAAAAAAAAAAAAAAAAAA", R"({"ref": "master"})").status, 404);
  EXPECT_EQ(run("bob", w().githubTrigger(), R"({"ref": "master"})").status, 404);

  ASSERT_EQ(w().tri()
                .admin("PATCH", "/api/v1/users/alice/triggers/" + w().githubTrigger(),
                       R"({"enabled": false})")
                .status,
            200);
  auto disabled = runGithub(R"({"ref": "master"})");
  EXPECT_EQ(disabled.status, 409);
  EXPECT_EQ(w().tri().streamLength(), 0);
}

TEST_F(RunsTest, AnExpiredOrRevokedTokenAnswersAsBrowsingDoes) {
  w().github().revokeToken(kGithubToken);
  auto gh = runGithub(R"({"ref": "master"})");
  EXPECT_EQ(gh.status, 422) << gh.body;
  EXPECT_EQ(field(gh), "token");
  auto browse = w().tri().admin(
      "GET", "/api/v1/users/alice/sources/github/repos/Codertocat%2FHello-World/branches");
  EXPECT_EQ(browse.status, gh.status);
  EXPECT_EQ(field(browse), field(gh));

  w().gitlab().setNow(4102444800);  // 2100: the token ran out
  w().gitlab().addToken(kGitlabToken, "bob", {"api"}, "2099-01-01");
  auto gl = runGitlab(R"({"ref": "master"})");
  EXPECT_EQ(gl.status, 422) << gl.body;
  EXPECT_EQ(field(gl), "private_token");
  EXPECT_NE(error(gl).find("expired"), std::string::npos) << gl.body;
  EXPECT_EQ(w().tri().streamLength(), 0);
}

TEST_F(RunsTest, AnIdempotencyKeyMakesARetryEnqueueNothingNew) {
  auto first = runGithub(R"({"ref": "master"})", "deploy-2026-11-25-1");
  ASSERT_EQ(first.status, 202) << first.body;
  auto again = runGithub(R"({"ref": "master"})", "deploy-2026-11-25-1");
  ASSERT_EQ(again.status, 202) << again.body;
  auto a = JobsWorld::parse(first.body), b = JobsWorld::parse(again.body);
  EXPECT_TRUE(b["duplicate"].GetBool());
  EXPECT_EQ(std::string(a["jobs"][0].GetString()), std::string(b["jobs"][0].GetString()));
  EXPECT_EQ(w().tri().streamLength(), 1);
  auto other = runGithub(R"({"ref": "master"})", "deploy-2026-11-25-2");
  ASSERT_EQ(other.status, 202);
  EXPECT_EQ(w().tri().streamLength(), 2);
  EXPECT_EQ(field(runGithub(R"({"ref": "master"})", "has space")), "Idempotency-Key");
}

TEST_F(RunsTest, RunsAreRateLimitedPerTrigger) {
  for (int i = 0; i < 5; ++i) ASSERT_EQ(runGithub(R"({"ref": "master"})").status, 202);
  auto limited = runGithub(R"({"ref": "master"})");
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_NE(error(limited).find("manual_run_limit"), std::string::npos);
  // Another trigger has its own budget.
  EXPECT_EQ(runGitlab(R"({"ref": "master"})").status, 202);
  EXPECT_EQ(w().tri().streamLength(), 6);
}

TEST_F(RunsTest, ARunsJobIsConsumedLikeAnyOtherAndShowsInTheHistory) {
  w().pushGithub(4, "", "release/4");
  auto r = runGithub(R"({"ref": "v1.2.0"})");
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id = JobsWorld::parse(r.body)["jobs"][0].GetString();
  FakeRunner runner(w().redis(), "build-1:0");
  ASSERT_TRUE(runner.runOne("success"));
  ASSERT_TRUE(runner.runOne("success"));
  ASSERT_EQ(w().waitJobState("alice", id, "success"), "success");
  ASSERT_TRUE(waitUntil([&] {
    for (const auto& s : w().github().statuses())
      if (s.state == "success" && s.description == "built 1.2.0, 1.2") return true;
    return false;
  })) << w().tri().log();

  auto history = w().tri().admin(
      "GET", "/api/v1/users/alice/triggers/" + w().githubTrigger() + "/jobs?per_page=1");
  ASSERT_EQ(history.status, 200) << history.body;
  auto page1 = JobsWorld::parse(history.body);
  ASSERT_EQ(page1["jobs"].Size(), 1u);
  EXPECT_EQ(std::string(page1["jobs"][0]["id"].GetString()), id);  // newest first
  EXPECT_EQ(std::string(page1["jobs"][0]["event"].GetString()), "manual");
  EXPECT_EQ(std::string(page1["next_page"].GetString()), "2");
  auto page2 =
      JobsWorld::parse(w().tri()
                           .admin("GET", "/api/v1/users/alice/triggers/" + w().githubTrigger() +
                                             "/jobs?per_page=1&page=2")
                           .body);
  ASSERT_EQ(page2["jobs"].Size(), 1u);
  EXPECT_EQ(std::string(page2["jobs"][0]["event"].GetString()), "push");
  EXPECT_TRUE(page2["next_page"].IsNull());
  EXPECT_EQ(field(w().tri().admin("GET", "/api/v1/users/alice/triggers/" + w().githubTrigger() +
                                             "/jobs?per_page=500")),
            "per_page");
}

}  // namespace
}  // namespace triggerd::testing
