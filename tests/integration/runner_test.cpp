// triggerd-runner end to end, with real parts only, all on loopback: jobs enqueued into a real
// redis-server exactly as triggerd enqueues them (JobQueue::enqueue), a real Git repository
// served by git http-backend, the real runner binary, and for the image builds Debian's buildah
// (chroot isolation, vfs storage in a temp dir) pushing to Debian's docker-registry.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/clock.h"
#include "queue/job.h"
#include "queue/job_queue.h"
#include "redis/hiredis_client.h"
#include "tests/integration/triggerd_fixture.h"
#include "tests/support/git_http_server.h"
#include "tests/support/http_call.h"
#include "tests/support/loop_runner.h"
#include "tests/support/redis_server.h"
#include "tests/support/registry_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/tls_server.h"

namespace triggerd::testing {
namespace {

using namespace std::chrono_literals;

// A status stream entry.
struct Report {
  std::string job, state, runner, attempt, message;
};

// Why the image-building tests cannot run here, or "" when they can. Only a machine that cannot
// run buildah at all (not root: chroot isolation and vfs storage need it) skips; where it could
// run, missing tools fail the test instead (scripts/install-deps.sh installs them).
std::string buildahSkipReason() {
  if (geteuid() != 0)
    return "buildah needs root here (chroot isolation, vfs storage); run the tests as root, as "
           "CI does";
  return "";
}

std::string jobId(int n) {
  // ULID-shaped: 26 characters of Crockford base32, unique per test run.
  static const std::string stamp = [] {
    auto now = std::chrono::system_clock::now().time_since_epoch().count();
    std::string s;
    const char* digits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    for (int i = 0; i < 10; ++i) {
      s += digits[now % 32];
      now /= 32;
    }
    return s;
  }();
  std::string tail = std::to_string(n);
  return stamp + std::string(16 - tail.size(), '0') + tail;
}

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    head_ = git_.commit("app", {{"Dockerfile",
                                 "FROM scratch\n"
                                 "ARG GREETING\n"
                                 "COPY hello.txt /hello.txt\n"},
                                {"hello.txt", "hello from triggerd\n"}});
    HiredisClient::Options o;
    o.address = redis_.address();
    client_ = std::make_unique<HiredisClient>(loop_, o);
    client_->start();
    ASSERT_TRUE(runUntil(loop_, [&] { return client_->connected(); }));
    queue_ = std::make_unique<JobQueue>(*client_, Keys());
    auto st = await<Status>(loop_, [&](auto cb) { queue_->ensureConsumerGroup(cb); });
    ASSERT_TRUE(st.ok());
  }

  void TearDown() override {
    for (auto& r : runners_) {
      if (r->running()) r->stop(SIGKILL);
    }
    for (pid_t pid : orphans_) kill(-pid, SIGKILL);
  }

  Job makeJob(int n, const std::string& image = "registry.test/team/app") {
    Job j;
    j.id = jobId(n);
    j.trigger_id = "trg-" + std::to_string(n);  // one job per trigger: none supersedes another
    j.user = "alice";
    j.provider = Provider::kGithub;
    j.repository.id = "1296269";
    j.repository.full_name = "team/app";
    j.repository.clone_url = git_.cloneUrl("app");
    j.ref = "refs/heads/main";
    j.ref_name = "main";
    j.commit.sha = head_;
    j.commit.message = "Add hello";
    j.image = image;
    j.tags = {"main", "main-" + head_.substr(0, 7)};
    j.build_args = {{"GREETING", "hello"}};
    j.delivery_id = "delivery-" + j.id;
    j.received_at = formatRfc3339(std::chrono::system_clock::now());
    return j;
  }

