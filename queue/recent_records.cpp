#include "queue/recent_records.h"

#include <utility>

namespace triggerd {

void RecentRecords::remember(JobRecord record) {
  if (capacity_ == 0) return;
  std::string id = record.id;
  records_.insert_or_assign(id, std::move(record));
  order_.push_back(std::move(id));
  // Bounding the order bounds the records: each kept record has its id in the order.
  while (order_.size() > capacity_) {
    records_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<JobRecord> RecentRecords::take(const std::string& id, std::string_view stream_id) {
  auto it = records_.find(id);
  if (it == records_.end()) return std::nullopt;
  std::optional<JobRecord> out;
  if (it->second.stream_id == stream_id) out = std::move(it->second);
  records_.erase(it);
  return out;
}

}  // namespace triggerd
