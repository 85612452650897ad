// Appends, start-up and damage: the Spool on real files with its real disk threads.
#include "spool/spool.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/unit/spool/spool_test_util.h"

namespace triggerd::testing {
namespace {

using std::chrono::milliseconds;

TEST_F(SpoolTest, AnAppendIsAnsweredOnceItsRecordIsOnDisk) {
  auto spool = open();
  bool answered = false;
  spool->append("delivery one", [&](Status s) {
    EXPECT_TRUE(s.ok());
    EXPECT_EQ(payloadsOnDisk(), std::vector<std::string>{"delivery one"});
    answered = true;
  });
  EXPECT_FALSE(answered);  // never inside append()
  ASSERT_TRUE(runUntil(loop_, [&] { return answered; }));
  SpoolStats s = spool->stats();
  EXPECT_EQ(s.records, 1u);
  EXPECT_EQ(s.bytes, spool::recordSize(12));
  EXPECT_TRUE(s.writable);
  EXPECT_FALSE(s.full);
  ASSERT_TRUE(s.oldest.has_value());
  EXPECT_EQ(*s.oldest, clock_.now());
  clock_.advance(std::chrono::minutes(90));
  EXPECT_DOUBLE_EQ(spool->stats().oldest_age_seconds, 5400.0);
  EXPECT_EQ(counter("triggerd_spool_appends_total", {{"outcome", "durable"}}), 1u);
  EXPECT_NE(metrics_.render().find("triggerd_spool_records 1\n"), std::string::npos);
}

// Group commit: appends that arrive while a write+fdatasync runs share the next one, and each
// caller hears back only once its own record is written.
TEST_F(SpoolTest, ManyAppendsShareFewSyncsAndEachIsAnsweredAfterItsOwnRecord) {
  auto spool = open();
  constexpr int kAppends = 200;
  std::vector<int> answered;
  int failed = 0, not_on_disk = 0;
  for (int i = 0; i < kAppends; ++i) {
    std::string payload = "delivery-" + std::to_string(i);
    spool->append(payload, [&, payload, i](Status s) {
      if (!s.ok()) ++failed;
      auto disk = payloadsOnDisk();
      if (std::find(disk.begin(), disk.end(), payload) == disk.end()) ++not_on_disk;
      answered.push_back(i);
    });
  }
  ASSERT_TRUE(runUntil(loop_, [&] { return answered.size() == kAppends; }));
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(not_on_disk, 0);
  EXPECT_TRUE(std::is_sorted(answered.begin(), answered.end()));
  // The first append is written alone; the 199 made meanwhile go in the second write.
  EXPECT_EQ(counter("triggerd_spool_syncs_total"), 2u);
  EXPECT_EQ(counter("triggerd_spool_appends_total", {{"outcome", "durable"}}), 200u);
  EXPECT_EQ(spool->stats().records, 200u);
  EXPECT_EQ(payloadsOnDisk().size(), 200u);
}

TEST_F(SpoolTest, AppendsMadeFromAnswersKeepGroupingWhileWritesRun) {
  auto spool = open();
  int answered = 0, in_flight = 0;
  std::function<void()> more = [&] {
    for (int i = 0; i < 3; ++i) {
      ++in_flight;
      spool->append(std::string(100, 'x'), [&](Status s) {
        EXPECT_TRUE(s.ok());
        --in_flight;
        if (++answered < 60) more();
      });
    }
  };
  more();
  ASSERT_TRUE(runUntil(loop_, [&] { return answered >= 60 && in_flight == 0; }));
  uint64_t syncs = counter("triggerd_spool_syncs_total");
  EXPECT_LT(syncs, static_cast<uint64_t>(answered));
  EXPECT_EQ(spool->stats().records, static_cast<uint64_t>(answered));
}

TEST_F(SpoolTest, AFullSpoolRefusesAppendsUntilReplayFreesSpace) {
  SpoolOptions o = options();
  o.segment_bytes = 1024;
  o.max_bytes = 4096;
  auto spool = open(o);
  const std::string payload(500, 'p');  // 532 bytes a record: 7 fit in 4096
  std::vector<Status> results;
  for (int i = 0; i < 10; ++i) spool->append(payload, [&](Status s) { results.push_back(s); });
  ASSERT_TRUE(runUntil(loop_, [&] { return results.size() == 10; }));
  int ok = 0;
  for (const Status& s : results) {
    if (s.ok()) {
      ++ok;
      continue;
    }
    EXPECT_EQ(s.error().status, 503);
    EXPECT_NE(s.error().message.find("the spool is full"), std::string::npos);
  }
  EXPECT_EQ(ok, 7);
  EXPECT_EQ(counter("triggerd_spool_appends_total", {{"outcome", "full"}}), 3u);
  EXPECT_TRUE(spool->stats().full);
  EXPECT_FALSE(spool->stats().writable);

  EXPECT_EQ(replay(*spool, 7).size(), 7u);
  ASSERT_TRUE(runUntil(loop_, [&] { return spool->stats().bytes == 0; }));
  EXPECT_TRUE(segmentFiles().empty());
  EXPECT_FALSE(spool->stats().full);
  EXPECT_TRUE(append(*spool, payload).ok());
}

TEST_F(SpoolTest, APayloadAboveTheRecordLimitIsRefused) {
  SpoolOptions o = options();
  o.max_bytes = uint64_t{1} << 30;
  auto spool = open(o);
  Status s = append(*spool, std::string(spool::kMaxRecordPayloadBytes + 1, 'x'));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("exceeds the record limit"), std::string::npos);
  EXPECT_EQ(counter("triggerd_spool_appends_total", {{"outcome", "too_large"}}), 1u);
  EXPECT_EQ(spool->stats().records, 0u);
}

// A real write error (EFBIG from RLIMIT_FSIZE): the append fails, the spool says it is not
// writable and why, and the next write, once possible again, succeeds in a new segment.
TEST_F(SpoolTest, AFailedWriteFailsItsAppendsAndTheSpoolRecovers) {
  auto spool = open();
  ASSERT_TRUE(append(*spool, "before").ok());
  struct sigaction ignore {
  }, old_action{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGXFSZ, &ignore, &old_action), 0);
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status failed = append(*spool, std::string(8192, 'x'));
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  ::sigaction(SIGXFSZ, &old_action, nullptr);

  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().status, 503);
  EXPECT_NE(failed.error().message.find("File too large"), std::string::npos);
  SpoolStats s = spool->stats();
  EXPECT_FALSE(s.writable);
  EXPECT_NE(s.last_error.find("File too large"), std::string::npos);
  EXPECT_EQ(s.records, 1u);
  EXPECT_EQ(counter("triggerd_spool_appends_total", {{"outcome", "error"}}), 1u);

  ASSERT_TRUE(append(*spool, "after").ok());
  EXPECT_TRUE(spool->stats().writable);
  EXPECT_EQ(segmentFiles().size(), 2u);  // the failed segment is never written again
  EXPECT_EQ(payloadsOnDisk(), (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(payloadsOf(replay(*spool, 2)), (std::vector<std::string>{"before", "after"}));
}

TEST_F(SpoolTest, SegmentsRotateAtTheirSize) {
  SpoolOptions o = options();
  o.segment_bytes = 300;
  auto spool = open(o);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(append(*spool, std::string(100, 'a' + i)).ok());
  // 132 bytes a record: a segment takes records until it reached 300 bytes.
  auto files = segmentFiles();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(std::filesystem::file_size(files[0]), 3 * 132u);
  EXPECT_EQ(std::filesystem::path(files[0]).filename(), "00000000000000000001.seg");
  EXPECT_EQ(std::filesystem::path(files[1]).filename(), "00000000000000000004.seg");
  EXPECT_EQ(spool->stats().bytes, 6 * 132u);
}

TEST_F(SpoolTest, StartUpFindsEarlierRecordsAndContinuesTheirSequence) {
  {
    auto spool = open();
    for (const char* p : {"a", "b", "c"}) ASSERT_TRUE(append(*spool, p).ok());
  }
  clock_.advance(std::chrono::minutes(10));
  auto spool = open();
  SpoolStats s = spool->stats();
  EXPECT_EQ(s.records, 3u);
  EXPECT_EQ(s.bytes, 3 * spool::recordSize(1));
  EXPECT_DOUBLE_EQ(s.oldest_age_seconds, 600.0);
  ASSERT_TRUE(append(*spool, "d").ok());  // a new segment: earlier ones are never appended to
  EXPECT_EQ(segmentFiles().size(), 2u);
  auto records = replay(*spool, 4);
  EXPECT_EQ(payloadsOf(records), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(records[3].sequence, 4u);
}

TEST_F(SpoolTest, StartUpCutsATornTailAndNeverReplaysIt) {
  {
    auto spool = open();
    for (const char* p : {"first", "second", "third"}) ASSERT_TRUE(append(*spool, p).ok());
  }
  // A crash in the middle of writing the third record.
  std::string file = segmentFiles().at(0);
  const auto whole = std::filesystem::file_size(file);
  std::filesystem::resize_file(file, whole - 3);
  auto spool = open();
  EXPECT_EQ(counter("triggerd_spool_torn_records_total"), 1u);
  EXPECT_EQ(std::filesystem::file_size(file), whole - spool::recordSize(5));
  EXPECT_EQ(spool->stats().records, 2u);
  EXPECT_EQ(payloadsOf(replay(*spool, 2)), (std::vector<std::string>{"first", "second"}));
  runFor(loop_, milliseconds(50));
  EXPECT_EQ(spool->stats().records, 0u);
}

TEST_F(SpoolTest, ACorruptMiddleRecordIsSkippedAndItsSegmentKeptForInspection) {
  {
    auto spool = open();
    for (const char* p : {"first", "second", "third"}) ASSERT_TRUE(append(*spool, p).ok());
  }
  std::string file = segmentFiles().at(0);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(spool::recordSize(5) + spool::kRecordHeaderBytes + 1));
    f.put('X');  // inside "second"
  }
  auto spool = open();
  EXPECT_EQ(counter("triggerd_spool_corrupt_records_total"), 1u);
  EXPECT_EQ(spool->stats().records, 2u);
  EXPECT_EQ(payloadsOf(replay(*spool, 2)), (std::vector<std::string>{"first", "third"}));
  ASSERT_TRUE(runUntil(loop_, [&] { return spool->stats().bytes == 0; }));
  EXPECT_TRUE(segmentFiles().empty());
  EXPECT_TRUE(std::filesystem::exists(file + ".corrupt"));
}

