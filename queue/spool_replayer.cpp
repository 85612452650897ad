#include "queue/spool_replayer.h"

#include "common/log.h"
#include "queue/spooled_enqueue.h"

namespace triggerd {

SpoolReplayer::SpoolReplayer(Spool& spool, JobQueue& queue, Metrics& metrics)
    : spool_(spool), queue_(queue), metrics_(metrics) {}

void SpoolReplayer::start() {
  if (running_) return;
  running_ = true;
  spool_.startReplay([this](const SpooledRecord& record, SpoolAck ack) { replay(record, ack); });
}

void SpoolReplayer::stop() {
  if (!running_) return;
  running_ = false;
  spool_.stopReplay();
}

void SpoolReplayer::replay(const SpooledRecord& record, SpoolAck ack) {
  auto e = decodeSpooledEnqueue(record.payload);
  if (!e.ok()) {
    // Written by this code and checksummed: only a format change could get here. Keeping it
    // would stall every later record, so it is logged with its sequence and consumed.
    TLOG_ERROR("spool", "sequence=%llu reason=%s unreadable spool record dropped",
               static_cast<unsigned long long>(record.sequence), e.error().message.c_str());
    return ack();
  }
  std::weak_ptr<bool> alive = alive_;
  uint64_t sequence = record.sequence;
  std::string delivery = e->delivery_id, trigger = e->trigger_id;
  queue_.enqueue(
      e->trigger_id, e->delivery_id, e->jobs,
      [this, alive, ack, sequence, delivery, trigger](Result<EnqueueOutcome> r) {
        if (alive.expired()) return;
        if (!r.ok()) {
          // Not acknowledged: the spool hands this record out again first on the next start().
          TLOG_WARN("spool", "sequence=%llu trigger=%s delivery=%s reason=%s replay paused",
                    static_cast<unsigned long long>(sequence), trigger.c_str(),
                    log::logValue(delivery, 80).c_str(), r.error().message.c_str());
          stop();
          return;
        }
        ++replayed_;
        TLOG_INFO("spool", "sequence=%llu trigger=%s delivery=%s jobs=%zu outcome=%s replayed",
                  static_cast<unsigned long long>(sequence), trigger.c_str(),
                  log::logValue(delivery, 80).c_str(), r->job_ids.size(),
                  r->duplicate ? "duplicate"
                  : r->replay  ? "replay"
                               : "enqueued");
        metrics_.inc("triggerd_spool_replayed_enqueues_total",
                     {{"outcome", r->duplicate ? "duplicate"
                                  : r->replay  ? "replay"
                                               : "enqueued"}});
        ack();
      },
      e->push_key);
}

}  // namespace triggerd