  void enqueue(const Job& job) {
    auto r = await<Result<EnqueueOutcome>>(
        loop_, [&](auto cb) { queue_->enqueue(job.trigger_id, job.delivery_id, {job}, cb); });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // Starts a runner with the given [build] lines (and more TOML); returns its process.
  Subprocess& startRunner(const std::string& name, const std::string& build_toml,
                          const std::string& extra_toml = "",
                          std::map<std::string, std::string> env = {},
                          const std::vector<std::string>& extra_args = {}) {
    std::string work = dir_.file("work-" + name);
    std::string toml = "[runner]\nname = \"" + name + "\"\nwork_dir = \"" + work +
                       "\"\nlog_level = \"debug\"\nstop_grace = \"" + stop_grace_ + "\"\n" +
                       runner_toml_ + "\n[redis]\naddress = \"" + redis_.address() + "\"\n" +
                       "\n[build]\nlog_flush_interval = \"100ms\"\nkill_grace = \"1s\"\n" +
                       build_toml + "\n" + extra_toml;
    dir_.write(name + ".toml", toml, 0644);
    std::vector<std::string> argv{runnerBinary(), "--config", dir_.file(name + ".toml")};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    runners_.push_back(
        std::make_unique<Subprocess>(std::move(argv), dir_.file(name + ".log"), std::move(env)));
    return *runners_.back();
  }

  std::string runnerLog(const std::string& name) { return readFile(dir_.file(name + ".log")); }

  std::vector<Report> reports(const std::string& job_id = "") {
    std::vector<Report> out;
    auto v = redis_.cmd({"XRANGE", "triggerd:status", "-", "+"});
    for (const auto& entry : v.elements) {
      Report r;
      const auto& f = entry.elements.at(1).elements;
      for (size_t i = 0; i + 1 < f.size(); i += 2) {
        const std::string& k = f[i].str;
        const std::string& val = f[i + 1].str;
        if (k == "job") r.job = val;
        if (k == "state") r.state = val;
        if (k == "runner") r.runner = val;
        if (k == "attempt") r.attempt = val;
        if (k == "message") r.message = val;
      }
      if (job_id.empty() || r.job == job_id) out.push_back(r);
    }
    return out;
  }

  bool waitForState(const std::string& job_id, const std::string& state,
                    std::chrono::milliseconds timeout = 30s) {
    return waitUntil(
        [&] {
          for (const auto& r : reports(job_id))
            if (r.state == state) return true;
          return false;
        },
        timeout);
  }

  std::string logText(const std::string& job_id) {
    std::string out;
    auto v = redis_.cmd({"XRANGE", "triggerd:job:" + job_id + ":log", "-", "+"});
    for (const auto& entry : v.elements) {
      const auto& f = entry.elements.at(1).elements;
      for (size_t i = 0; i + 1 < f.size(); i += 2)
        if (f[i].str == "chunk") out += f[i + 1].str;
    }
    return out;
  }

  long long streamLength() { return redis_.cmd({"XLEN", "triggerd:jobs"}).integer; }
  long long pendingCount() {
    auto v = redis_.cmd({"XPENDING", "triggerd:jobs", "runners"});
    return v.elements.empty() ? 0 : v.elements[0].integer;
  }
  // XPENDING detail of the one pending entry: consumer, idle ms, deliveries.
  std::tuple<std::string, long long, long long> pendingEntry() {
    auto v = redis_.cmd({"XPENDING", "triggerd:jobs", "runners", "-", "+", "10"});
    if (v.elements.size() != 1) return {"", -1, -1};
    const auto& e = v.elements[0].elements;
    return {e.at(1).str, e.at(2).integer, e.at(3).integer};
  }

  // A shell build command that records its process id, so the test can stop what it started.
  std::string pidFile(const std::string& name) { return dir_.file(name + ".pid"); }
  void adoptPid(const std::string& name) {
    std::string text = readFile(pidFile(name));
    if (!text.empty()) orphans_.push_back(static_cast<pid_t>(std::stol(text)));
  }

  TempDir dir_;
  RedisServer redis_;
  GitHttpServer git_;
  std::string head_;
  EventLoop loop_;
  std::unique_ptr<HiredisClient> client_;
  std::unique_ptr<JobQueue> queue_;
  std::vector<std::unique_ptr<Subprocess>> runners_;
  std::vector<pid_t> orphans_;
  std::string stop_grace_ = "10s";
  std::string runner_toml_;  // more lines for [runner]
};

// ---- the real build: git http-backend -> buildah -> docker-registry ----

TEST_F(RunnerTest, BuildsPushesAndReportsARealImage) {
  if (auto why = buildahSkipReason(); !why.empty()) GTEST_SKIP() << why;
  RegistryServer registry;
  // Storage and registry settings reach buildah through the variables the runner passes on
  // (build.pass_environment), so the default build commands run unchanged.
  dir_.write("storage.conf",
             "[storage]\ndriver = \"vfs\"\nrunroot = \"" + dir_.file("containers/run") +
                 "\"\ngraphroot = \"" + dir_.file("containers/storage") + "\"\n",
             0644);
  dir_.write("registries.conf",
             "[[registry]]\nlocation = \"" + registry.address() + "\"\ninsecure = true\n", 0644);
  Job job = makeJob(1, registry.address() + "/team/app");
  enqueue(job);

  auto started = std::chrono::steady_clock::now();
  auto& runner = startRunner("r1", "", "",
                             {{"CONTAINERS_STORAGE_CONF", dir_.file("storage.conf")},
                              {"CONTAINERS_REGISTRIES_CONF", dir_.file("registries.conf")},
                              {"TMPDIR", dir_.path()}});
  ASSERT_TRUE(waitForState(job.id, "success", 60s)) << runnerLog("r1") << "\nlog stream:\n"
                                                    << logText(job.id);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::cout << "[ measure  ] claim, clone, buildah bud, 2 pushes, report: " << took.count()
            << " ms\n";

  auto tags = registry.tags("team/app");
  std::sort(tags.begin(), tags.end());
  EXPECT_EQ(tags, (std::vector<std::string>{"main", "main-" + head_.substr(0, 7)}));

  auto rs = reports(job.id);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].state, "running");
  EXPECT_EQ(rs[1].state, "success");
  EXPECT_EQ(rs[1].runner, "r1");
  EXPECT_EQ(rs[1].attempt, "1");
  EXPECT_EQ(streamLength(), 0);  // acknowledged and deleted
  EXPECT_EQ(pendingCount(), 0);
  auto record = redis_.cmd({"HGET", "triggerd:job:" + job.id, "runner"});
  EXPECT_EQ(record.str, "r1");

  std::string log = logText(job.id);
  EXPECT_NE(log.find("STEP 2/3: ARG GREETING"), std::string::npos) << log;
  EXPECT_NE(log.find("COPY hello.txt /hello.txt"), std::string::npos) << log;
  EXPECT_NE(log.find("Writing manifest to image destination"), std::string::npos) << log;
  EXPECT_NE(log.find("==> build 1/3: buildah bud --isolation chroot -f Dockerfile --build-arg "
                     "GREETING=hello -t localhost/triggerd-job-"),
            std::string::npos)
      << log;
  auto ttl = redis_.cmd({"TTL", "triggerd:job:" + job.id + ":log"});
  // The runner gives the log the default job retention; triggerd sets its own with each report.
  EXPECT_GT(ttl.integer, 6 * 86400);

  // The job's directory and its local image are gone.
  EXPECT_TRUE(waitUntil([&] { return !std::filesystem::exists(dir_.file("work-r1/" + job.id)); }));
  EXPECT_EQ(runner.stop(SIGTERM), 0) << runnerLog("r1");
}

