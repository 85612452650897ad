// Replay: order, the window, acknowledgements, resumption after a crash, segment deletion and
// the expiry of records older than max_age.
#include <gtest/gtest.h>

#include <filesystem>

#include "spool/spool.h"
#include "tests/unit/spool/spool_test_util.h"

namespace triggerd::testing {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

class SpoolReplayTest : public SpoolTest {
 protected:
  void appendAll(Spool& spool, int from, int to) {
    for (int i = from; i < to; ++i) ASSERT_TRUE(append(spool, "r" + std::to_string(i)).ok());
  }
  static std::vector<std::string> names(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i) out.push_back("r" + std::to_string(i));
    return out;
  }
};

TEST_F(SpoolReplayTest, HandsRecordsOutInAppendOrderNeverMoreThanTheWindow) {
  SpoolOptions o = options();
  o.replay_window = 3;
  auto spool = open(o);
  appendAll(*spool, 0, 10);
  std::vector<SpooledRecord> handed;
  std::vector<SpoolAck> acks;
  spool->startReplay([&](const SpooledRecord& r, SpoolAck ack) {
    handed.push_back(r);
    acks.push_back(ack);
  });
  EXPECT_TRUE(spool->stats().replaying);
  ASSERT_TRUE(runUntil(loop_, [&] { return handed.size() == 3; }));
  runFor(loop_, milliseconds(30));
  EXPECT_EQ(handed.size(), 3u);  // the window is full until something is acknowledged
  // Acknowledged one at a time, oldest first: each ack lets exactly one more record out.
  while (!acks.empty()) {
    const size_t before = handed.size();
    acks.front().ack();
    acks.erase(acks.begin());
    if (before < 10) {
      ASSERT_TRUE(runUntil(loop_, [&] { return handed.size() == before + 1; }));
    }
    EXPECT_LE(acks.size(), 3u);
  }
  EXPECT_EQ(payloadsOf(handed), names(0, 10));
  for (size_t i = 0; i < handed.size(); ++i) EXPECT_EQ(handed[i].sequence, i + 1);
  EXPECT_EQ(handed[0].appended_at, clock_.now());
  ASSERT_TRUE(runUntil(loop_, [&] { return spool->stats().records == 0; }));
  EXPECT_EQ(counter("triggerd_spool_replayed_total"), 10u);
}

TEST_F(SpoolReplayTest, RecordsAppendedDuringAReplayAreHandedOutToo) {
  auto spool = open();
  appendAll(*spool, 0, 2);
  std::vector<SpooledRecord> handed;
  spool->startReplay([&](const SpooledRecord& r, SpoolAck ack) {
    handed.push_back(r);
    ack();
  });
  ASSERT_TRUE(runUntil(loop_, [&] { return handed.size() == 2; }));
  appendAll(*spool, 2, 5);
  ASSERT_TRUE(runUntil(loop_, [&] { return handed.size() == 5; }));
  EXPECT_EQ(payloadsOf(handed), names(0, 5));
}

// The consumer could not enqueue a record (Redis went away again) and drops its ack: the replay
// pauses, and the next one starts with that record.
TEST_F(SpoolReplayTest, ADroppedAckPausesTheReplayAndThatRecordComesBackFirst) {
  SpoolOptions o = options();
  o.replay_window = 1;
  auto spool = open(o);
  appendAll(*spool, 0, 4);
  std::vector<std::string> handed;
  spool->startReplay([&](const SpooledRecord& r, SpoolAck ack) {
    handed.push_back(r.payload);
    if (r.payload != "r1") ack();  // r1 fails
  });
  ASSERT_TRUE(runUntil(loop_, [&] { return handed.size() == 2; }));
  runFor(loop_, milliseconds(30));
  EXPECT_EQ(handed, names(0, 2));
  EXPECT_FALSE(spool->stats().replaying);
  EXPECT_EQ(spool->stats().records, 3u);

  auto rest = replay(*spool, 3);
  EXPECT_EQ(payloadsOf(rest), names(1, 4));
}

TEST_F(SpoolReplayTest, AcksAfterStopReplayStillCountAndAcksOutliveTheSpool) {
  auto spool = open();
  appendAll(*spool, 0, 2);
  std::vector<SpoolAck> acks;
  spool->startReplay([&](const SpooledRecord&, SpoolAck ack) { acks.push_back(ack); });
  ASSERT_TRUE(runUntil(loop_, [&] { return acks.size() == 2; }));
  spool->stopReplay();
  acks[0].ack();
  acks[0].ack();  // a second call changes nothing
  ASSERT_TRUE(runUntil(loop_, [&] { return spool->stats().records == 1; }));
  spool.reset();
  acks[1].ack();  // harmless without the spool
  acks.clear();
  EXPECT_EQ(counter("triggerd_spool_replayed_total"), 1u);
}

// After a crash mid-replay, records acknowledged before the crash are not handed out again;
// those handed out but not acknowledged are.
TEST_F(SpoolReplayTest, AReplayResumesAfterACrashWithTheUnacknowledgedRecords) {
  {
    SpoolOptions o = options();
    o.replay_window = 2;
    auto spool = open(o);
    appendAll(*spool, 0, 10);
    std::vector<SpoolAck> held;
    int handed = 0;
    spool->startReplay([&](const SpooledRecord& r, SpoolAck ack) {
      ++handed;
      if (r.sequence <= 4) {
        ack();
      } else {
        held.push_back(ack);  // r4 and r5: in flight when the process dies
      }
    });
    ASSERT_TRUE(runUntil(
        loop_, [&] { return handed == 6 && readFile(tmp_.file("spool/consumed")) == "4\n"; }));
    spool.reset();  // the crash: nothing more is acknowledged or written
  }
  auto spool = open();
  EXPECT_EQ(spool->stats().records, 6u);
  EXPECT_EQ(payloadsOf(replay(*spool, 6)), names(4, 10));
}

