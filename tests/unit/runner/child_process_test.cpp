// Real processes on a real loop: output, exit, deadlines that stop whole process groups.
#include "runner/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <optional>

#include "tests/support/loop_runner.h"
#include "tests/support/subprocess.h"

namespace triggerd::testing {
namespace {

using namespace std::chrono_literals;

class ChildProcessTest : public ::testing::Test {
 protected:
  ProcessSpec shell(const std::string& script) {
    ProcessSpec s;
    s.label = "test";
    s.argv = {"sh", "-c", script};
    s.env = {{"PATH", std::getenv("PATH")}};
    return s;
  }

  // Runs `spec` to the end; returns the outcome (nullopt when it does not end in time).
  std::optional<ChildProcess::Outcome> run(const ProcessSpec& spec,
                                           std::chrono::milliseconds deadline = 10s) {
    std::optional<ChildProcess::Outcome> out;
    child_ = std::make_unique<ChildProcess>(
        loop_, reaper_, [this](std::string_view b) { output_.append(b); },
        [&out](ChildProcess::Outcome o) { out = o; });
    Status st = child_->start(spec, deadline, 500ms);
    EXPECT_TRUE(st.ok()) << st.error().message;
    if (!st.ok()) return std::nullopt;
    runUntil(
        loop_, [&] { return out.has_value(); }, 15s);
    return out;
  }

  EventLoop loop_;
  ChildReaper reaper_{loop_};
  std::unique_ptr<ChildProcess> child_;
  std::string output_;
  TempDir dir_;
};

TEST_F(ChildProcessTest, CapturesOutputAndExitCodeWithExactlyTheGivenEnvironment) {
  ProcessSpec s = shell("echo out; echo err >&2; echo \"v=$ONLY\"; env | wc -l; pwd; exit 7");
  s.env.emplace_back("ONLY", "this");
  s.cwd = dir_.path();
  auto o = run(s);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->exit_code, 7);
  EXPECT_FALSE(o->ok());
  EXPECT_EQ(o->describe(), "exit code 7");
  // sh adds PWD (and may add SHLVL, _): nothing of the test's own environment leaks in.
  EXPECT_NE(output_.find("out\nerr\nv=this\n"), std::string::npos) << output_;
  EXPECT_NE(output_.find(dir_.path()), std::string::npos);
  EXPECT_EQ(output_.find("GTEST"), std::string::npos);
}

TEST_F(ChildProcessTest, SucceedsWithExitCodeZeroAndLargeOutput) {
  auto o = run(shell("head -c 300000 /dev/zero | tr '\\0' x"));
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->ok());
  EXPECT_EQ(output_.size(), 300000u);
}

TEST_F(ChildProcessTest, DeadlineStopsTheWholeGroup) {
  std::string pids = dir_.file("pids");
  auto started = std::chrono::steady_clock::now();
  auto o = run(shell("sleep 30 & echo $! > " + pids + "; echo $$ >> " + pids + "; wait"), 300ms);
  ASSERT_TRUE(o);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(o->stopped);
  EXPECT_EQ(o->signal, SIGTERM);
  EXPECT_EQ(o->describe(), "killed by signal 15 (stopped)");
  std::string text = readFile(pids);
  pid_t background = static_cast<pid_t>(std::stol(text));
  EXPECT_TRUE(waitUntil([&] { return kill(background, 0) != 0; }, 3s))
      << "the background process outlived its group";
}

TEST_F(ChildProcessTest, SigkillFollowsWhenSigtermIsIgnored) {
  auto o = run(shell("trap '' TERM; echo ready; while :; do sleep 0.1; done"), 200ms);
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->stopped);
  EXPECT_EQ(o->signal, SIGKILL);
}

TEST_F(ChildProcessTest, AProgramThatDoesNotExistFailsToStartWithoutCallback) {
  bool called = false;
  ChildProcess c(
      loop_, reaper_, [](std::string_view) {}, [&](ChildProcess::Outcome) { called = true; });
  ProcessSpec s;
  s.argv = {"triggerd-no-such-program"};
  s.env = {{"PATH", std::getenv("PATH")}};
  Status st = c.start(s, 1s, 1s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("cannot run triggerd-no-such-program"), std::string::npos);
  runFor(loop_, 100ms);
  EXPECT_FALSE(called);
}

TEST_F(ChildProcessTest, PausedOutputBlocksTheWriterUntilResumed) {
  bool finished = false;
  size_t seen = 0;
  child_ = std::make_unique<ChildProcess>(
      loop_, reaper_,
      [&](std::string_view b) {
        seen += b.size();
        child_->pauseOutput();
      },
      [&](ChildProcess::Outcome) { finished = true; });
  ASSERT_TRUE(child_->start(shell("head -c 1000000 /dev/zero"), 10s, 1s).ok());
  runFor(loop_, 500ms);
  EXPECT_FALSE(finished);  // the pipe is full: the writer waits
  EXPECT_LT(seen, 1000000u);
  while (!finished) {
    child_->resumeOutput();
    event_base_loop(loop_.base(), EVLOOP_ONCE);
  }
  EXPECT_EQ(seen, 1000000u);
}

TEST_F(ChildProcessTest, DestroyingARunningChildKillsItsGroup) {
  std::string pid_file = dir_.file("pid");
  child_ = std::make_unique<ChildProcess>(
      loop_, reaper_, [](std::string_view) {}, [](ChildProcess::Outcome) {});
  ASSERT_TRUE(child_->start(shell("echo $$ > " + pid_file + "; exec sleep 30"), 10s, 1s).ok());
  ASSERT_TRUE(waitUntil([&] { return !readFile(pid_file).empty(); }));
  pid_t pid = child_->pid();
  child_.reset();
  EXPECT_TRUE(runUntil(
      loop_, [&] { return kill(pid, 0) != 0; }, 3s));
}

}  // namespace
}  // namespace triggerd::testing