TEST_F(SpoolTest, OpenRefusesADirectoryInUseAndBadOptions) {
  auto spool = open();
  auto second = Spool::open(loop_, clock_, metrics_, options());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("in use by another process"), std::string::npos);
  SpoolOptions bad = options();
  bad.dir = tmp_.file("other");
  bad.segment_bytes = bad.max_bytes + 1;
  EXPECT_FALSE(Spool::open(loop_, clock_, metrics_, bad).ok());
}

// A writer killed at a random moment (SIGKILL, mid-write or not) loses no record it had
// acknowledged: the next start finds each of them, in order.
TEST_F(SpoolTest, AKilledWriterLosesNoAcknowledgedRecord) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    EventLoop loop;
    SystemClock clock;
    Metrics metrics;
    auto spool = Spool::open(loop, clock, metrics, options());
    if (!spool.ok()) ::_exit(2);
    int next = 0;
    std::function<void()> one = [&] {
      std::string payload = "record-" + std::to_string(next++) + std::string(300, '.');
      (*spool)->append(payload, [&, n = next - 1](Status s) {
        if (!s.ok()) ::_exit(3);
        if (::write(pipe_fds[1], &n, sizeof n) != sizeof n) ::_exit(4);
      });
    };
    std::unique_ptr<Timer> timer;
    std::function<void()> tick = [&] {
      for (int i = 0; i < 5; ++i) one();
      timer->arm(milliseconds(1));
    };
    timer = loop.createTimer(tick);
    tick();
    loop.run();
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  int acked = -1, n = 0;
  while (acked < 300 && ::read(pipe_fds[0], &n, sizeof n) == sizeof n) acked = std::max(acked, n);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  while (::read(pipe_fds[0], &n, sizeof n) == sizeof n) acked = std::max(acked, n);
  ::close(pipe_fds[0]);
  ASSERT_GE(acked, 300);

  auto spool = open();
  const uint64_t found = spool->stats().records;
  ASSERT_GE(found, static_cast<uint64_t>(acked) + 1);
  auto records = replay(*spool, found);
  ASSERT_EQ(records.size(), found);
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].payload, "record-" + std::to_string(i) + std::string(300, '.'));
  }
}

}  // namespace
}  // namespace triggerd::testing
