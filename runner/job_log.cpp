#include "runner/job_log.h"

#include "common/log.h"

namespace triggerd {

JobLog::JobLog(EventLoop& loop, RunnerQueue& queue, std::string job_id, size_t chunk_bytes,
               std::chrono::milliseconds flush_interval)
    : loop_(loop),
      queue_(queue),
      job_id_(std::move(job_id)),
      chunk_bytes_(chunk_bytes),
      flush_interval_(flush_interval),
      flush_timer_(loop.createTimer([this] {
        if (!buffer_.empty()) write(std::move(buffer_));
        buffer_.clear();
      })) {}

JobLog::~JobLog() = default;

void JobLog::append(std::string_view bytes) {
  tail_.append(bytes);
  if (tail_.size() > 2 * kTailBytes) tail_.erase(0, tail_.size() - kTailBytes);
  buffer_.append(bytes);
  while (buffer_.size() >= chunk_bytes_) {
    // Cut after the last newline of the chunk when there is one in its second half, so
    // entries hold whole lines.
    size_t cut = chunk_bytes_;
    size_t nl = buffer_.rfind('\n', chunk_bytes_ - 1);
    if (nl != std::string::npos && nl >= chunk_bytes_ / 2) cut = nl + 1;
    write(buffer_.substr(0, cut));
    buffer_.erase(0, cut);
  }
  if (!buffer_.empty() && !flush_timer_->armed()) flush_timer_->arm(flush_interval_);
}

void JobLog::note(const std::string& line) {
  buffer_ += line;
  buffer_ += '\n';
  if (!flush_timer_->armed()) flush_timer_->arm(flush_interval_);
}

void JobLog::write(std::string chunk) {
  ++in_flight_;
  std::weak_ptr<bool> alive = alive_;
  queue_.appendLog(job_id_, chunk, [this, alive](Status st) {
    if (alive.expired()) return;
    if (!st.ok()) {
      // Output is not worth failing a build over; say once per job that some is missing.
      if (lost_chunks_++ == 0)
        TLOG_WARN("runner", "job=%s reason=%s build output lost from the log stream",
                  job_id_.c_str(), log::logValue(st.error().message, 200).c_str());
    }
    written();
  });
}

void JobLog::written() {
  --in_flight_;
  if (in_flight_ + 1 == kMaxInFlight && on_room_) {
    auto cb = on_room_;
    cb();
  }
  maybeFlushed();
}

void JobLog::flush(std::function<void()> done) {
  flush_timer_->disarm();
  if (!buffer_.empty()) write(std::move(buffer_));
  buffer_.clear();
  on_flushed_ = std::move(done);
  maybeFlushed();
}

void JobLog::maybeFlushed() {
  if (in_flight_ != 0 || !on_flushed_) return;
  auto cb = std::move(on_flushed_);
  on_flushed_ = nullptr;
  loop_.post(std::move(cb));  // never on the caller's stack
}

std::string JobLog::tail(size_t max) const {
  std::string_view t = tail_;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.remove_suffix(1);
  std::string out = lastBytes(t, max);
  // Start at a line boundary when the cut fell inside a line and a later line exists.
  if (out.size() < t.size()) {
    size_t nl = out.find('\n');
    if (nl != std::string::npos && nl + 1 < out.size()) out.erase(0, nl + 1);
  }
  return out;
}

}  // namespace triggerd
