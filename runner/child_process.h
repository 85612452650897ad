// Build processes off the loop: posix_spawn into a process group of their own, output through
// a pipe the loop watches, exit seen through SIGCHLD, a deadline that stops the whole group
// (SIGTERM, then SIGKILL after a grace period). Nothing here blocks the loop.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "loop/event_loop.h"
#include "runner/job_plan.h"

namespace triggerd {

// Reaps the children registered with it when SIGCHLD arrives (one per loop: it owns the
// signal). When a group leader exits, what is left of its group is killed before the leader
// is reaped, while its zombie still holds the group id: no process outlives its step, and no
// unrelated process that reused the id can be hit.
class ChildReaper {
 public:
  explicit ChildReaper(EventLoop& loop);
  ~ChildReaper();
  ChildReaper(const ChildReaper&) = delete;
  ChildReaper& operator=(const ChildReaper&) = delete;

  // `on_exit` gets the wait status, once, from a loop callback.
  void watch(pid_t pid, std::function<void(int wait_status)> on_exit);
  void forget(pid_t pid);

 private:
  static void onSignal(evutil_socket_t, short, void* arg) noexcept;
  void reap();

  EventPtr sigchld_;
  std::unordered_map<pid_t, std::function<void(int)>> children_;
};

class ChildProcess : public DeferredDeletable {
 public:
  struct Outcome {
    int exit_code = -1;    // when the process exited
    int signal = 0;        // when a signal ended it
    bool stopped = false;  // the deadline passed or stop() was called, and the group was killed
    bool ok() const { return exit_code == 0 && signal == 0 && !stopped; }
    std::string describe() const;  // "exit code 2", "killed by signal 9", ...
  };
  using OutputFn = std::function<void(std::string_view bytes)>;
  using DoneFn = std::function<void(Outcome)>;

  // `on_output` gets stdout and stderr interleaved as they come; `on_done` runs once, after
  // the exit and the end of the output, from a loop callback (the owner may then hand this
  // object to EventLoop::deferredDelete, not delete it inline).
  ChildProcess(EventLoop& loop, ChildReaper& reaper, OutputFn on_output, DoneFn on_done);
  // Kills the group (SIGKILL) if it still runs; no callback runs afterwards.
  ~ChildProcess() override;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts the process with `deadline` (then SIGTERM to the group, SIGKILL `kill_grace` later).
  // An error (program not found, bad directory, NUL in an argument) means nothing started and
  // no callback will run.
  Status start(const ProcessSpec& spec, std::chrono::milliseconds deadline,
               std::chrono::milliseconds kill_grace);
  // Stops the group now as if the deadline had passed (SIGTERM, then SIGKILL).
  void stop();
  // Backpressure: stop reading the pipe (the process blocks once it is full) and resume.
  void pauseOutput();
  void resumeOutput();

  pid_t pid() const { return pid_; }

 private:
  static void onReadable(evutil_socket_t fd, short, void* arg) noexcept;
  void readOutput();
  void onExit(int wait_status);
  void closePipe();
  void maybeFinish();
  void signalGroup(int sig);

  EventLoop& loop_;
  ChildReaper& reaper_;
  OutputFn on_output_;
  DoneFn on_done_;
  pid_t pid_ = -1;
  int pipe_fd_ = -1;
  EventPtr read_event_;
  bool paused_ = false;
  bool exited_ = false;
  bool done_ = false;
  Outcome outcome_;
  std::chrono::milliseconds kill_grace_{0};
  std::unique_ptr<Timer> deadline_timer_;
  std::unique_ptr<Timer> kill_timer_;
  std::unique_ptr<Timer> drain_timer_;  // output still open after the exit: give up on it
};

}  // namespace triggerd
