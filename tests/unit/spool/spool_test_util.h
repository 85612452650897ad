// Fixture for the Spool tests: a real event loop, a temp directory, and helpers that append,
// replay and look at the segment files on disk.
#pragma once

#include <event2/thread.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "loop/event_loop.h"
#include "spool/spool.h"
#include "spool/spool_files.h"
#include "spool/spool_record.h"
#include "tests/support/loop_runner.h"
#include "tests/support/subprocess.h"

namespace triggerd::testing {

// Results come back through postFromAnyThread, which needs libevent's locking switched on
// before the loop exists (main() does the same).
inline bool useEventThreads() {
  static const bool on = evthread_use_pthreads() == 0;
  return on;
}

struct DecodedFile {
  std::vector<spool::SegmentEntry> entries;  // views into `bytes`
  std::string bytes;
};

class SpoolTest : public ::testing::Test {
 protected:
  SpoolOptions options() const {
    SpoolOptions o;
    o.dir = tmp_.file("spool");
    o.housekeeping_interval = std::chrono::milliseconds(20);
    return o;
  }

  std::unique_ptr<Spool> open(const SpoolOptions& o) {
    auto s = Spool::open(loop_, clock_, metrics_, o);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(s.value()) : nullptr;
  }
  std::unique_ptr<Spool> open() { return open(options()); }

  Status append(Spool& spool, std::string payload) {
    std::optional<Status> result;
    spool.append(std::move(payload), [&](Status s) { result = std::move(s); });
    EXPECT_TRUE(runUntil(loop_, [&] { return result.has_value(); }));
    return result ? *result : Status(Error::internal("no answer"));
  }

  // Replays `count` records, acknowledging each at once. A record handed out beyond them is
  // not acknowledged, which pauses the replay and leaves it for the next one.
  std::vector<SpooledRecord> replay(Spool& spool, size_t count) {
    std::vector<SpooledRecord> seen;
    spool.startReplay([&](const SpooledRecord& r, SpoolAck ack) {
      if (seen.size() >= count) return;
      seen.push_back(r);
      ack();
    });
    EXPECT_TRUE(runUntil(loop_, [&] { return seen.size() >= count; }));
    spool.stopReplay();
    return seen;
  }

  // Segment files (*.seg) in the spool directory, by name.
  std::vector<std::string> segmentFiles() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(options().dir)) {
      if (spool::parseSegmentFileName(e.path().filename().string())) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::vector<std::string> payloadsIn(const std::string& path) {
    std::string bytes = readFile(path);
    std::vector<std::string> out;
    spool::SegmentDecoder d(bytes);
    for (auto e = d.next(); e.kind != spool::SegmentEntry::Kind::kEnd; e = d.next()) {
      if (e.kind == spool::SegmentEntry::Kind::kRecord) out.emplace_back(e.payload);
    }
    return out;
  }

  std::vector<std::string> payloadsOnDisk() const {
    std::vector<std::string> out;
    for (const std::string& f : segmentFiles()) {
      for (std::string& p : payloadsIn(f)) out.push_back(std::move(p));
    }
    return out;
  }

  uint64_t counter(const char* name, const Labels& labels = {}) const {
    return metrics_.counter(name, labels);
  }

  bool threads_ = useEventThreads();
  TempDir tmp_;
  EventLoop loop_;
  ManualClock clock_;
  Metrics metrics_;
};

inline std::vector<std::string> payloadsOf(const std::vector<SpooledRecord>& records) {
  std::vector<std::string> out;
  for (const SpooledRecord& r : records) out.push_back(r.payload);
  return out;
}

}  // namespace triggerd::testing
