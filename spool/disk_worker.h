// A thread that runs blocking disk tasks one after another, in the order posted, so the event
// loop never waits for a write, an fdatasync or a read.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace triggerd::spool {

class DiskWorker {
 public:
  explicit DiskWorker(std::string name);  // the thread's name, as shown by top -H
  // Finishes the task that is running, drops the ones still queued and joins the thread.
  ~DiskWorker();
  DiskWorker(const DiskWorker&) = delete;
  DiskWorker& operator=(const DiskWorker&) = delete;

  void post(std::function<void()> task);  // from any thread

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace triggerd::spool
