// A job's output on its way to the log stream (job:<id>:log): gathered into chunks of at most
// build.log_chunk_bytes, written when a chunk is full or build.log_flush_interval has passed,
// in order. While too many chunks are in flight the owner pauses the process' output (the
// process then blocks on its pipe) instead of buffering without bound. The last bytes are kept
// for the failure message.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "loop/event_loop.h"
#include "runner/runner_queue.h"

namespace triggerd {

class JobLog {
 public:
  static constexpr size_t kMaxInFlight = 4;  // chunks written but not yet acknowledged
  static constexpr size_t kTailBytes = 4096;

  JobLog(EventLoop& loop, RunnerQueue& queue, std::string job_id, size_t chunk_bytes,
         std::chrono::milliseconds flush_interval);
  ~JobLog();  // drops what is unwritten; callbacks of writes in flight are ignored
  JobLog(const JobLog&) = delete;
  JobLog& operator=(const JobLog&) = delete;

  // Output of a process.
  void append(std::string_view bytes);
  // A line of the runner's own ("==> build 1/2: buildah bud ..."), never part of the tail.
  void note(const std::string& line);

  // True while kMaxInFlight chunks are unacknowledged; `on_room` runs once room is back.
  bool congested() const { return in_flight_ >= kMaxInFlight; }
  void setOnRoom(std::function<void()> on_room) { on_room_ = std::move(on_room); }
  // Writes what is buffered; `done` runs once every chunk is acknowledged (or failed).
  void flush(std::function<void()> done);

  // The last lines of output, at most `max` bytes, for a failure report.
  std::string tail(size_t max) const;
  uint64_t lostChunks() const { return lost_chunks_; }

 private:
  void write(std::string chunk);
  void written();
  void maybeFlushed();

  EventLoop& loop_;
  RunnerQueue& queue_;
  std::string job_id_;
  size_t chunk_bytes_;
  std::chrono::milliseconds flush_interval_;
  std::string buffer_;
  std::string tail_;
  size_t in_flight_ = 0;
  uint64_t lost_chunks_ = 0;
  std::function<void()> on_room_;
  std::function<void()> on_flushed_;
  std::unique_ptr<Timer> flush_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace triggerd
