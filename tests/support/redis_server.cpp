#include "tests/support/redis_server.h"

#include <hiredis/hiredis.h>
#include <signal.h>

#include <stdexcept>

#include "redis/hiredis_client.h"

namespace triggerd::testing {

RedisServer::RedisServer() : RedisServer(Options{}) {}

RedisServer::RedisServer(Options options)
    : options_(std::move(options)), port_(options_.port ? options_.port : freePort()) {
  start();
}

RedisServer::~RedisServer() {
  if (ctx_) redisFree(ctx_);
}

void RedisServer::start() {
  std::vector<std::string> argv = {"redis-server",
                                   "--port",
                                   std::to_string(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--dir",
                                   dir_.path(),
                                   "--save",
                                   "",
                                   "--appendonly",
                                   options_.appendonly ? "yes" : "no",
                                   "--appendfsync",
                                   options_.appendfsync,
                                   "--daemonize",
                                   "no"};
  if (!options_.password.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(options_.password);
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  proc_ = std::make_unique<Subprocess>(argv, dir_.file("redis.log"));
  if (!waitUntil([&] { return portOpen(port_); }))
    throw std::runtime_error("redis-server did not start: " + proc_->log());
}

void RedisServer::stop() {
  if (ctx_) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
  if (proc_) proc_->stop(SIGTERM);
  proc_.reset();
}

RedisValue RedisServer::cmd(const std::vector<std::string>& argv) {
  if (!ctx_) {
    ctx_ = redisConnect("127.0.0.1", port_);
    if (!ctx_ || ctx_->err) throw std::runtime_error("cannot connect to test redis");
    if (!options_.password.empty()) {
      auto* r = static_cast<redisReply*>(redisCommand(ctx_, "AUTH %s", options_.password.c_str()));
      freeReplyObject(r);
    }
  }
  return blockingCommand(ctx_, argv);
}

RedisValue blockingCommand(redisContext* ctx, const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(ctx, static_cast<int>(args.size()), args.data(), lens.data()));
  if (!r) throw std::runtime_error("test redis command failed: " + argv.front());
  RedisValue v = copyRedisReply(r);
  freeReplyObject(r);
  return v;
}

pid_t RedisServer::pid() const {
  return proc_ ? proc_->pid() : -1;
}

}  // namespace triggerd::testing
