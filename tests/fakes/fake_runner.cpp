#include "tests/fakes/fake_runner.h"

#include <hiredis/hiredis.h>

#include <ctime>
#include <stdexcept>

#include "common/clock.h"
#include "common/json.h"
#include "queue/runner_scripts.h"
#include "redis/hiredis_client.h"

namespace triggerd::testing {

FakeRunner::FakeRunner(RedisServer& redis, std::string name, std::string prefix)
    : ctx_(redisConnect("127.0.0.1", redis.port())),
      name_(std::move(name)),
      prefix_(std::move(prefix)) {
  if (!ctx_ || ctx_->err) throw std::runtime_error("fake runner cannot connect to test redis");
}

FakeRunner::~FakeRunner() {
  if (ctx_) redisFree(ctx_);
}

RedisValue FakeRunner::cmd(const std::vector<std::string>& argv) {
  return blockingCommand(ctx_, argv);
}

std::optional<FakeRunner::Claimed> FakeRunner::claim() {
  RedisValue v = cmd(
      {"XREADGROUP", "GROUP", "runners", name_, "COUNT", "1", "STREAMS", prefix_ + "jobs", ">"});
  if (v.isNil() || v.elements.empty() || v.elements[0].elements.size() < 2) return std::nullopt;
  const RedisValue& entries = v.elements[0].elements[1];
  if (entries.elements.empty()) return std::nullopt;
  const RedisValue& entry = entries.elements[0];
  Claimed c;
  c.entry_id = entry.elements[0].str;
  const auto& fields = entry.elements[1].elements;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (fields[i].str == "job") c.job_json = fields[i + 1].str;
    if (fields[i].str == "id") c.job_id = fields[i + 1].str;
  }
  auto doc = json::parse(c.job_json);
  if (doc.ok()) c.attempt = static_cast<int>(json::getInt(*doc, "attempt").value_or(0));
  return c;
}

std::string FakeRunner::start(const Claimed& job) {
  RedisValue v = cmd({"EVAL", kRunnerStartScript, "1", prefix_ + "job:" + job.job_id, name_,
                      std::to_string(job.attempt)});
  return v.str;
}

void FakeRunner::keepAlive(const Claimed& job) {
  cmd({"XCLAIM", prefix_ + "jobs", "runners", name_, "0", job.entry_id, "JUSTID"});
}

void FakeRunner::log(const Claimed& job, const std::string& chunk) {
  cmd({"XADD", prefix_ + "job:" + job.job_id + ":log", "MAXLEN", "~", "1000", "*", "chunk", chunk});
}

void FakeRunner::report(const Claimed& job, const std::string& state, const std::string& message) {
  std::string at = formatRfc3339(std::chrono::system_clock::now());
  cmd({"XADD", prefix_ + "status", "*", "job", job.job_id, "state", state, "runner", name_,
       "attempt", std::to_string(job.attempt), "message", message, "at", at});
}

void FakeRunner::ack(const Claimed& job) {
  cmd({"XACK", prefix_ + "jobs", "runners", job.entry_id});
  cmd({"XDEL", prefix_ + "jobs", job.entry_id});
}

std::optional<std::string> FakeRunner::runOne(const std::string& final_state,
                                              const std::string& message) {
  auto job = claim();
  if (!job) return std::nullopt;
  std::string started = start(*job);
  if (started == "running") {
    report(*job, "running");
    log(*job, "building " + job->job_id + "\n");
    report(*job, final_state, message);
  } else if (started == "superseded" || started == "canceled") {
    report(*job, "canceled", "superseded");
  }
  ack(*job);
  return job->job_id;
}

}  // namespace triggerd::testing
