// The whole loop with real parts, on loopback: a signed GitHub push delivery reaches the real
// triggerd, which enqueues the job and posts `pending` at the fake GitHub; the real
// triggerd-runner claims it, clones the commit from a real Git repository (git http-backend, the
// push's clone_url), builds it with buildah and pushes the tags to a real docker-registry; its
// reports come back through triggerd as commit statuses, ending in `success`.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/jobs_fixture.h"
#include "tests/integration/triggerd_fixture.h"
#include "tests/support/git_http_server.h"
#include "tests/support/registry_server.h"
#include "tests/support/subprocess.h"

namespace triggerd::testing {
namespace {

using namespace std::chrono_literals;

TEST(EndToEndTest, ASignedPushEndsAsRegistryTagsAndPendingThenSuccessOnTheCommit) {
  if (geteuid() != 0)
    GTEST_SKIP() << "buildah needs root here (chroot isolation, vfs storage); CI runs as root";
  GitHttpServer git;
  const std::string head = git.commit("app", {{"Dockerfile", "FROM scratch\nCOPY hello.txt /\n"},
                                              {"hello.txt", "hello from a push\n"}});
  RegistryServer registry;
  JobsWorld world;
  world.github().addCommit(kGithubRepo, {head, "Add hello"}, "master");
  const std::string image = registry.address() + "/team/app";
  auto patched = world.tri().admin("PATCH", "/api/v1/users/alice/triggers/" + world.githubTrigger(),
                                   "{\"image\": \"" + image + "\"}");
  ASSERT_EQ(patched.status, 200) << patched.body;

  // The push as GitHub sends it, of a commit the Git server really has.
  std::string body = githubPush("github/push.json");
  replaceAll(body, kGithubSha, head);
  replaceAll(body, "https://github.com/Codertocat/Hello-World.git", git.cloneUrl("app"));
  auto jobs = world.deliverGithub(body);
  ASSERT_EQ(jobs.size(), 1u);

  TempDir dir;
  dir.write("storage.conf",
            "[storage]\ndriver = \"vfs\"\nrunroot = \"" + dir.file("containers/run") +
                "\"\ngraphroot = \"" + dir.file("containers/storage") + "\"\n",
            0644);
  dir.write("registries.conf",
            "[[registry]]\nlocation = \"" + registry.address() + "\"\ninsecure = true\n", 0644);
  dir.write("runner.toml",
            "[runner]\nname = \"e2e-1\"\nwork_dir = \"" + dir.file("work") +
                "\"\n\n[redis]\naddress = \"" + world.redis().address() +
                "\"\n\n[build]\nlog_flush_interval = \"100ms\"\n",
            0644);
  Subprocess runner({runnerBinary(), "--config", dir.file("runner.toml")}, dir.file("runner.log"),
                    {{"CONTAINERS_STORAGE_CONF", dir.file("storage.conf")},
                     {"CONTAINERS_REGISTRIES_CONF", dir.file("registries.conf")},
                     {"TMPDIR", dir.path()}});

  ASSERT_EQ(world.waitJobState("alice", jobs[0], "success"), "success")
      << readFile(dir.file("runner.log"));
  auto tags = registry.tags("team/app");
  EXPECT_EQ(tags, (std::vector<std::string>{"master-" + head.substr(0, 7)}));

  ASSERT_TRUE(waitUntil([&] {
    auto st = world.github().statuses();
    return !st.empty() && st.back().state == "success";
  })) << "statuses at the fake GitHub: "
      << world.github().statuses().size();
  auto statuses = world.github().statuses();
  EXPECT_EQ(statuses.front().state, "pending");
  for (const auto& s : statuses) {
    EXPECT_EQ(s.repo, kGithubRepo);
    EXPECT_EQ(s.sha, head);
    EXPECT_EQ(s.context, "triggerd/" + image);
    EXPECT_EQ(s.target_url, "https://console.example.com/jobs/" + jobs[0]);
  }
  EXPECT_EQ(world.tri().streamLength(), 0);  // acknowledged and deleted
  EXPECT_EQ(runner.stop(SIGTERM), 0) << readFile(dir.file("runner.log"));
}

}  // namespace
}  // namespace triggerd::testing