// ---- protocol behaviour, with shell build commands ----

TEST_F(RunnerTest, PrivateRepositoryClonesWithCredentialsThatNeverReachDiskOrBuild) {
  GitHttpServer private_git({"x-access-token", "s3cr3t-clone-token"});
  std::string sha = private_git.commit("secret", {{"README", "private\n"}});
  FakeHttpServer api([](const FakeRequest& r) {
    if (r.method == "POST" && r.path.find("/api/v1/runner/jobs/") == 0 &&
        r.header("Authorization") == "Bearer runner-token-1")
      return FakeResponse::json(200, R"({"username": "x-access-token",
        "password": "s3cr3t-clone-token", "expires_at": "2030-01-01T00:00:00Z"})");
    return FakeResponse::json(401, R"({"error": "unknown runner token", "field": ""})");
  });
  dir_.write("runner.token", "runner-token-1\n");
  Job job = makeJob(2);
  job.repository.clone_url = private_git.cloneUrl("secret");
  job.repository.is_private = true;
  job.commit.sha = sha;
  enqueue(job);

  startRunner(
      "r1", "commands = [\"sh -c 'cat README; cat .git/config; env | sort'\"]\ncleanup = []\n",
      "[api]\nurl = \"" + api.url() + "\"\ntoken_file = \"" + dir_.file("runner.token") + "\"\n");
  ASSERT_TRUE(waitForState(job.id, "success")) << runnerLog("r1") << logText(job.id);

  ASSERT_EQ(api.requestCount(), 1u);
  auto call = api.requests()[0];
  EXPECT_EQ(call.path, "/api/v1/runner/jobs/" + job.id + "/credentials");
  EXPECT_NE(call.body.find("\"runner\":\"r1\""), std::string::npos) << call.body;
  EXPECT_GT(private_git.authorizedRequests(), 0u);

  std::string log = logText(job.id);
  EXPECT_NE(log.find("private"), std::string::npos) << log;  // README was checked out
  EXPECT_NE(log.find("TRIGGERD_IMAGE=registry.test/team/app"), std::string::npos) << log;
  // Neither the token nor its Basic encoding is in .git/config, the build's environment, the
  // log stream or the runner's own log.
  for (const std::string& secret : {std::string("s3cr3t-clone-token"),
                                    std::string("eC1hY2Nlc3MtdG9rZW46czNjcjN0LWNsb25lLXRva2Vu"),
                                    std::string("runner-token-1")}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret;
    EXPECT_EQ(runnerLog("r1").find(secret), std::string::npos) << secret;
  }
  EXPECT_EQ(log.find("extraHeader"), std::string::npos);
}

