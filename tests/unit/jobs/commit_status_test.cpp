// What each job state looks like as a commit status. Pure.
#include "jobs/commit_status.h"

#include <gtest/gtest.h>

namespace triggerd {
namespace {

JobEvent event(JobState state, std::string detail = "") {
  JobRecord r;
  r.id = "01JDQ3Z9X6V5W4T3S2R1Q0P9N8";
  r.user = "alice";
  r.trigger_id = "01JDQ2AAAAAAAAAAAAAAAAAAAA";
  r.state = state;
  r.ref = "refs/heads/release/1.2";
  r.image = "registry.example.com/team/app";
  r.tags = {"1.2", "latest"};
  return JobEvent{r, std::move(detail), ""};
}

TEST(CommitStatus, OneContextPerImageTheRefAndTheTargetUrl) {
  auto s = commitStatusFor(event(JobState::kQueued, "queued"),
                           "https://console.example.com/{user}/jobs/{job}?t={trigger}");
  EXPECT_EQ(s.state, CommitState::kPending);
  EXPECT_EQ(s.context, "triggerd/registry.example.com/team/app");
  EXPECT_EQ(s.ref_name, "release/1.2");
  EXPECT_EQ(s.description, "queued: 1.2, latest");
  EXPECT_EQ(s.target_url,
            "https://console.example.com/alice/jobs/"
            "01JDQ3Z9X6V5W4T3S2R1Q0P9N8?t=01JDQ2AAAAAAAAAAAAAAAAAAAA");
  EXPECT_TRUE(commitStatusFor(event(JobState::kQueued), "").target_url.empty());
}

TEST(CommitStatus, EachStateHasItsStateAndAShortReason) {
  EXPECT_EQ(
      commitStatusFor(event(JobState::kQueued, "no result (15m); queued again (attempt 2)"), "")
          .description,
      "no result (15m); queued again (attempt 2)");
  auto running = commitStatusFor(event(JobState::kRunning, "building on r1"), "");
  EXPECT_EQ(running.state, CommitState::kRunning);
  EXPECT_EQ(running.description, "building on r1");
  auto success = commitStatusFor(event(JobState::kSuccess), "");
  EXPECT_EQ(success.state, CommitState::kSuccess);
  EXPECT_EQ(success.description, "built 1.2, latest");
  auto failure =
      commitStatusFor(event(JobState::kFailure, "step 1\nstep 2\nerror: no such file\n\n"), "");
  EXPECT_EQ(failure.state, CommitState::kFailure);
  EXPECT_EQ(failure.description, "build failed: error: no such file");
  auto canceled = commitStatusFor(event(JobState::kCanceled, "runner stopped"), "");
  EXPECT_EQ(canceled.state, CommitState::kCanceled);
  EXPECT_EQ(canceled.description, "canceled: runner stopped");
  auto superseded =
      commitStatusFor(event(JobState::kSuperseded, "superseded by a newer push (1a2b3c4)"), "");
  EXPECT_EQ(superseded.state, CommitState::kCanceled);
  EXPECT_EQ(superseded.description, "superseded by a newer push (1a2b3c4)");
  auto dead = commitStatusFor(event(JobState::kDead, "gave up after 3 attempts: timeout"), "");
  EXPECT_EQ(dead.state, CommitState::kFailure);
  EXPECT_EQ(dead.description, "gave up after 3 attempts: timeout");
}

}  // namespace
}  // namespace triggerd
