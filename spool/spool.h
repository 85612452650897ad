// The disk spool: keeps verified webhook deliveries (as opaque payloads) while Redis cannot take
// them, and hands them back in order once it can. docs/spool.md describes the format and every
// guarantee; in short:
//
// - append(): `done` gets Ok only after the record was written and fdatasynced (and, for a new
//   segment, the directory fsynced). Appends that arrive while a write+fdatasync runs are
//   written together by the next one (group commit).
// - Replay hands records out in append order, at most `replay_window` at a time; a record is
//   consumed only when its SpoolAck is called. Unacknowledged records are handed out again after
//   a crash or a restart of the replay: the consumer must be idempotent (the enqueue dedupes on
//   the delivery id).
// - Records older than `max_age` are never handed out; they are moved to DIR/expired, logged
//   and counted.
//
// Threads: every method runs on the loop thread. Disk work runs on two threads the spool owns
// (a writer for appends, a reader for replay reads, the cursor, expiry and deletions); results
// come back through EventLoop::postFromAnyThread, which needs evthread_use_pthreads() before
// the loop was created. open() does blocking I/O and is meant to run before the loop does.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/result.h"
#include "loop/event_loop.h"
#include "spool/spool_files.h"

namespace triggerd {

namespace spool {
class DiskWorker;
class SegmentWriter;
struct PendingRecord;
struct ReadBatch;
struct WriteReport;
}  // namespace spool

struct SpoolOptions {
  std::string dir;                          // absolute; created 0700 when missing
  uint64_t max_bytes = uint64_t{1} << 30;   // segment files on disk; appends beyond it fail
  uint64_t segment_bytes = 16 << 20;        // a segment this large is closed, a new one begun
  std::chrono::seconds max_age{24 * 3600};  // older records are moved to DIR/expired
  size_t replay_window = 8;                 // records handed out and not yet acknowledged
  uint64_t read_batch_bytes = 1 << 20;      // read ahead per replay read
  // How often the spool looks for expired records while no replay runs, and retries a failed
  // read, expiry or deletion.
  std::chrono::milliseconds housekeeping_interval{60000};
};

struct SpoolStats {
  uint64_t records = 0;  // durable and not yet consumed
  uint64_t bytes = 0;    // segment files on disk, including consumed records not yet deleted
  std::optional<std::chrono::system_clock::time_point> oldest;  // append time, oldest pending
  double oldest_age_seconds = 0;                                // 0 when nothing is pending
  bool writable = true;  // the last write succeeded and the spool is not full
  bool full = false;     // appends are refused for lack of space (until replay frees some)
  bool replaying = false;
  std::string last_error;  // the last disk error, for /readyz and triggerctl; empty when none
};

struct SpooledRecord {
  uint64_t sequence = 0;
  std::chrono::system_clock::time_point appended_at;
  std::string payload;
};

// Handed out with each replayed record; copyable. ack() consumes the record: call it once the
// record's work is durable elsewhere (its jobs acknowledged by Redis). When every copy is gone
// without ack(), the record was not consumed: the spool stops handing out records, as
// stopReplay() does, and hands this one out again first at the next startReplay(). Use it on the
// loop thread; it may outlive the spool (it then does nothing).
class SpoolAck {
 public:
  void ack() const;
  void operator()() const { ack(); }

 private:
  friend class Spool;
  struct Token;
  explicit SpoolAck(std::shared_ptr<Token> token) : token_(std::move(token)) {}
  std::shared_ptr<Token> token_;
};

class Spool {
 public:
  using AppendDone = std::function<void(Status)>;
  using ReplayHandler = std::function<void(const SpooledRecord& record, SpoolAck ack)>;

  // Opens options.dir (see SpoolDirectory::open: created 0700, a world-writable directory is
  // refused, one process per directory), checks every segment and cuts off torn tails, then
  // starts the disk threads. Blocking: call it before the loop runs.
  static Result<std::unique_ptr<Spool>> open(EventLoop& loop, const Clock& clock, Metrics& metrics,
                                             SpoolOptions options);
  // Joins the disk threads (a write in progress finishes). Callbacks not yet run never run:
  // destroy the spool after the listeners stopped and before the loop.
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends one record. `done` runs on a later loop turn: Ok once the record is durable, or an
  // Error (503) when the spool is full, the payload exceeds the record limit or the disk failed.
  void append(std::string payload, AppendDone done);

  // Hands records to `handler` in append order, oldest first, including records appended while
  // the replay runs, until stopReplay(). A record handed out earlier and not acknowledged is
  // handed out again first.
  void startReplay(ReplayHandler handler);
  // No further records are handed out; acks for records already handed out still count.
  void stopReplay();