TEST_F(SpoolReplayTest, FullyConsumedSegmentsAreDeletedIncludingTheActiveOne) {
  SpoolOptions o = options();
  o.segment_bytes = 400;
  auto spool = open(o);
  // 132 bytes a record: a segment holds 4 (it reached 400 bytes with the fourth).
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(append(*spool, std::string(100, 'a' + i)).ok());
  EXPECT_EQ(segmentFiles().size(), 3u);
  EXPECT_EQ(replay(*spool, 6).size(), 6u);  // the first segment and half the second
  // The file goes on the reader thread; the spool learns of it a moment later.
  ASSERT_TRUE(runUntil(loop_, [&] { return spool->stats().bytes == 8 * 132u; }));
  EXPECT_EQ(segmentFiles().size(), 2u);
  EXPECT_EQ(spool->stats().records, 6u);
  EXPECT_EQ(replay(*spool, 6).size(), 6u);
  ASSERT_TRUE(runUntil(loop_, [&] { return spool->stats().bytes == 0; }));
  EXPECT_TRUE(segmentFiles().empty());
  EXPECT_EQ(spool->stats().records, 0u);
  EXPECT_FALSE(spool->stats().oldest.has_value());
  ASSERT_TRUE(runUntil(loop_, [&] { return readFile(tmp_.file("spool/consumed")) == "12\n"; }));
  // Appending again starts a new segment above every sequence used.
  ASSERT_TRUE(append(*spool, "again").ok());
  ASSERT_EQ(segmentFiles().size(), 1u);
  EXPECT_EQ(std::filesystem::path(segmentFiles()[0]).filename(), "00000000000000000013.seg");
}

TEST_F(SpoolReplayTest, ExpiredRecordsAreMovedAsideAndNeverHandedOut) {
  auto spool = open();
  appendAll(*spool, 0, 2);
  clock_.advance(hours(23));
  EXPECT_DOUBLE_EQ(spool->stats().oldest_age_seconds, 23 * 3600.0);
  appendAll(*spool, 2, 3);
  runFor(loop_, milliseconds(60));  // housekeeping runs; nothing is old enough yet
  EXPECT_EQ(counter("triggerd_spool_expired_total"), 0u);
  clock_.advance(hours(2));  // r0 and r1 are now 25 h old, r2 2 h
  ASSERT_TRUE(runUntil(loop_, [&] { return counter("triggerd_spool_expired_total") == 2; }));
  ASSERT_TRUE(runUntil(loop_, [&] { return spool->stats().records == 1; }));
  EXPECT_DOUBLE_EQ(spool->stats().oldest_age_seconds, 2 * 3600.0);
  EXPECT_EQ(payloadsIn(tmp_.file("spool/expired")), names(0, 2));
  EXPECT_EQ(payloadsOf(replay(*spool, 1)), names(2, 3));
  runFor(loop_, milliseconds(30));
  EXPECT_EQ(counter("triggerd_spool_replayed_total"), 1u);
}

TEST_F(SpoolReplayTest, RecordsThatExpiredWhileTriggerdWasStoppedAreMovedAsideAtStart) {
  {
    auto spool = open();
    appendAll(*spool, 0, 3);
  }
  clock_.advance(hours(25));
  auto spool = open();
  ASSERT_TRUE(runUntil(loop_, [&] { return counter("triggerd_spool_expired_total") == 3; }));
  ASSERT_TRUE(runUntil(loop_, [&] { return spool->stats().bytes == 0; }));
  EXPECT_TRUE(segmentFiles().empty());
  EXPECT_EQ(spool->stats().records, 0u);
  EXPECT_EQ(payloadsIn(tmp_.file("spool/expired")), names(0, 3));
  // The expired file keeps each record as it was: same format, sequence and append time.
  std::string bytes = readFile(tmp_.file("spool/expired"));
  spool::SegmentDecoder d(bytes);
  auto e = d.next();
  ASSERT_EQ(e.kind, spool::SegmentEntry::Kind::kRecord);
  EXPECT_EQ(e.sequence, 1u);
  EXPECT_EQ(e.append_unix_ms, clock_.unixMillis() - 25 * 3600 * 1000);
}

TEST_F(SpoolReplayTest, AReturnedRecordThatExpiredMeanwhileIsMovedAsideNotReplayed) {
  SpoolOptions o = options();
  o.replay_window = 1;
  auto spool = open(o);
  appendAll(*spool, 0, 2);
  int handed = 0;
  spool->startReplay([&](const SpooledRecord&, SpoolAck) { ++handed; });  // drops every ack
  ASSERT_TRUE(runUntil(loop_, [&] { return handed == 1; }));
  clock_.advance(hours(25));
  ASSERT_TRUE(runUntil(loop_, [&] { return counter("triggerd_spool_expired_total") == 2; }));
  auto none = false;
  spool->startReplay([&](const SpooledRecord&, SpoolAck) { none = true; });
  runFor(loop_, milliseconds(50));
  EXPECT_FALSE(none);
  EXPECT_EQ(spool->stats().records, 0u);
}

}  // namespace
}  // namespace triggerd::testing
