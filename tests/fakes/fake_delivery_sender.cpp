#include "tests/fakes/fake_delivery_sender.h"

#include "tests/support/http_call.h"

namespace triggerd::testing {

DeliverySender::DeliverySender() : thread_([this] { run(); }) {}

DeliverySender::~DeliverySender() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void DeliverySender::enqueue(OutgoingDelivery delivery,
                             std::function<void(const DeliveryOutcome&)> done) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Item{std::move(delivery), std::move(done)});
  }
  cv_.notify_all();
}

bool DeliverySender::waitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

DeliveryOutcome DeliverySender::sendNow(const OutgoingDelivery& delivery) {
  auto start = std::chrono::steady_clock::now();
  auto r = httpCall("POST", delivery.url, delivery.headers, delivery.body, {"", 10000, ""});
  DeliveryOutcome out;
  out.status = r.status;
  out.error = r.error;
  out.body = r.body;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

void DeliverySender::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything was sent
    Item item = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    DeliveryOutcome outcome = sendNow(item.delivery);
    if (item.done) item.done(outcome);
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace triggerd::testing
