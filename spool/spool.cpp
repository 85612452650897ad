#include "spool/spool.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <utility>

#include "common/log.h"
#include "spool/disk_worker.h"
#include "spool/segment_reader.h"
#include "spool/segment_scan.h"
#include "spool/segment_writer.h"
#include "spool/spool_record.h"

namespace triggerd {

using spool::DiskWorker;
using spool::PendingRecord;
using spool::ReadBatch;
using spool::SegmentEntry;
using spool::SegmentWriter;
using spool::SpoolDirectory;
using spool::WriteReport;

namespace {

constexpr size_t kMinReadRecords = 16;
// Appends waiting for the disk are held in memory; past this the disk is not keeping up and
// further appends fail at once rather than piling up.
constexpr uint64_t kMaxUnwrittenBytes = uint64_t{256} << 20;

std::chrono::system_clock::time_point fromUnixMs(int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

int64_t unixMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string sizeText(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

// Shared by every copy of one SpoolAck: the record is returned when the last copy goes.
struct SpoolAck::Token {
  std::weak_ptr<void> alive;  // the spool's anchor
  Spool* spool = nullptr;
  uint64_t sequence = 0;
  bool acked = false;

  ~Token() {
    if (!acked && !alive.expired()) spool->onReturned(sequence);
  }
};

void SpoolAck::ack() const {
  if (!token_ || token_->acked) return;
  token_->acked = true;
  if (!token_->alive.expired()) token_->spool->onAck(token_->sequence);
}

Result<std::unique_ptr<Spool>> Spool::open(EventLoop& loop, const Clock& clock, Metrics& metrics,
                                           SpoolOptions options) {
  if (options.segment_bytes == 0 || options.max_bytes < options.segment_bytes ||
      options.replay_window == 0 || options.max_age.count() <= 0 ||
      options.housekeeping_interval.count() <= 0) {
    return Error::internal(
        "invalid spool options: segment_bytes must be positive and at most "
        "max_bytes; replay_window, max_age and the housekeeping interval "
        "must be positive");
  }
  auto dir = SpoolDirectory::open(options.dir);
  if (!dir.ok()) return dir.error();
  const uint64_t consumed = spool::readConsumedCursor(*dir);
  auto ids = spool::listSegments(dir->path());
  if (!ids.ok()) return ids.error();

  std::vector<spool::SegmentScan> kept;
  uint64_t highest = consumed;  // new sequence numbers (and segment ids) start above it
  uint64_t torn = 0, corrupt = 0;
  for (uint64_t id : *ids) {
    std::string path = dir->file(spool::segmentFileName(id));
    auto scan = spool::scanSegment(path, id, consumed);
    if (!scan.ok()) return scan.error();
    highest = std::max({highest, id, scan->last_sequence});
    torn += scan->torn_bytes > 0 ? 1 : 0;
    corrupt += scan->corrupt_regions;
    if (scan->pending > 0) {
      kept.push_back(*scan);
      continue;
    }
    // Consumed entirely before the last stop: delete it now (keep it if it held corrupt bytes).
    bool keep = scan->corrupt_regions > 0;
    int rc = keep ? ::rename(path.c_str(), (path + std::string(spool::kCorruptSuffix)).c_str())
                  : ::unlink(path.c_str());
    if (rc != 0) return spool::fileError("cannot remove consumed segment", path, errno);
  }

  std::unique_ptr<Spool> s(
      new Spool(loop, clock, metrics, std::move(options), std::move(dir.value())));
  s->consumed_through_ = s->persisted_through_ = consumed;
  s->next_sequence_ = highest + 1;
  for (const spool::SegmentScan& scan : kept) {
    if (s->segments_.empty()) {
      s->read_offset_ = scan.first_pending_offset;
      s->head_hint_unix_ms_ = scan.first_pending_unix_ms;
    }
    s->segments_[scan.id] = Segment{scan.size, scan.last_sequence, true, scan.corrupt_regions > 0,
                                    scan.corrupt_offsets};
    s->bytes_ += scan.size;
    s->pending_records_ += scan.pending;
  }
  if (torn) metrics.inc("triggerd_spool_torn_records_total", {}, torn);
  if (corrupt) metrics.inc("triggerd_spool_corrupt_records_total", {}, corrupt);
  TLOG_INFO("spool",
            "dir=%s segments=%zu records=%" PRIu64 " bytes=%" PRIu64 " torn_tails=%" PRIu64
            " corrupt=%" PRIu64 " spool opened",
            log::logValue(s->dir_.path()).c_str(), s->segments_.size(), s->pending_records_,
            s->bytes_, torn, corrupt);
  return s;
}

Spool::Spool(EventLoop& loop, const Clock& clock, Metrics& metrics, SpoolOptions options,
             SpoolDirectory dir)
    : loop_(loop),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      dir_(std::move(dir)),
      writer_(std::make_unique<SegmentWriter>(dir_, options_.segment_bytes)),
      anchor_(std::make_shared<Anchor>(Anchor{this})),
      writer_thread_(std::make_unique<DiskWorker>("spool-writer")),
      reader_thread_(std::make_unique<DiskWorker>("spool-reader")) {
  housekeeping_ = loop_.createTimer([this] {
    backoff_ = false;
    schedulePump();
    housekeeping_->arm(options_.housekeeping_interval);
  });
  housekeeping_->arm(options_.housekeeping_interval);
  registerMetrics();
  schedulePump();  // records may have expired while triggerd was stopped
}

Spool::~Spool() {
  // Destroying the workers first joins them: a write in progress finishes, queued tasks are
  // dropped, and the completions already posted find the anchor gone.
  reader_thread_.reset();
  writer_thread_.reset();
}

std::function<void()> Spool::onLoop(std::function<void()> fn) {
  return [alive = std::weak_ptr<Anchor>(anchor_), fn = std::move(fn)] {
    if (!alive.expired()) fn();
  };
}

void Spool::registerMetrics() {
  std::weak_ptr<Anchor> alive = anchor_;
  auto gauge = [alive](double (*value)(const Spool&)) {
    return [alive, value] {
      auto a = alive.lock();
      return a ? value(*a->spool) : 0.0;
    };
  };
  metrics_.gaugeFn("triggerd_spool_records",
                   gauge([](const Spool& s) { return static_cast<double>(s.pending_records_); }));
  metrics_.gaugeFn("triggerd_spool_bytes",
                   gauge([](const Spool& s) { return static_cast<double>(s.bytes_); }));
  metrics_.gaugeFn("triggerd_spool_oldest_age_seconds",
                   gauge([](const Spool& s) { return s.stats().oldest_age_seconds; }));
  metrics_.gaugeFn("triggerd_spool_writable",
                   gauge([](const Spool& s) { return s.stats().writable ? 1.0 : 0.0; }));
}

void Spool::answerLater(AppendDone done, Status status) {
  loop_.post(onLoop([done = std::move(done), status = std::move(status)] { done(status); }));
}

bool Spool::full(uint64_t extra) const {
  return bytes_ + unwritten_bytes_ + extra > options_.max_bytes;
}

void Spool::noteError(const Error& e) {
  last_error_ = e.message;
}

bool Spool::expired(int64_t append_unix_ms) const {
  return clock_.unixMillis() - append_unix_ms >
         std::chrono::duration_cast<std::chrono::milliseconds>(options_.max_age).count();
}

// ---- appends ----

void Spool::append(std::string payload, AppendDone done) {
  if (payload.size() > spool::kMaxRecordPayloadBytes) {
    metrics_.inc("triggerd_spool_appends_total", {{"outcome", "too_large"}});
    answerLater(std::move(done),
                Error::unavailable("the delivery's spool record of " + sizeText(payload.size()) +
                                   " exceeds the record limit of " +
                                   sizeText(spool::kMaxRecordPayloadBytes)));
    return;
  }
  const uint64_t size = spool::recordSize(payload.size());
  if (full(size)) {
    metrics_.inc("triggerd_spool_appends_total", {{"outcome", "full"}});
    if (!refusing_) {
      refusing_ = true;
      TLOG_ERROR("spool",
                 "dir=%s bytes=%" PRIu64 " max_bytes=%" PRIu64
                 " the spool is full; deliveries are refused until replay frees space",
                 log::logValue(dir_.path()).c_str(), bytes_ + unwritten_bytes_, options_.max_bytes);
    }
    answerLater(std::move(done), Error::unavailable("the spool is full (spool.max_bytes = " +
                                                    sizeText(options_.max_bytes) + ")"));
    return;
  }
  if (unwritten_bytes_ + size > kMaxUnwrittenBytes) {
    metrics_.inc("triggerd_spool_appends_total", {{"outcome", "backlog"}});
    answerLater(std::move(done),
                Error::unavailable("the spool's disk is not keeping up (" +
                                   sizeText(unwritten_bytes_) + " waiting to be written)"));
    return;
  }
  refusing_ = false;  // there is room again
  const uint64_t sequence = next_sequence_++;
  pending_.push_back(PendingRecord{sequence, clock_.unixMillis(), std::move(payload)});
  unwritten_bytes_ += size;
  waiting_.emplace(sequence, std::move(done));
  flush();
}

void Spool::flush() {
  if (writing_ || pending_.empty()) return;
  Batch batch{pending_.front().sequence, pending_.back().sequence, pending_.size(), 0,
              pending_.front().append_unix_ms};
  for (const PendingRecord& r : pending_) batch.bytes += spool::recordSize(r.payload.size());
  writing_ = batch;
  std::vector<PendingRecord> records = std::move(pending_);
  pending_.clear();
  writer_thread_->post([this, writer = writer_.get(), records = std::move(records), batch]() {
    WriteReport report = writer->write(records);
    loop_.postFromAnyThread(onLoop([this, batch, report] { onFlushed(batch, report); }));
  });
}

void Spool::onFlushed(const Batch& batch, WriteReport report) {
  writing_.reset();
  unwritten_bytes_ -= batch.bytes;
  if (report.syncs) metrics_.inc("triggerd_spool_syncs_total", {}, report.syncs);
  if (report.closed) {
    if (auto it = segments_.find(report.closed->id); it != segments_.end()) {
      it->second.closed = true;
    }
  }
  Status status = report.status;
  if (status.ok()) {
    Segment& seg = segments_[report.segment];
    bytes_ += report.segment_size - seg.size;
    seg.size = report.segment_size;
    seg.last_sequence = batch.last_sequence;
    if (pending_records_ == 0) head_hint_unix_ms_ = batch.first_append_unix_ms;
    pending_records_ += batch.records;
    write_failed_ = false;
    metrics_.inc("triggerd_spool_appends_total", {{"outcome", "durable"}}, batch.records);
  } else {
    write_failed_ = true;
    noteError(status.error());
    TLOG_ERROR("spool",
               "records=%" PRIu64
               " error=\"%s\" spool write failed; those deliveries "
               "are refused",
               batch.records, status.error().message.c_str());
    status =
        Error::unavailable("the spool could not store the delivery: " + status.error().message);
    metrics_.inc("triggerd_spool_appends_total", {{"outcome", "error"}}, batch.records);
  }
  std::vector<AppendDone> done;
  auto first = waiting_.lower_bound(batch.first_sequence);
  auto last = waiting_.upper_bound(batch.last_sequence);
  for (auto it = first; it != last; ++it) done.push_back(std::move(it->second));
  waiting_.erase(first, last);

  flush();
  schedulePump();
  std::weak_ptr<Anchor> alive = anchor_;
  for (AppendDone& d : done) {
    d(status);
    if (alive.expired()) return;  // a callback destroyed the spool; the rest are dropped
  }
}

// ---- replay ----

void Spool::startReplay(ReplayHandler handler) {
  if (!handler_) {
    TLOG_INFO("spool", "records=%" PRIu64 " replay started", pending_records_);
  }
  handler_ = std::move(handler);
  schedulePump();
}

void Spool::stopReplay() {
  if (handler_) TLOG_INFO("spool", "records=%" PRIu64 " replay stopped", pending_records_);
  handler_ = nullptr;
}

void Spool::schedulePump() {
  if (pump_posted_) return;
  pump_posted_ = true;
  loop_.post(onLoop([this] {
    pump_posted_ = false;
    pump();
  }));
}

// One step of every background activity; each starts disk work only when none of its kind runs.
void Spool::pump() {
  advanceConsumed();
  advanceReadPosition();
  dispatch();
  read();
  persistCursor();
  removeConsumedSegments();
  retireActiveSegment();
}

Spool::Outstanding* Spool::findOutstanding(uint64_t sequence) {
  auto it =
      std::lower_bound(outstanding_.begin(), outstanding_.end(), sequence,
                       [](const Outstanding& o, uint64_t seq) { return o.record.sequence < seq; });
  return it != outstanding_.end() && it->record.sequence == sequence ? &*it : nullptr;
}

void Spool::dispatch() {
  std::vector<SpooledRecord> to_expire;
  std::weak_ptr<Anchor> alive = anchor_;
  while (true) {
    // Records handed out before and returned go first, in order.
    Outstanding* returned = nullptr;
    for (Outstanding& o : outstanding_) {
      if (o.state == State::kReturned) {
        returned = &o;
        break;
      }
    }
    if (returned) {
      if (expired(unixMs(returned->record.appended_at))) {
        if (expiring_ || backoff_) break;
        returned->state = State::kExpiring;
        to_expire.push_back(std::move(returned->record));  // sequence and time stay behind
        continue;
      }
      if (!handler_ || held_ >= options_.replay_window) break;
      hand(*returned);
      if (alive.expired()) return;
      continue;
    }
    if (buffer_.empty()) break;
    SpooledRecord& next = buffer_.front();
    if (next.sequence <= consumed_through_) {  // consumed in an earlier run
      buffer_.pop_front();
      continue;
    }
    if (expired(unixMs(next.appended_at))) {
      if (expiring_ || backoff_) break;
      outstanding_.push_back(
          Outstanding{SpooledRecord{next.sequence, next.appended_at, {}}, State::kExpiring});
      to_expire.push_back(std::move(next));
      buffer_.pop_front();
      continue;
    }
    if (!handler_ || held_ >= options_.replay_window) break;
    outstanding_.push_back(Outstanding{std::move(next), State::kHeld});
    buffer_.pop_front();
    hand(outstanding_.back());
    if (alive.expired()) return;
  }
  if (!to_expire.empty()) expire(std::move(to_expire));
}

void Spool::hand(Outstanding& entry) {
  entry.state = State::kHeld;
  ++held_;
  auto token = std::make_shared<SpoolAck::Token>();
  token->alive = anchor_;
  token->spool = this;
  token->sequence = entry.record.sequence;
  // A copy: the handler may stop the replay, which drops handler_, while it runs.
  ReplayHandler handler = handler_;
  handler(entry.record, SpoolAck(std::move(token)));
}

void Spool::onAck(uint64_t sequence) {
  Outstanding* o = findOutstanding(sequence);
  if (!o || o->state != State::kHeld) return;
  o->state = State::kAcked;
  o->record.payload = std::string();  // not needed any more
  --held_;
  metrics_.inc("triggerd_spool_replayed_total");
  schedulePump();
}

void Spool::onReturned(uint64_t sequence) {
  Outstanding* o = findOutstanding(sequence);
  if (!o || o->state != State::kHeld) return;
  o->state = State::kReturned;
  --held_;
  if (handler_) {
    TLOG_INFO("spool",
              "sequence=%" PRIu64
              " record not acknowledged; replay paused until it "
              "is started again",
              sequence);
    handler_ = nullptr;
  }
}

void Spool::advanceConsumed() {
  while (!outstanding_.empty() && outstanding_.front().state == State::kAcked) {
    const SpooledRecord& r = outstanding_.front().record;
    consumed_through_ = std::max(consumed_through_, r.sequence);
    head_hint_unix_ms_ = unixMs(r.appended_at);
    if (pending_records_ > 0) --pending_records_;
    outstanding_.pop_front();
  }
}

void Spool::expire(std::vector<SpooledRecord> records) {
  expiring_ = true;
  reader_thread_->post([this, path = dir_.file(spool::kExpiredFile), records = std::move(records)] {
    std::string bytes;
    for (const SpooledRecord& r : records) {
      spool::appendRecord(bytes, r.sequence, unixMs(r.appended_at), r.payload);
    }
    Status status = spool::appendDurably(path, bytes);
    loop_.postFromAnyThread(onLoop([this, records, status] { onExpired(records, status); }));
  });
}

void Spool::onExpired(const std::vector<SpooledRecord>& records, const Status& status) {
  expiring_ = false;
  if (!status.ok()) {
    backoff_ = true;
    noteError(status.error());
    TLOG_ERROR("spool",
               "records=%zu error=\"%s\" cannot move expired records aside; retrying "
               "later",
               records.size(), status.error().message.c_str());
  }
  const int64_t now = clock_.unixMillis();
  for (const SpooledRecord& r : records) {
    Outstanding* o = findOutstanding(r.sequence);
    if (!o || o->state != State::kExpiring) continue;
    if (!status.ok()) {
      o->record = r;  // kept to try again
      o->state = State::kReturned;
      continue;
    }
    o->state = State::kAcked;
    metrics_.inc("triggerd_spool_expired_total");
    TLOG_WARN("spool",
              "sequence=%" PRIu64 " appended_at=%s age_s=%" PRId64
              " file=%s record older than spool.max_age moved aside, not replayed: its delivery "
              "id may be forgotten by now, so a replay could build twice",
              r.sequence, formatRfc3339(r.appended_at).c_str(),
              (now - unixMs(r.appended_at)) / 1000,
              log::logValue(dir_.file(spool::kExpiredFile)).c_str());
  }
  schedulePump();
}

void Spool::advanceReadPosition() {
  auto it = segments_.upper_bound(finished_through_);
  while (!reading_ && it != segments_.end() && it->second.closed &&
         read_offset_ >= it->second.size) {
    finished_through_ = it->first;
    read_offset_ = 0;
    ++it;
  }
}

void Spool::read() {
  if (reading_ || backoff_ || !buffer_.empty()) return;
  std::optional<int64_t> oldest = oldestPendingUnixMs();
  bool sweep = oldest && expired(*oldest);  // expired records are moved aside, replay or not
  if (!handler_ && !sweep) return;
  auto it = segments_.upper_bound(finished_through_);
  if (it == segments_.end() || read_offset_ >= it->second.size) return;
  reading_ = true;
  const uint64_t id = it->first;
  reader_thread_->post([this, id, path = dir_.file(spool::segmentFileName(id)),
                        offset = read_offset_, end = it->second.size,
                        records = std::max(options_.replay_window, kMinReadRecords),
                        bytes = options_.read_batch_bytes] {
    ReadBatch batch = spool::readRecords(path, offset, end, records, bytes);
    loop_.postFromAnyThread(onLoop([this, id, batch] { onRead(id, batch); }));
  });
}

void Spool::onRead(uint64_t segment, ReadBatch batch) {
  reading_ = false;
  auto it = segments_.find(segment);
  const std::string file = dir_.file(spool::segmentFileName(segment));
  for (const spool::ReadProblem& p : batch.problems) {
    if (it != segments_.end()) {
      std::vector<uint64_t>& seen = it->second.reported;
      if (std::find(seen.begin(), seen.end(), p.offset) != seen.end()) continue;
      seen.push_back(p.offset);
      it->second.corrupt = true;
    }
    TLOG_ERROR("spool",
               "file=%s offset=%" PRIu64 " bytes=%" PRIu64
               " kind=\"%s\" reason=\"%s\" "
               "undecodable bytes skipped during replay",
               log::logValue(file).c_str(), p.offset, p.length, spool::entryKindName(p.kind),
               p.reason.c_str());
    metrics_.inc(p.kind == SegmentEntry::Kind::kTornTail ? "triggerd_spool_torn_records_total"
                                                         : "triggerd_spool_corrupt_records_total");
  }
  if (!batch.status.ok()) {
    backoff_ = true;
    noteError(batch.status.error());
    TLOG_ERROR("spool", "file=%s error=\"%s\" replay read failed; retrying later",
               log::logValue(file).c_str(), batch.status.error().message.c_str());
    return;
  }
  if (it != segments_.end() && segments_.upper_bound(finished_through_) == it) {
    read_offset_ = batch.next_offset;
  }
  for (spool::ReadRecord& r : batch.records) {
    if (r.sequence <= consumed_through_) continue;
    buffer_.push_back(
        SpooledRecord{r.sequence, fromUnixMs(r.append_unix_ms), std::move(r.payload)});
  }
  schedulePump();
}

std::optional<int64_t> Spool::oldestPendingUnixMs() const {
  if (pending_records_ == 0) return std::nullopt;
  for (const Outstanding& o : outstanding_) {
    if (o.state != State::kAcked) return unixMs(o.record.appended_at);
  }
  if (!buffer_.empty()) return unixMs(buffer_.front().appended_at);
  return head_hint_unix_ms_;
}

// ---- consumption bookkeeping ----

void Spool::persistCursor() {
  if (persisting_ || backoff_ || consumed_through_ <= persisted_through_) return;
  persisting_ = true;
  reader_thread_->post([this, target = consumed_through_] {
    Status status = spool::writeConsumedCursor(dir_, target);
    loop_.postFromAnyThread(onLoop([this, target, status] {
      persisting_ = false;
      if (status.ok()) {
        persisted_through_ = std::max(persisted_through_, target);
      } else {
        backoff_ = true;
        noteError(status.error());
        TLOG_ERROR("spool", "error=\"%s\" cannot save the consumption cursor; retrying later",
                   status.error().message.c_str());
      }
      schedulePump();
    }));
  });
}

void Spool::removeConsumedSegments() {
  if (backoff_) return;
  for (auto& [id, seg] : segments_) {
    if (id > finished_through_) break;
    if (seg.removing || seg.last_sequence > consumed_through_) continue;
    seg.removing = true;
    std::string path = dir_.file(spool::segmentFileName(id));
    reader_thread_->post([this, id = id, path, keep = seg.corrupt] {
      std::string kept = path + std::string(spool::kCorruptSuffix);
      int rc = keep ? ::rename(path.c_str(), kept.c_str()) : ::unlink(path.c_str());
      Status status = rc == 0 ? okStatus() : spool::fileError("cannot remove", path, errno);
      loop_.postFromAnyThread(onLoop([this, id, keep, kept, status] {
        auto it = segments_.find(id);
        if (it == segments_.end()) return;
        if (!status.ok()) {
          it->second.removing = false;
          backoff_ = true;
          noteError(status.error());
          TLOG_ERROR("spool", "error=\"%s\" cannot remove a consumed segment; retrying later",
                     status.error().message.c_str());
          return;
        }
        if (keep) {
          TLOG_WARN("spool",
                    "file=%s consumed segment held corrupt bytes; kept for inspection "
                    "(not counted in spool.max_bytes)",
                    log::logValue(kept).c_str());
        }
        bytes_ -= it->second.size;
        segments_.erase(it);
        if (!full(0)) refusing_ = false;
        schedulePump();
      }));
    });
  }
}

// A fully consumed active segment is closed so it can be deleted: otherwise its bytes would
// count against max_bytes until the next rotation.
void Spool::retireActiveSegment() {
  if (retiring_ || writing_ || !pending_.empty() || segments_.empty()) return;
  auto& [id, seg] = *segments_.rbegin();
  if (seg.closed || segments_.upper_bound(finished_through_)->first != id) return;
  if (read_offset_ < seg.size || seg.last_sequence > consumed_through_ || !buffer_.empty()) return;
  retiring_ = true;
  writer_thread_->post([this, writer = writer_.get(), id = id, last = seg.last_sequence] {
    std::optional<spool::ClosedSegment> closed = writer->retire(id, last);
    loop_.postFromAnyThread(onLoop([this, closed] {
      retiring_ = false;
      if (!closed) return;
      if (auto it = segments_.find(closed->id); it != segments_.end()) it->second.closed = true;
      schedulePump();
    }));
  });
}

SpoolStats Spool::stats() const {
  SpoolStats s;
  s.records = pending_records_;
  s.bytes = bytes_;
  if (std::optional<int64_t> oldest = oldestPendingUnixMs()) {
    s.oldest = fromUnixMs(*oldest);
    s.oldest_age_seconds =
        static_cast<double>(std::max<int64_t>(0, clock_.unixMillis() - *oldest)) / 1000.0;
  }
  s.full = refusing_ || full(0);
  s.writable = !write_failed_ && !s.full;
  s.replaying = static_cast<bool>(handler_);
  s.last_error = last_error_;
  return s;
}

}  // namespace triggerd
