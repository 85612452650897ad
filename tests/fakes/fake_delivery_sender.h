// DeliverySender: how the fake providers send webhook deliveries to the hook URLs they hold, as
// GitHub and GitLab do: from a thread of their own, one at a time, with a 10 s timeout. The
// fakes' server thread queues sends (a ping after a hook is created, a redelivery) and goes on
// answering; tests wait for the queue to drain.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "http/client.h"

namespace triggerd::testing {

struct OutgoingDelivery {
  std::string url;
  HttpHeaders headers;
  std::string body;
};

struct DeliveryOutcome {
  long status = 0;    // 0: no answer (refused, timed out)
  std::string error;  // the transport's reason when status is 0
  std::string body;
  double seconds = 0;
};

class DeliverySender {
 public:
  DeliverySender();
  ~DeliverySender();  // sends what is queued, then stops
  DeliverySender(const DeliverySender&) = delete;
  DeliverySender& operator=(const DeliverySender&) = delete;

  // Queues a delivery; `done` runs on the sender's thread once it was answered or failed.
  void enqueue(OutgoingDelivery delivery, std::function<void(const DeliveryOutcome&)> done);
  // Waits until everything queued so far has been sent.
  bool waitIdle(std::chrono::milliseconds timeout = std::chrono::milliseconds(20000));
  // Sends on the calling thread.
  static DeliveryOutcome sendNow(const OutgoingDelivery& delivery);

 private:
  struct Item {
    OutgoingDelivery delivery;
    std::function<void(const DeliveryOutcome&)> done;
  };
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace triggerd::testing
