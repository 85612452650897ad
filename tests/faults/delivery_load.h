// Sustained signed load for the fault tests: several client threads send GitHub push deliveries
// to a trigger, each a distinct push (its own head commit) under its own delivery id, and retry
// a delivery that did not get a 2xx with the same delivery id and body, as a provider's
// redelivery does. Bounded: a delivery rate per thread, a cap on deliveries, and a deadline for
// the retries. Loopback only.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace triggerd::testing {

// One delivery as the client saw it, attempt by attempt.
struct DeliveryRecord {
  std::string delivery_id;
  std::vector<long> statuses;  // every attempt's status; 0: the transfer failed
  std::vector<std::string> transport_errors;
  std::vector<std::string> job_ids;  // from the 2xx answer that ended it
  bool spooled = false;              // that answer said "spooled": true
  bool answered() const { return !statuses.empty() && statuses.back() / 100 == 2; }
};

struct DeliveryLoadOptions {
  int threads = 4;
  // Where a delivery goes, asked before every attempt: the URL may change (another replica).
  std::function<std::string(int delivery)> url;
  std::string secret;  // the trigger's webhook secret
  std::string id_prefix = "d";
  int first_variant = 1;  // push variants (head commits) start here
  int max_deliveries = 3000;
  std::chrono::milliseconds pause{10};  // between deliveries of one thread
  std::chrono::milliseconds retry_pause{100};
  // A delivery still without a 2xx this long after stop() is given up (and fails the test).
  std::chrono::seconds retry_for{60};
  long request_timeout_ms = 10000;
};

class DeliveryLoad {
 public:
  explicit DeliveryLoad(DeliveryLoadOptions options);
  ~DeliveryLoad();  // stops and joins
  DeliveryLoad(const DeliveryLoad&) = delete;
  DeliveryLoad& operator=(const DeliveryLoad&) = delete;

  void start();
  // No new deliveries; the ones in progress retry until a 2xx or `retry_for`; joins.
  void stop();
  // Blocks until `n` more deliveries ended with a 2xx than when called (or the timeout).
  bool awaitAnswered(int n, std::chrono::milliseconds timeout = std::chrono::seconds(20));

  std::vector<DeliveryRecord> records() const;
  int answered() const { return answered_; }
  int started() const { return next_.load() - options_.first_variant; }
  int serverErrors() const { return server_errors_; }  // 5xx answers, over all attempts
  int transportErrors() const { return transport_errors_; }
  int otherFailures() const { return other_failures_; }  // 4xx answers: should never happen
  int spooled() const { return spooled_; }               // 2xx answers that said "spooled": true
  // One line of figures for the test's log.
  std::string summary() const;

 private:
  void run();
  void deliver(int variant);

  DeliveryLoadOptions options_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::chrono::steady_clock::time_point give_up_at_{};
  std::atomic<int> next_;
  std::atomic<int> answered_{0};
  std::atomic<int> server_errors_{0};
  std::atomic<int> transport_errors_{0};
  std::atomic<int> other_failures_{0};
  std::atomic<int> spooled_{0};
  std::atomic<int> retried_{0};
  mutable std::mutex mu_;
  std::map<int, DeliveryRecord> records_;
};

}  // namespace triggerd::testing
