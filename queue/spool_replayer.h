// SpoolReplayer: hands the spool's records back to the job queue once Redis can take them, in
// order, one enqueue per record, acknowledging each record only after Redis acknowledged its
// jobs. A failed enqueue pauses the replay (the record is handed out again first); the owner
// calls start() again when Redis is back.
#pragma once

#include <cstdint>

#include "common/metrics.h"
#include "queue/job_queue.h"
#include "spool/spool.h"

namespace triggerd {

class SpoolReplayer {
 public:
  SpoolReplayer(Spool& spool, JobQueue& queue, Metrics& metrics);
  // Starts handing records to the queue (again). Idempotent while running.
  void start();
  void stop();
  bool running() const { return running_; }
  uint64_t replayed() const { return replayed_; }

 private:
  void replay(const SpooledRecord& record, SpoolAck ack);

  Spool& spool_;
  JobQueue& queue_;
  Metrics& metrics_;
  bool running_ = false;
  uint64_t replayed_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace triggerd
