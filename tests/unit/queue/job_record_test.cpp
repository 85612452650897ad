// Job records: the fields the enqueue writes read back as the same record, the API view, and the
// small text helpers they rely on. Pure.
#include "queue/job_record.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "tests/unit/queue/queue_fixture.h"

namespace triggerd {
namespace {

std::vector<std::string> flat(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<std::string> out;
  for (const auto& [k, v] : fields) {
    out.push_back(k);
    out.push_back(v);
  }
  return out;
}

TEST(JobRecord, WhatTheEnqueueWritesReadsBack) {
  Job j = testing::queueTestJob(1, "refs/tags/v1.2.0");
  j.event = "manual";
  j.delivery_id = "";
  j.tags = {"1.2.0", "1.2"};
  auto fields = newRecordFields(j, "alice", 1795600800);
  auto r = parseJobRecord(j.id, flat(fields));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, JobState::kQueued);
  EXPECT_EQ(r->trigger_id, j.trigger_id);
  EXPECT_EQ(r->repo, "octo/app");
  EXPECT_EQ(r->ref, "refs/tags/v1.2.0");
  EXPECT_EQ(r->refName(), "v1.2.0");
  EXPECT_EQ(r->tags, j.tags);
  EXPECT_EQ(r->event, "manual");
  EXPECT_EQ(r->requested_by, "alice");
  EXPECT_EQ(r->created_at, 1795600800);
  // Only what differs from the defaults is stored.
  for (const auto& [k, v] : fields) EXPECT_NE(k, "delivery");

  j.provider = Provider::kGitlab;
  j.repository.id = "15";
  EXPECT_EQ(recordOfJob(j, "", 0).repo, "15");          // GitLab's API names projects by id
  EXPECT_FALSE(parseJobRecord("x", {"trigger", "t"}));  // no state: gone
  EXPECT_FALSE(parseJobRecord("x", {"state", "exploded"}));
}

TEST(JobRecord, TheApiViewHasTimesAsRfc3339AndNullsForWhatDidNotHappen) {
  JobRecord r;
  r.id = "01JDQ3Z9X6V5W4T3S2R1Q0P9N8";
  r.state = JobState::kRunning;
  r.tags = {"main"};
  r.created_at = 1795600800;
  r.runner = "build-1:0";
  std::string text = json::build([&](json::Writer& w) { writeJobPublic(w, r); });
  EXPECT_NE(text.find(R"("state":"running")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("created_at":"2026-11-25T10:00:00Z")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("finished_at":null)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("error":null)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("runner":"build-1:0")"), std::string::npos) << text;
}

TEST(JobRecord, StatesAndFinality) {
  for (JobState s : {JobState::kQueued, JobState::kRunning, JobState::kSuccess, JobState::kFailure,
                     JobState::kCanceled, JobState::kSuperseded, JobState::kDead})
    EXPECT_EQ(parseJobState(jobStateName(s)), s);
  EXPECT_FALSE(isFinal(JobState::kQueued));
  EXPECT_FALSE(isFinal(JobState::kRunning));
  EXPECT_TRUE(isFinal(JobState::kSuperseded));
  EXPECT_TRUE(isFinal(JobState::kDead));
}

TEST(ClipUtf8, CutsBeforeASequenceAndEndsWithAnEllipsis) {
  EXPECT_EQ(clipUtf8("short", 10), "short");
  EXPECT_EQ(clipUtf8("abcdefghij", 6), "abc\xE2\x80\xA6");
  // "é" is 2 bytes: never cut in half.
  std::string clipped = clipUtf8("ab\xC3\xA9\xC3\xA9\xC3\xA9", 7);
  EXPECT_LE(clipped.size(), 7u);
  EXPECT_TRUE(isValidUtf8(clipped));
  EXPECT_EQ(clipped, "ab\xC3\xA9\xE2\x80\xA6");
}

}  // namespace
}  // namespace triggerd
