#include "http/request_storage.h"

namespace triggerd {

std::unique_ptr<RequestStorage> RequestStoragePool::acquire() {
  if (free_.empty()) {
    auto storage = std::make_unique<RequestStorage>();
    storage->bytes.reserve(kInitialBytes);
    return storage;
  }
  auto storage = std::move(free_.back());
  free_.pop_back();
  return storage;
}

void RequestStoragePool::release(std::unique_ptr<RequestStorage> storage) {
  if (!storage || free_.size() >= kMaxPooled || storage->bytes.capacity() > kMaxPooledBytes)
    return;  // freed
  storage->bytes.clear();
  storage->headers.clear();
  free_.push_back(std::move(storage));
}

}  // namespace triggerd