TEST_F(RunnerTest, PrivateRepositoryFailsClearlyWhenTriggerdRefusesTheToken) {
  FakeHttpServer api([](const FakeRequest&) {
    return FakeResponse::json(401, R"({"error": "unknown runner token", "field": ""})");
  });
  dir_.write("runner.token", "wrong-token\n");
  Job job = makeJob(3);
  job.repository.is_private = true;
  enqueue(job);
  startRunner(
      "r1", "commands = [\"true\"]\ncleanup = []\n",
      "[api]\nurl = \"" + api.url() + "\"\ntoken_file = \"" + dir_.file("runner.token") + "\"\n");
  ASSERT_TRUE(waitForState(job.id, "failure")) << runnerLog("r1");
  auto rs = reports(job.id);
  EXPECT_NE(rs.back().message.find("refused the runner token: unknown runner token"),
            std::string::npos)
      << rs.back().message;
  EXPECT_EQ(api.requestCount(), 1u);  // refused is final: no retry
  EXPECT_EQ(streamLength(), 0);
}

TEST_F(RunnerTest, FailingBuildReportsFailureWithTheLastLines) {
  Job job = makeJob(4);
  enqueue(job);
  int metrics_port = freePort();
  runner_toml_ = "metrics_listen = \"127.0.0.1:" + std::to_string(metrics_port) + "\"\n";
  startRunner("r1",
              "commands = [\"sh -c 'for i in $(seq 1 400); do echo line-$i; done; "
              "echo no space left on device >&2; exit 3'\", \"touch " +
                  dir_.file("second-ran") + "\"]\ncleanup = []\n");
  ASSERT_TRUE(waitForState(job.id, "failure")) << runnerLog("r1");
  auto rs = reports(job.id);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].state, "running");
  const std::string& m = rs[1].message;
  EXPECT_LE(m.size(), 1024u);
  EXPECT_EQ(m.rfind("build 1/2 failed (exit code 3)\n", 0), 0u) << m;
  EXPECT_NE(m.find("line-400\nno space left on device"), std::string::npos) << m;
  EXPECT_EQ(m.find("line-1\n"), std::string::npos);  // only the last lines
  EXPECT_FALSE(std::filesystem::exists(dir_.file("second-ran")));
  EXPECT_NE(logText(job.id).find("line-1\nline-2\n"), std::string::npos);  // the full output
  // The counter moves once the job is cleaned up, just after its report.
  HttpCallResult metrics;
  EXPECT_TRUE(waitUntil([&] {
    metrics = httpCall("GET", "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics");
    return metrics.body.find("triggerd_runner_jobs_total{outcome=\"failure\"} 1") !=
           std::string::npos;
  })) << metrics.body;
  EXPECT_NE(metrics.body.find("triggerd_runner_jobs_running 0"), std::string::npos);
  EXPECT_EQ(streamLength(), 0);
  EXPECT_EQ(pendingCount(), 0);
}

TEST_F(RunnerTest, SupersededJobIsSkippedAndReportedCanceled) {
  Job job = makeJob(5);
  enqueue(job);
  // What triggerd's enqueue script does to a queued job when a newer push comes first.
  redis_.cmd({"HSET", "triggerd:job:" + job.id, "state", "superseded"});
  startRunner("r1", "commands = [\"touch " + dir_.file("built") + "\"]\ncleanup = []\n");
  ASSERT_TRUE(waitForState(job.id, "canceled")) << runnerLog("r1");
  auto rs = reports(job.id);
  ASSERT_EQ(rs.size(), 1u);  // no running report
  EXPECT_EQ(rs[0].message, "superseded");
  EXPECT_EQ(redis_.cmd({"HGET", "triggerd:job:" + job.id, "state"}).str, "superseded");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("built")));
  EXPECT_EQ(streamLength(), 0);
  EXPECT_EQ(pendingCount(), 0);
}

