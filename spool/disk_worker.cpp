#include "spool/disk_worker.h"

#include <pthread.h>

#include <exception>

#include "common/log.h"

namespace triggerd::spool {

DiskWorker::DiskWorker(std::string name) : thread_([this] { run(); }) {
  // Linux limits thread names to 15 characters.
  pthread_setname_np(thread_.native_handle(), name.substr(0, 15).c_str());
}

DiskWorker::~DiskWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    tasks_.clear();
  }
  wake_.notify_one();
  thread_.join();
}

void DiskWorker::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void DiskWorker::run() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    try {
      task();
    } catch (const std::exception& e) {
      TLOG_ERROR("spool", "disk task threw: %s", e.what());
    } catch (...) {
      TLOG_ERROR("spool", "disk task threw");
    }
  }
}

}  // namespace triggerd::spool
