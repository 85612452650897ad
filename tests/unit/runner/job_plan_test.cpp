#include "runner/job_plan.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace triggerd {
namespace {

Job job() {
  Job j;
  j.id = "01JDQ3Z9X6V5W4T3S2R1Q0P9N8";
  j.trigger_id = "trg";
  j.user = "alice";
  j.repository.full_name = "octo/app";
  j.repository.clone_url = "https://github.com/octo/app.git";
  j.ref = "refs/heads/main";
  j.ref_name = "main";
  j.commit.sha = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";
  j.image = "registry.example.com/team/app";
  j.tags = {"main", "main-1a2b3c4"};
  j.build_args = {{"GO_VERSION", "1.22"}};
  return j;
}

PlanSettings settings() {
  PlanSettings s;
  s.work_dir = "/var/lib/triggerd-runner/jobs";
  s.commands.push_back(*CommandTemplate::parse(
      "buildah bud -f {dockerfile} {build_args:--build-arg} -t {local_image} {context}"));
  s.commands.push_back(
      *CommandTemplate::parse("buildah push {local_image} docker://{image}:{tag}"));
  s.cleanup.push_back(*CommandTemplate::parse("buildah rmi {local_image}"));
  s.base_env = {{"PATH", "/usr/bin:/bin"}};
  return s;
}

std::string env(const EnvList& list, const std::string& name) {
  for (const auto& [k, v] : list)
    if (k == name) return v;
  return "<unset>";
}

TEST(JobPlanTest, ChecksOutTheCommitThenBuildsAndCleansUp) {
  JobPlan p = planJob(job(), settings());
  EXPECT_EQ(p.job_dir, "/var/lib/triggerd-runner/jobs/01JDQ3Z9X6V5W4T3S2R1Q0P9N8");
  EXPECT_EQ(p.src_dir, p.job_dir + "/src");
  ASSERT_EQ(p.checkout.size(), 4u);
  EXPECT_EQ(p.checkout[0].argv, (std::vector<std::string>{"rm", "-rf", "--", p.job_dir}));
  const ProcessSpec& fetch = p.checkout[p.fetch_step];
  EXPECT_EQ(fetch.argv,
            (std::vector<std::string>{"git", "fetch", "--no-tags", "--depth=1", "--",
                                      "https://github.com/octo/app.git", job().commit.sha}));
  EXPECT_EQ(fetch.cwd, p.src_dir);
  EXPECT_EQ(env(fetch.env, "GIT_ALLOW_PROTOCOL"), "http:https");
  EXPECT_EQ(env(fetch.env, "GIT_CONFIG_GLOBAL"), "/dev/null");
  EXPECT_EQ(env(fetch.env, "GIT_TERMINAL_PROMPT"), "0");
  EXPECT_EQ(p.checkout[3].argv.back(), job().commit.sha);

  ASSERT_EQ(p.build.size(), 3u);  // bud, then a push per tag
  EXPECT_EQ(p.build[0].label, "build 1/3");
  EXPECT_EQ(p.build[0].argv,
            (std::vector<std::string>{"buildah", "bud", "-f", "Dockerfile", "--build-arg",
                                      "GO_VERSION=1.22", "-t",
                                      "localhost/triggerd-job-01jdq3z9x6v5w4t3s2r1q0p9n8", "."}));
  EXPECT_EQ(p.build[2].argv.back(), "docker://registry.example.com/team/app:main-1a2b3c4");
  EXPECT_EQ(p.build[0].cwd, p.src_dir);
  ASSERT_EQ(p.cleanup.size(), 2u);
  EXPECT_EQ(p.cleanup.back().argv, (std::vector<std::string>{"rm", "-rf", "--", p.job_dir}));
}

TEST(JobPlanTest, BuildCommandsSeeTheJobAsVariablesAndNothingElse) {
  JobPlan p = planJob(job(), settings());
  const EnvList& e = p.build[0].env;
  EXPECT_EQ(env(e, "PATH"), "/usr/bin:/bin");
  EXPECT_EQ(env(e, "TRIGGERD_JOB_ID"), "01JDQ3Z9X6V5W4T3S2R1Q0P9N8");
  EXPECT_EQ(env(e, "TRIGGERD_IMAGE"), "registry.example.com/team/app");
  EXPECT_EQ(env(e, "TRIGGERD_TAGS"), "main main-1a2b3c4");
  EXPECT_EQ(env(e, "TRIGGERD_COMMIT_SHA"), job().commit.sha);
  EXPECT_EQ(env(e, "TRIGGERD_REF"), "refs/heads/main");
  EXPECT_EQ(env(e, "TRIGGERD_DOCKERFILE"), "Dockerfile");
  EXPECT_EQ(env(e, "TRIGGERD_CONTEXT"), ".");
  EXPECT_EQ(env(e, "TRIGGERD_BUILD_ARGS"), "GO_VERSION=1.22\n");
  EXPECT_NE(env(e, "TRIGGERD_JOB_JSON").find("\"schema\":1"), std::string::npos);
  EXPECT_EQ(env(e, "HOME"), "<unset>");  // only what base_env passes
}

TEST(JobPlanTest, CredentialsGoToGitThroughTheEnvironmentOnly) {
  EnvList e = gitCredentialEnv("x-access-token", "ghs_secret");
  EXPECT_EQ(env(e, "GIT_CONFIG_COUNT"), "1");
  EXPECT_EQ(env(e, "GIT_CONFIG_KEY_0"), "http.extraHeader");
  EXPECT_EQ(env(e, "GIT_CONFIG_VALUE_0"),
            "Authorization: Basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA==");
  JobPlan p = planJob(job(), settings());
  for (const auto& step : p.checkout)
    for (const auto& word : step.argv) EXPECT_EQ(word.find("secret"), std::string::npos);
}

TEST(JobPlanTest, RefusesJobsThatWouldEscapeOrInject) {
  auto refused = [](auto mutate) {
    Job j = job();
    mutate(j);
    Status st = checkJobBuildable(j);
    return st.ok() ? std::string("accepted") : st.error().field;
  };
  EXPECT_EQ(refused([](Job&) {}), "accepted");
  EXPECT_EQ(refused([](Job& j) { j.id = "../../etc"; }), "id");
  EXPECT_EQ(refused([](Job& j) { j.repository.clone_url = "ext::sh -c touch% /tmp/x"; }),
            "repository.clone_url");
  EXPECT_EQ(refused([](Job& j) { j.repository.clone_url = "file:///etc"; }),
            "repository.clone_url");
  EXPECT_EQ(refused([](Job& j) { j.commit.sha = "HEAD"; }), "commit.sha");
  EXPECT_EQ(refused([](Job& j) { j.dockerfile = "../Dockerfile"; }), "dockerfile");
  EXPECT_EQ(refused([](Job& j) { j.dockerfile = "/etc/passwd"; }), "dockerfile");
  EXPECT_EQ(refused([](Job& j) { j.context = "a/../../b"; }), "context");
  EXPECT_EQ(refused([](Job& j) { j.context = "--privileged"; }), "context");
  EXPECT_EQ(refused([](Job& j) { j.image = "-v"; }), "image");
  EXPECT_EQ(refused([](Job& j) { j.tags = {"-rm"}; }), "tags[0]");
  EXPECT_EQ(refused([](Job& j) { j.tags.clear(); }), "tags");
  EXPECT_EQ(refused([](Job& j) { j.build_args = {{"A B", "1"}}; }), "build_args.A B");
  EXPECT_EQ(refused([](Job& j) {
              j.build_args = {{"A", std::string("x\0y", 3)}};
            }),
            "build_args.A");
  EXPECT_EQ(refused([](Job& j) { j.ref_name = std::string("m\0", 2); }), "ref_name");
  EXPECT_EQ(refused([](Job& j) { j.dockerfile = "docker/Dockerfile.prod"; }), "accepted");
}

}  // namespace
}  // namespace triggerd