TEST_F(RunnerTest, KilledRunnerLeavesItsEntryPendingAndASecondRunnerLeavesItAlone) {
  Job job = makeJob(6);
  enqueue(job);
  std::string build =
      "commands = [\"sh -c 'echo $$ > " + pidFile("build") + "; exec sleep 60'\"]\ncleanup = []\n";
  // Keep-alives every second (a third of the visibility timeout).
  auto& first = startRunner("r1", build, "[queue]\nvisibility_timeout = \"3s\"\n");
  ASSERT_TRUE(waitForState(job.id, "running")) << runnerLog("r1");
  ASSERT_TRUE(waitUntil([&] { return !readFile(pidFile("build")).empty(); }));
  adoptPid("build");
  // While the runner lives, keep-alives hold the idle time under the interval.
  // (Without them it would pass 3 s within these 3.5 s.)
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(700ms);
    auto [consumer, idle, deliveries] = pendingEntry();
    EXPECT_EQ(consumer, "r1");
    EXPECT_LT(idle, 2500) << "keep-alive missing";
    EXPECT_EQ(deliveries, 1);
  }
  first.stop(SIGKILL);
  std::this_thread::sleep_for(2500ms);
  auto [consumer, idle, deliveries] = pendingEntry();
  EXPECT_EQ(consumer, "r1");
  EXPECT_GE(idle, 2500);
  EXPECT_LT(idle, 5000);
  EXPECT_EQ(deliveries, 1);

  startRunner("r2", build, "[queue]\nvisibility_timeout = \"3s\"\n");
  ASSERT_TRUE(waitUntil([&] { return runnerLog("r2").find(" ready") != std::string::npos; }))
      << runnerLog("r2");
  std::this_thread::sleep_for(1500ms);
  auto after = pendingEntry();
  EXPECT_EQ(std::get<0>(after), "r1");    // still r1's, for triggerd's reclaim
  EXPECT_EQ(std::get<2>(after), 1);       // delivered once
  EXPECT_EQ(reports(job.id).size(), 1u);  // only r1's "running"
  EXPECT_EQ(streamLength(), 1);
}

TEST_F(RunnerTest, TwoRunnersCompetingBuildEachJobExactlyOnce) {
  constexpr int kJobs = 8;
  std::vector<std::string> ids;
  for (int i = 0; i < kJobs; ++i) {
    Job job = makeJob(100 + i);
    ids.push_back(job.id);
    enqueue(job);
  }
  std::string build = "commands = [\"sh -c 'echo {job_id} >> " + dir_.file("built") +
                      "; sleep 0.2'\"]\ncleanup = []\n";
  startRunner("r1", build);
  startRunner("r2", build);
  ASSERT_TRUE(waitUntil(
      [&] {
        return std::count_if(ids.begin(), ids.end(), [&](const std::string& id) {
                 for (const auto& r : reports(id))
                   if (r.state == "success") return true;
                 return false;
               }) == kJobs;
      },
      30s))
      << runnerLog("r1") << runnerLog("r2");
  std::string built = readFile(dir_.file("built"));
  for (const auto& id : ids) {
    size_t first = built.find(id);
    EXPECT_NE(first, std::string::npos) << id;
    EXPECT_EQ(built.find(id, first + 1), std::string::npos) << id << " built twice";
    auto rs = reports(id);
    EXPECT_EQ(rs.size(), 2u) << id;  // running, success: one runner each
  }
  EXPECT_EQ(streamLength(), 0);
  EXPECT_EQ(pendingCount(), 0);
}

TEST_F(RunnerTest, SigtermFinishesTheJobInHandAndClaimsNoMore) {
  Job job = makeJob(7);
  enqueue(job);
  auto& runner = startRunner("r1", "commands = [\"sleep 1.5\"]\ncleanup = []\n");
  ASSERT_TRUE(waitForState(job.id, "running")) << runnerLog("r1");
  kill(runner.pid(), SIGTERM);
  Job later = makeJob(8);
  enqueue(later);
  EXPECT_EQ(runner.wait(10s), 0) << runnerLog("r1");
  auto rs = reports(job.id);
  ASSERT_FALSE(rs.empty());
  EXPECT_EQ(rs.back().state, "success");
  EXPECT_TRUE(reports(later.id).empty());
  EXPECT_EQ(streamLength(), 1);  // the later job waits for the next runner
  EXPECT_EQ(pendingCount(), 0);
}