  SpoolStats stats() const;

 private:
  struct Segment {
    uint64_t size = 0;  // durable bytes
    uint64_t last_sequence = 0;
    bool closed = false;   // no more appends: an earlier run's, rotated, failed or retired
    bool corrupt = false;  // held undecodable bytes: renamed *.corrupt instead of deleted
    std::vector<uint64_t> reported;  // offsets of corrupt stretches already logged and counted
    bool removing = false;
  };
  enum class State { kHeld, kReturned, kExpiring, kAcked };
  struct Outstanding {
    SpooledRecord record;
    State state = State::kHeld;
  };
  struct Anchor {
    Spool* spool;
  };
  struct Batch {  // the batch being written
    uint64_t first_sequence = 0;
    uint64_t last_sequence = 0;
    uint64_t records = 0;
    uint64_t bytes = 0;
    int64_t first_append_unix_ms = 0;
  };
  friend class SpoolAck;
  friend struct SpoolAck::Token;

  Spool(EventLoop& loop, const Clock& clock, Metrics& metrics, SpoolOptions options,
        spool::SpoolDirectory dir);

  // Runs fn on the loop thread later, unless the spool is gone by then.
  std::function<void()> onLoop(std::function<void()> fn);
  void answerLater(AppendDone done, Status status);
  void registerMetrics();

  void flush();
  void onFlushed(const Batch& batch, spool::WriteReport report);

  void schedulePump();
  void pump();
  void dispatch();
  void hand(Outstanding& entry);
  void expire(std::vector<SpooledRecord> records);
  void onExpired(const std::vector<SpooledRecord>& records, const Status& status);
  void advanceReadPosition();
  void read();
  void onRead(uint64_t segment, spool::ReadBatch batch);
  void advanceConsumed();
  void persistCursor();
  void removeConsumedSegments();
  void retireActiveSegment();

  void onAck(uint64_t sequence);
  void onReturned(uint64_t sequence);
  Outstanding* findOutstanding(uint64_t sequence);
  bool expired(int64_t append_unix_ms) const;
  std::optional<int64_t> oldestPendingUnixMs() const;
  bool full(uint64_t extra) const;
  void noteError(const Error& e);

  EventLoop& loop_;
  const Clock& clock_;
  Metrics& metrics_;
  const SpoolOptions options_;
  const spool::SpoolDirectory dir_;
  std::unique_ptr<spool::SegmentWriter> writer_;  // used on the writer thread only

  std::map<uint64_t, Segment> segments_;  // by id (first sequence), ascending
  uint64_t bytes_ = 0;                    // sum of segments_ sizes

  // Appends.
  uint64_t next_sequence_ = 1;
  std::vector<spool::PendingRecord> pending_;  // waiting for the next write
  uint64_t unwritten_bytes_ = 0;               // pending_ and the batch being written
  std::map<uint64_t, AppendDone> waiting_;     // by sequence, until durable or failed
  std::optional<Batch> writing_;
  bool write_failed_ = false;
  bool refusing_ = false;  // the last append that needed space was refused for lack of it
  std::string last_error_;

  // Reading: segments up to finished_through_ were read to their end; reading continues at
  // read_offset_ in the next one.
  uint64_t finished_through_ = 0;
  uint64_t read_offset_ = 0;
  bool reading_ = false;
  std::deque<SpooledRecord> buffer_;  // read, not yet handed out

  // Consumption, in sequence order: records handed out or being expired.
  std::deque<Outstanding> outstanding_;
  size_t held_ = 0;  // kHeld entries: the replay window in use
  ReplayHandler handler_;
  bool expiring_ = false;
  uint64_t pending_records_ = 0;  // durable, not consumed
  // Append time of the oldest pending record when neither outstanding_ nor buffer_ holds it:
  // exact from the start-up scan and appends; after consumption, the last consumed record's
  // time (an upper bound on the age until the next read).
  int64_t head_hint_unix_ms_ = 0;
  uint64_t consumed_through_ = 0;  // every record up to this sequence is consumed
  uint64_t persisted_through_ = 0;
  bool persisting_ = false;
  bool retiring_ = false;
  bool pump_posted_ = false;
  // Set when disk work of the reader thread failed; cleared by the housekeeping timer, so a
  // failing disk is retried at that pace instead of on every loop turn.
  bool backoff_ = false;

  std::unique_ptr<Timer> housekeeping_;
  std::shared_ptr<Anchor> anchor_;  // closures on the loop hold it weakly
  // Last: destroyed (joined) first, while everything their tasks use still exists.
  std::unique_ptr<spool::DiskWorker> writer_thread_;
  std::unique_ptr<spool::DiskWorker> reader_thread_;
};

}  // namespace triggerd
