// FakeRunner: a build runner that follows docs/runner-protocol.md step by step with plain Redis
// commands, without building anything. Each runner has its own blocking connection to the test's
// redis-server, so runners may run on threads of their own. Tests drive each step (claim, start,
// keep-alive, log, report, acknowledge) or a whole job at once.
#pragma once

#include <optional>
#include <string>

#include "tests/support/redis_server.h"

struct redisContext;

namespace triggerd::testing {

class FakeRunner {
 public:
  struct Claimed {
    std::string entry_id;
    std::string job_id;
    std::string job_json;
    int attempt = 0;
  };

  FakeRunner(RedisServer& redis, std::string name, std::string prefix = "triggerd:");
  ~FakeRunner();
  FakeRunner(const FakeRunner&) = delete;
  FakeRunner& operator=(const FakeRunner&) = delete;

  const std::string& name() const { return name_; }
  // XREADGROUP GROUP runners <name> COUNT 1 (no BLOCK): the next new job, if any.
  std::optional<Claimed> claim();
  // The start script (queue/runner_scripts.h): "running", or why not to build.
  std::string start(const Claimed& job);
  // XCLAIM ... 0 <entry> JUSTID: resets the entry's idle time.
  void keepAlive(const Claimed& job);
  void log(const Claimed& job, const std::string& chunk);
  // XADD <prefix>status * job state runner attempt message at.
  void report(const Claimed& job, const std::string& state, const std::string& message = "");
  // XACK and XDEL of the entry.
  void ack(const Claimed& job);
  // A whole job: claim, start, report running, log a line, report `final_state`, ack. A job the
  // start script refuses as superseded or canceled is reported canceled and acknowledged. The
  // job id, or nullopt when nothing was waiting.
  std::optional<std::string> runOne(const std::string& final_state = "success",
                                    const std::string& message = "");

 private:
  RedisValue cmd(const std::vector<std::string>& argv);

  redisContext* ctx_ = nullptr;
  std::string name_;
  std::string prefix_;
};

}  // namespace triggerd::testing
