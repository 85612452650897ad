// The world of the job tests: a real triggerd and redis-server, FakeGitHub and FakeGitLab with an
// account each (alice on GitHub, bob on GitLab) bound as sources, a trigger each on the
// repositories the push fixtures come from, and helpers to push, to run runners and to wait for
// commit statuses. Short queue timings keep reclaim tests fast.
#pragma once

#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/fakes/fake_github.h"
#include "tests/fakes/fake_gitlab.h"
#include "tests/fakes/fake_runner.h"
#include "tests/integration/triggerd_fixture.h"

namespace triggerd::testing {

// The GitHub push fixture's repository and head commit.
inline constexpr const char* kGithubRepo = "Codertocat/Hello-World";
inline constexpr const char* kGithubSha = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
inline constexpr const char* kGithubToken = "ghp_jobsfixture0000000000000000000000000001";
// The GitLab push fixture's project and checkout commit.
inline constexpr int64_t kGitlabProject = 15;
inline constexpr const char* kGitlabSha = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7";
inline constexpr const char* kGitlabToken = "glpat-jobsfixture00000001";

struct JobsWorldOptions {
  std::string queue_toml =
      "visibility_timeout = \"2s\"\nmax_attempts = 2\nreclaim_interval = \"1s\"\n";
  std::string extra_toml;  // more tables
};

class JobsWorld {
 public:
  explicit JobsWorld(JobsWorldOptions options = {});

  TriggerdInstance& tri() { return *tri_; }
  FakeGitHub& github() { return github_; }
  FakeGitLab& gitlab() { return gitlab_; }
  RedisServer& redis() { return tri_->redis(); }

  // Triggers on the fixtures' repositories, created by the constructor.
  const std::string& githubTrigger() const { return github_trigger_; }
  const std::string& gitlabTrigger() const { return gitlab_trigger_; }
  std::string githubSecret() const { return github_secret_; }

  // Signed push deliveries of the fixtures. `variant` != 0 makes another head commit (known to
  // the fake too), `branch` another branch; the answer's job ids.
  std::vector<std::string> pushGithub(int variant = 0, const std::string& delivery = "",
                                      const std::string& branch = "master");
  std::vector<std::string> pushGitlab();
  // Signs and delivers a GitHub push body to the GitHub trigger; the answer's job ids.
  std::vector<std::string> deliverGithub(const std::string& body, const std::string& delivery = "");
  // The head commit of pushGithub(variant).
  static std::string githubSha(int variant);

  // Waits until `count` commit statuses reached the fake; false on timeout.
  bool waitGithubStatuses(size_t count);
  bool waitGitlabStatuses(size_t count);
  // The job's state as the admin API shows it, once it is `state` (or "" on timeout).
  std::string waitJobState(const std::string& user, const std::string& id,
                           const std::string& state);

  static rapidjson::Document parse(const std::string& text);

 private:
  FakeGitHub github_;
  FakeGitLab gitlab_;
  std::unique_ptr<TriggerdInstance> tri_;
  std::string github_trigger_, github_secret_;
  std::string gitlab_trigger_, gitlab_secret_;
  int deliveries_ = 0;
};

// The rules of both triggers: main/master branches and v* tags.
inline constexpr const char* kJobsRules =
    R"json([{"kind": "branch", "match": "master|main|release/.*", "tags": ["{branch}-{sha:7}"]},
            {"kind": "tag", "match": "v([0-9]+)\\.([0-9]+)\\.([0-9]+)", "tags": ["{1}.{2}.{3}", "{1}.{2}"]}])json";

}  // namespace triggerd::testing
