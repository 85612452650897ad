#include "tests/faults/delivery_load.h"

#include <rapidjson/document.h>

#include <cstdio>

#include "tests/integration/triggerd_fixture.h"
#include "tests/support/http_call.h"
#include "webhook/signature.h"

namespace triggerd::testing {
namespace {

using Clock = std::chrono::steady_clock;

// The job ids and the spooled flag of a 2xx answer; never fails the test from a load thread.
void readAnswer(const std::string& body, DeliveryRecord& record) {
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject()) return;
  if (d.HasMember("jobs") && d["jobs"].IsArray())
    for (const auto& id : d["jobs"].GetArray())
      if (id.IsString()) record.job_ids.emplace_back(id.GetString());
  record.spooled = d.HasMember("spooled") && d["spooled"].IsBool() && d["spooled"].GetBool();
}

}  // namespace

DeliveryLoad::DeliveryLoad(DeliveryLoadOptions options)
    : options_(std::move(options)), next_(options_.first_variant) {}

DeliveryLoad::~DeliveryLoad() {
  stop();
}

void DeliveryLoad::start() {
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { run(); });
}

void DeliveryLoad::stop() {
  if (threads_.empty()) return;
  give_up_at_ = Clock::now() + options_.retry_for;
  stopping_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

bool DeliveryLoad::awaitAnswered(int n, std::chrono::milliseconds timeout) {
  int target = answered_ + n;
  auto until = Clock::now() + timeout;
  while (answered_ < target) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void DeliveryLoad::run() {
  while (!stopping_) {
    int variant = next_++;
    if (variant >= options_.first_variant + options_.max_deliveries) return;
    deliver(variant);
    std::this_thread::sleep_for(options_.pause);
  }
}

void DeliveryLoad::deliver(int variant) {
  DeliveryRecord record;
  record.delivery_id = options_.id_prefix + "-" + std::to_string(variant);
  // A distinct push per delivery: the same push under another id would be a replay.
  std::string body = githubPush("github/push.json", variant);
  Headers headers{{"Content-Type", "application/json"},
                  {"X-GitHub-Event", "push"},
                  {"X-GitHub-Delivery", record.delivery_id},
                  {"User-Agent", "GitHub-Hookshot/044aadd"},
                  {"X-Hub-Signature-256", githubSignature(options_.secret, body)}};
  while (true) {
    auto r = httpCall("POST", options_.url(variant), headers, body,
                      {"", options_.request_timeout_ms, ""});
    record.statuses.push_back(r.status);
    if (r.status / 100 == 2) {
      readAnswer(r.body, record);
      ++answered_;
      if (record.spooled) ++spooled_;
      break;
    }
    if (r.status == 0) {
      ++transport_errors_;
      record.transport_errors.push_back(r.error);
    } else if (r.status >= 500) {
      ++server_errors_;
    } else {
      ++other_failures_;  // a 4xx will not change on a retry
      break;
    }
    if (stopping_ && Clock::now() > give_up_at_) break;
    ++retried_;
    std::this_thread::sleep_for(options_.retry_pause);
  }
  std::lock_guard lock(mu_);
  records_.emplace(variant, std::move(record));
}

std::vector<DeliveryRecord> DeliveryLoad::records() const {
  std::lock_guard lock(mu_);
  std::vector<DeliveryRecord> out;
  for (const auto& [variant, r] : records_) out.push_back(r);
  return out;
}

std::string DeliveryLoad::summary() const {
  char line[256];
  std::snprintf(line, sizeof line,
                "deliveries=%zu answered=%d spooled=%d retries=%d 5xx=%d transport_errors=%d "
                "4xx=%d",
                records().size(), answered_.load(), spooled_.load(), retried_.load(),
                server_errors_.load(), transport_errors_.load(), other_failures_.load());
  return line;
}

}  // namespace triggerd::testing
