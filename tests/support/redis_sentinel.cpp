#include "tests/support/redis_sentinel.h"

#include <hiredis/hiredis.h>

#include <stdexcept>

#include "redis/hiredis_client.h"

namespace triggerd::testing {
namespace {

// One blocking command on a fresh connection (sentinels come and go in tests).
RedisValue blockingCmd(int port, const std::vector<std::string>& argv) {
  timeval tv{2, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (c == nullptr || c->err) {
    if (c) redisFree(c);
    RedisValue v;
    v.type = RedisValue::Type::kError;
    v.str = "cannot connect to 127.0.0.1:" + std::to_string(port);
    return v;
  }
  redisSetTimeout(c, tv);
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data()));
  RedisValue v;
  if (r) {
    v = copyRedisReply(r);
    freeReplyObject(r);
  } else {
    v.type = RedisValue::Type::kError;
    v.str = "no reply";
  }
  redisFree(c);
  return v;
}

// A flat [name, value, name, value...] reply as a lookup.
std::string field(const RedisValue& flat, const std::string& name) {
  for (size_t i = 0; i + 1 < flat.elements.size(); i += 2)
    if (flat.elements[i].str == name) return flat.elements[i + 1].str;
  return {};
}

}  // namespace

RedisSentinelSet::RedisSentinelSet(int replicas, int sentinels) {
  // SIGTERM stops a server at once, without waiting for its replicas to catch up; a replica
  // syncs without the default 5 s wait for others.
  RedisServer::Options first;
  first.extra_args = {"--shutdown-on-sigterm", "now", "--repl-diskless-sync-delay", "0"};
  servers_.push_back(std::make_unique<RedisServer>(first));
  const std::string primary_port = std::to_string(servers_[0]->port());
  for (int i = 0; i < replicas; ++i) {
    RedisServer::Options o;
    o.extra_args = {"--shutdown-on-sigterm",
                    "now",
                    "--repl-diskless-sync-delay",
                    "0",
                    "--replicaof",
                    "127.0.0.1",
                    primary_port};
    servers_.push_back(std::make_unique<RedisServer>(o));
  }
  for (int i = 0; i < sentinels; ++i) {
    auto s = std::make_unique<Sentinel>();
    s->port = freePort();
    std::string conf = "port " + std::to_string(s->port) +
                       "\nbind 127.0.0.1\n"
                       "dir " +
                       s->dir.path() + "\nsentinel monitor " + kMasterName + " 127.0.0.1 " +
                       primary_port + " 2\nsentinel down-after-milliseconds " + kMasterName +
                       " 1000\nsentinel failover-timeout " + kMasterName +
                       " 6000\nsentinel parallel-syncs " + kMasterName + " 1\n";
    s->dir.write("sentinel.conf", conf, 0644);
    s->proc = std::make_unique<Subprocess>(
        std::vector<std::string>{"redis-server", s->dir.file("sentinel.conf"), "--sentinel"},
        s->dir.file("sentinel.log"));
    int port = s->port;
    if (!waitUntil([port] { return portOpen(port); }))
      throw std::runtime_error("redis-sentinel did not start: " + s->proc->log());
    sentinels_.push_back(std::move(s));
  }
  if (!waitUntil([this] { return ready(); }, std::chrono::seconds(30)))
    throw std::runtime_error("the sentinels did not learn the setup in time");
}

RedisSentinelSet::~RedisSentinelSet() = default;

std::vector<std::string> RedisSentinelSet::sentinelAddresses() const {
  std::vector<std::string> out;
  for (const auto& s : sentinels_) out.push_back("127.0.0.1:" + std::to_string(s->port));
  return out;
}

RedisValue RedisSentinelSet::sentinelCmd(size_t i, const std::vector<std::string>& argv) {
  return blockingCmd(sentinels_[i]->port, argv);
}

std::string RedisSentinelSet::primaryAddress() {
  RedisValue v = sentinelCmd(0, {"SENTINEL", "get-master-addr-by-name", kMasterName});
  if (v.elements.size() != 2) return {};
  return v.elements[0].str + ":" + v.elements[1].str;
}

size_t RedisSentinelSet::primaryIndex() {
  std::string address = primaryAddress();
  for (size_t i = 0; i < servers_.size(); ++i)
    if (servers_[i]->address() == address) return i;
  throw std::runtime_error("the sentinels name an unknown primary: " + address);
}

bool RedisSentinelSet::ready() {
  const size_t replicas = servers_.size() - 1;
  for (size_t i = 0; i < sentinels_.size(); ++i) {
    RedisValue master = sentinelCmd(i, {"SENTINEL", "master", kMasterName});
    if (master.isError()) return false;
    if (field(master, "flags") != "master") return false;
    if (std::stoul("0" + field(master, "num-slaves")) < replicas) return false;
    if (std::stoul("0" + field(master, "num-other-sentinels")) + 1 < sentinels_.size())
      return false;
    RedisValue known = sentinelCmd(i, {"SENTINEL", "replicas", kMasterName});
    for (const auto& r : known.elements) {
      if (field(r, "flags") != "slave" || field(r, "master-link-status") != "ok") return false;
    }
  }
  return true;
}

RedisValue RedisSentinelSet::failover() {
  return sentinelCmd(0, {"SENTINEL", "FAILOVER", kMasterName});
}

bool RedisSentinelSet::waitForNewPrimary(const std::string& old_address,
                                         std::chrono::milliseconds timeout) {
  return waitUntil(
      [&] {
        std::string now = primaryAddress();
        if (now.empty() || now == old_address) return false;
        int port = std::stoi(now.substr(now.rfind(':') + 1));
        RedisValue role = blockingCmd(port, {"ROLE"});
        return !role.elements.empty() && role.elements[0].str == "master";
      },
      timeout);
}

}  // namespace triggerd::testing
