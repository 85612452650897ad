// Repairing the hooks of many repositories under a GitHub rate limit: every hook is made again,
// triggerd waits at each spent budget instead of failing or hammering, webhooks are answered
// meanwhile, and the time taken is set against the least the limit allows.
//
// TRIGGERD_HOOKS_SCALE sets the number of repositories (200 by default, which CI runs; the
// README's figure is from 1000), TRIGGERD_HOOKS_BUDGET the requests per window and
// TRIGGERD_HOOKS_WINDOW the window in seconds.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <thread>

#include "tests/integration/hooks_support.h"
#include "webhook/signature.h"

namespace triggerd::testing {
namespace {

int envInt(const char* name, int fallback) {
  const char* v = getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

std::string repoName(int i) {
  if (i == 0) return kGithubRepo;  // the push fixture's repository, for the deliveries below
  char buf[32];
  std::snprintf(buf, sizeof buf, "scale/repo-%04d", i);
  return buf;
}

TEST(HooksAtScale, RepairingManyRepositoriesKeepsToTheRateLimitAndNeverHoldsUpWebhooks) {
  const int n = envInt("TRIGGERD_HOOKS_SCALE", 200);
  const int budget = envInt("TRIGGERD_HOOKS_BUDGET", 150);
  const int window = envInt("TRIGGERD_HOOKS_WINDOW", 2);
  FakeGitHub github;
  for (int i = 0; i < n; ++i) prepareGithub(github, repoName(i));
  TriggerdOptions o = hookOptions(github.apiBaseUrl(), "startup_delay = \"1h\"\n");
  o.extra_toml += "\n[triggers]\nmax_per_user = " + std::to_string(n + 10) + "\n";
  TriggerdInstance tri(o);
  bindGithub(tri);

  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    auto r = createTrigger(tri, "github", repoName(i), kGithubRules);
    ASSERT_EQ(r.status, 201) << r.body;
    ids.push_back(createdId(r));
  }
  ASSERT_TRUE(github.waitForDeliveries(std::chrono::seconds(120)));  // the pings
  std::string secret = github.hooks(repoName(0)).at(0).secret;
  // Every hook deleted behind triggerd's back; from now on GitHub counts.
  for (int i = 0; i < n; ++i)
    for (const auto& h : github.hooks(repoName(i))) github.removeHook(h.id);
  github.setRateBudget(budget, window);

  auto start = std::chrono::steady_clock::now();
  // The fake's windows start at multiples of `window` seconds: this much of the first is gone.
  int64_t into_window = static_cast<int64_t>(std::time(nullptr)) % window;
  auto started = tri.admin("POST", "/api/v1/admin/hooks/jobs", R"({"action": "repair"})");
  ASSERT_EQ(started.status, 202) << started.body;
  std::string job = parseJson(started.body)["job"]["id"].GetString();

  // Webhooks keep being answered while the job runs and waits.
  std::atomic<bool> done{false};
  std::atomic<long> slowest_ms{0};
  std::atomic<int> answered{0};
  std::thread deliveries([&] {
    int variant = 1000;
    while (!done) {
      std::string body = githubPush("github/push.json", ++variant);
      auto t0 = std::chrono::steady_clock::now();
      auto r = tri.post("/webhooks/github/" + ids[0], body,
                        {{"Content-Type", "application/json"},
                         {"X-GitHub-Event", "push"},
                         {"X-GitHub-Delivery", "scale-" + std::to_string(variant)},
                         {"X-Hub-Signature-256", githubSignature(secret, body)}});
      long ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
      if (r.status == 202) ++answered;
      if (ms > slowest_ms) slowest_ms = ms;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  rapidjson::Document state;
  bool finished = waitUntil(
      [&] {
        state = parseJson(tri.admin("GET", "/api/v1/admin/hooks/jobs/" + job).body);
        return std::string(state["job"]["state"].GetString()) == "done";
      },
      std::chrono::seconds(600));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  done = true;
  deliveries.join();
  ASSERT_TRUE(finished) << tri.log();

  EXPECT_EQ(state["job"]["repaired"].GetInt(), n);
  EXPECT_EQ(state["job"]["failed"].GetInt(), 0);
  int hooks = 0;
  for (int i = 0; i < n; ++i) hooks += static_cast<int>(github.hooks(repoName(i)).size());
  EXPECT_EQ(hooks, n) << "one hook per repository, none twice";

  // Two requests a repository (list, create): `windows` budgets' worth, so the job cannot end
  // before the start of the last of them, (windows - 1) window starts after the job's.
  int requests = 2 * n;
  int windows = (requests + budget - 1) / budget;
  double least = static_cast<double>(std::max<int64_t>((windows - 1) * window - into_window, 0));
  std::printf(
      "hooks at scale: %d repositories, %d GitHub requests, limit %d per %d s: took %.1f s; "
      "the limit allows no less than %.1f s; %lld requests refused for the budget; webhooks "
      "answered meanwhile: %d, slowest %ld ms\n",
      n, requests, budget, window, seconds, least,
      static_cast<long long>(github.rateLimitedAnswers()), answered.load(), slowest_ms.load());
  EXPECT_GE(seconds, least - 1);
  // triggerd stopped at each spent budget: at most the requests in flight then were refused.
  EXPECT_LE(github.rateLimitedAnswers(), 8 * windows);
  EXPECT_GT(answered.load(), 0);
  EXPECT_LT(slowest_ms.load(), 2000);
}

}  // namespace
}  // namespace triggerd::testing