TEST_F(RunnerTest, SigtermPastTheGracePeriodFailsTheJobAndStopsItsProcesses) {
  Job job = makeJob(9);
  enqueue(job);
  stop_grace_ = "1s";
  auto& runner = startRunner("r1", "commands = [\"sh -c 'echo $$ > " + pidFile("build") +
                                       "; sleep 60 & sleep 60'\"]\n"
                                       "cleanup = []\n");
  ASSERT_TRUE(waitForState(job.id, "running")) << runnerLog("r1");
  ASSERT_TRUE(waitUntil([&] { return !readFile(pidFile("build")).empty(); }));
  adoptPid("build");
  pid_t group = orphans_.back();
  auto signalled = std::chrono::steady_clock::now();
  kill(runner.pid(), SIGTERM);
  EXPECT_EQ(runner.wait(10s), 0) << runnerLog("r1");
  auto took = std::chrono::steady_clock::now() - signalled;
  EXPECT_GE(took, 1s);  // the grace period was given
  EXPECT_LT(took, 5s);
  auto rs = reports(job.id);
  ASSERT_FALSE(rs.empty());
  EXPECT_EQ(rs.back().state, "failure");
  EXPECT_EQ(rs.back().message.rfind(
                "runner stopped: runner.stop_grace passed after SIGTERM during build 1/1", 0),
            0u)
      << rs.back().message;
  // The whole process group is gone, the background sleep too (once init reaped it).
  EXPECT_TRUE(waitUntil([&] { return kill(-group, 0) == -1; }, 3s));
  EXPECT_EQ(streamLength(), 0);
}

TEST_F(RunnerTest, BuildTimeoutStopsTheProcessGroup) {
  Job job = makeJob(10);
  enqueue(job);
  startRunner("r1",
              "timeout = \"2s\"\ncommands = [\"sh -c 'echo started; sleep 60 & sleep 60'\"]\n"
              "cleanup = []\n");
  ASSERT_TRUE(waitForState(job.id, "failure", 15s)) << runnerLog("r1");
  auto rs = reports(job.id);
  EXPECT_EQ(rs.back().message.rfind("timed out after 2s (build.timeout) during build 1/1\n", 0), 0u)
      << rs.back().message;
  EXPECT_NE(rs.back().message.find("started"), std::string::npos);
}

TEST_F(RunnerTest, OnceBuildsOneJobAndExits) {
  Job first = makeJob(11);
  Job second = makeJob(12);
  enqueue(first);
  enqueue(second);
  auto& runner = startRunner("r1", "commands = [\"true\"]\ncleanup = []\n", "", {}, {"--once"});
  EXPECT_EQ(runner.wait(15s), 0) << runnerLog("r1");
  EXPECT_EQ(reports(first.id).back().state, "success");
  EXPECT_TRUE(reports(second.id).empty());
  EXPECT_EQ(streamLength(), 1);
  EXPECT_EQ(pendingCount(), 0);
}

TEST_F(RunnerTest, RedisOutageDuringABuildDelaysTheReportAndLosesNothing) {
  Job job = makeJob(13);
  enqueue(job);
  auto& runner = startRunner("r1", "commands = [\"sh -c 'sleep 1.5; echo built'\"]\ncleanup = []\n",
                             "[queue]\nvisibility_timeout = \"3s\"\n");
  ASSERT_TRUE(waitForState(job.id, "running")) << runnerLog("r1");
  redis_.stop();                    // AOF on: the entry, its pending state and the record survive
  std::this_thread::sleep_for(3s);  // the build ends meanwhile; its report must wait
  redis_.start();
  ASSERT_TRUE(waitForState(job.id, "success", 20s)) << runnerLog("r1");
  EXPECT_EQ(reports(job.id).size(), 2u);
  EXPECT_EQ(streamLength(), 0);
  EXPECT_EQ(pendingCount(), 0);
  EXPECT_NE(runnerLog("r1").find("cannot report yet; retrying"), std::string::npos);
  EXPECT_EQ(runner.stop(SIGTERM), 0) << runnerLog("r1");
}

TEST_F(RunnerTest, JobOfAnUnknownSchemaIsLeftPending) {
  redis_.cmd({"XADD", "triggerd:jobs", "*", "job", R"({"schema": 2, "id": "X"})", "id", "X"});
  auto& runner = startRunner("r1", "commands = [\"true\"]\n", "", {});
  ASSERT_TRUE(waitUntil([&] {
    return runnerLog("r1").find("unknown_schema") != std::string::npos;
  })) << runnerLog("r1");
  EXPECT_EQ(pendingCount(), 1);
  EXPECT_TRUE(reports().empty());
  EXPECT_EQ(runner.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace triggerd::testing
