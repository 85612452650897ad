// A job's output on its way to a real Redis: chunking, ordering, backpressure, the tail.
#include "runner/job_log.h"

#include <gtest/gtest.h>

#include "tests/support/redis_loop.h"

namespace triggerd::testing {
namespace {

using namespace std::chrono_literals;

class JobLogTest : public ::testing::Test {
 protected:
  JobLogTest() : queue_(rl_.loop(), rl_.client(), rl_.client(), Keys(), "r1", 600, 1000) {}

  std::vector<std::string> chunks() {
    std::vector<std::string> out;
    auto v = rl_.server().cmd({"XRANGE", "triggerd:job:J1:log", "-", "+"});
    for (const auto& e : v.elements) out.push_back(e.elements[1].elements[1].str);
    return out;
  }

  void flush(JobLog& log) {
    bool done = false;
    log.flush([&] { done = true; });
    ASSERT_TRUE(runUntil(rl_.loop(), [&] { return done; }));
  }

  RedisLoop rl_;
  RunnerQueue queue_;
};

TEST_F(JobLogTest, FullChunksEndAtANewlineAndTheRestWaitsForTheFlush) {
  JobLog log(rl_.loop(), queue_, "J1", 16, 10s);
  log.append("aaaa\nbbbbbbbbb\ncccc");  // 19 bytes: a chunk ends after "bbbbbbbbb\n"
  log.note("==> done");
  flush(log);
  EXPECT_EQ(chunks(), (std::vector<std::string>{"aaaa\nbbbbbbbbb\n", "cccc==> done\n"}));
}

TEST_F(JobLogTest, ALineLongerThanAChunkIsCutAtTheChunkSize) {
  JobLog log(rl_.loop(), queue_, "J1", 8, 10s);
  log.append(std::string(20, 'x'));
  flush(log);
  EXPECT_EQ(chunks(), (std::vector<std::string>{"xxxxxxxx", "xxxxxxxx", "xxxx"}));
}

TEST_F(JobLogTest, QuietOutputIsWrittenAfterTheFlushInterval) {
  JobLog log(rl_.loop(), queue_, "J1", 1024, 100ms);
  log.append("one line\n");
  EXPECT_TRUE(runUntil(
      rl_.loop(), [&] { return chunks().size() == 1; }, 2000ms));
}

TEST_F(JobLogTest, CongestionIsSignalledAndRoomComesBack) {
  JobLog log(rl_.loop(), queue_, "J1", 4, 10s);
  int rooms = 0;
  log.setOnRoom([&] { ++rooms; });
  log.append(std::string(4 * JobLog::kMaxInFlight, 'y'));  // kMaxInFlight chunks at once
  EXPECT_TRUE(log.congested());
  flush(log);
  EXPECT_FALSE(log.congested());
  EXPECT_EQ(rooms, 1);
  EXPECT_EQ(chunks().size(), JobLog::kMaxInFlight);
}

TEST_F(JobLogTest, TailKeepsTheLastWholeLinesOfOutputOnly) {
  JobLog log(rl_.loop(), queue_, "J1", 1 << 20, 10s);
  for (int i = 0; i < 100; ++i) log.append("line " + std::to_string(i) + "\n");
  log.note("==> runner line, not output");
  EXPECT_EQ(log.tail(20), "line 98\nline 99");
  EXPECT_EQ(log.tail(1000).find("runner line"), std::string::npos);
}

TEST_F(JobLogTest, ChunksRedisRefusedAreCountedAsLost) {
  JobLog log(rl_.loop(), queue_, "J1", 1024, 10s);
  rl_.server().cmd({"SET", "triggerd:job:J1:log", "not a stream"});
  log.append("lost\n");
  flush(log);
  EXPECT_EQ(log.lostChunks(), 1u);
}

}  // namespace
}  // namespace triggerd::testing
