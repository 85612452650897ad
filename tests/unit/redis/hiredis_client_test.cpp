#include "redis/hiredis_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/loop_runner.h"
#include "tests/support/redis_client_checks.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"

namespace triggerd {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using testing::RedisServer;
using testing::runFor;
using testing::runUntil;

using testing::RedisCapture;

HiredisClient::Options optionsFor(const std::string& address) {
  HiredisClient::Options o;
  o.address = address;
  o.connect_timeout = 1000ms;
  o.command_timeout = 1000ms;
  o.reconnect_min = 20ms;
  o.reconnect_max = 200ms;
  return o;
}

class HiredisClientTest : public ::testing::Test {
 protected:
  bool waitConnected(HiredisClient& c, std::chrono::milliseconds timeout = 5000ms) {
    return runUntil(
        loop_, [&] { return c.connected(); }, timeout);
  }
  // Sends one command and runs the loop until its callback ran.
  RedisCapture call(HiredisClient& c, std::vector<std::string> argv) {
    RedisCapture cap;
    c.command(std::move(argv), cap.cb());
    EXPECT_TRUE(runUntil(loop_, [&] { return cap.done(); }));
    return cap;
  }

  EventLoop loop_;
};

TEST_F(HiredisClientTest, ConnectsAndCopiesEveryReplyType) {
  RedisServer server;
  HiredisClient client(loop_, optionsFor(server.address()));
  int ups = 0;
  client.setStateCallbacks([&] { ++ups; }, nullptr);
  EXPECT_FALSE(client.connected());
  client.start();
  ASSERT_TRUE(waitConnected(client));
  ASSERT_TRUE(runUntil(loop_, [&] { return ups == 1; }));
  EXPECT_EQ(client.lastError(), "");

  const std::string binary = "a\0b\r\n\xff"s;
  auto set = call(client, {"SET", "k", binary});
  ASSERT_TRUE(set.result->ok());
  EXPECT_EQ(set.value().type, RedisValue::Type::kStatus);
  EXPECT_EQ(set.value().str, "OK");

  auto get = call(client, {"GET", "k"});
  ASSERT_TRUE(get.result->ok());
  EXPECT_EQ(get.value().type, RedisValue::Type::kString);
  EXPECT_EQ(get.value().str, binary);

  auto missing = call(client, {"GET", "nope"});
  ASSERT_TRUE(missing.result->ok());
  EXPECT_TRUE(missing.value().isNil());

  auto incr = call(client, {"INCRBY", "n", "41"});
  ASSERT_TRUE(incr.result->ok());
  EXPECT_EQ(incr.value().type, RedisValue::Type::kInteger);
  EXPECT_EQ(incr.value().integer, 41);

  call(client, {"RPUSH", "l", "x", "y"});
  auto range = call(client, {"LRANGE", "l", "0", "-1"});
  ASSERT_TRUE(range.result->ok());
  ASSERT_EQ(range.value().type, RedisValue::Type::kArray);
  ASSERT_EQ(range.value().elements.size(), 2u);
  EXPECT_EQ(range.value().elements[1].str, "y");

  auto bad = call(client, {"NOSUCHCOMMAND"});
  ASSERT_TRUE(bad.result->ok());  // a Redis error is a reply, not a failure
  EXPECT_TRUE(bad.value().isError());
  EXPECT_EQ(client.stats().error_replies, 1u);
  EXPECT_EQ(client.stats().connects, 1u);
  EXPECT_EQ(client.inFlight(), 0u);
}

TEST_F(HiredisClientTest, CommandsSentWhileConnectingGoOutAfterAuth) {
  RedisServer server(RedisServer::Options{true, "right-pass"});
  auto opts = optionsFor(server.address());
  opts.password = "right-pass";
  HiredisClient client(loop_, opts);
  client.start();
  RedisCapture cap;
  client.command({"SET", "early", "1"}, cap.cb());  // queued behind AUTH
  ASSERT_TRUE(runUntil(loop_, [&] { return cap.done(); }));
  ASSERT_TRUE(cap.result->ok()) << cap.error().message;
  EXPECT_EQ(cap.value().str, "OK");
  EXPECT_TRUE(client.connected());
  EXPECT_EQ(server.cmd({"GET", "early"}).str, "1");
}

TEST_F(HiredisClientTest, WrongPasswordFailsConnectWithoutLoggingIt) {
  RedisServer server(RedisServer::Options{true, "right-pass"});
  auto opts = optionsFor(server.address());
  opts.password = "Wr0ng-pa55-xyz";
  HiredisClient client(loop_, opts);
  ::testing::internal::CaptureStderr();
  client.start();
  RedisCapture early;
  client.command({"SET", "early", "1"}, early.cb());
  ASSERT_TRUE(runUntil(loop_, [&] { return early.done() && client.stats().auth_failures >= 2; }));
  std::string log = ::testing::internal::GetCapturedStderr();

  ASSERT_FALSE(early.result->ok());
  EXPECT_EQ(early.error().status, 503);
  EXPECT_NE(early.error().message.find("authentication failed"), std::string::npos)
      << early.error().message;
  EXPECT_FALSE(client.connected());
  EXPECT_NE(client.lastError().find("WRONGPASS"), std::string::npos) << client.lastError();
  EXPECT_NE(log.find("reason=auth_failed"), std::string::npos) << log;
  EXPECT_EQ(log.find("Wr0ng-pa55-xyz"), std::string::npos) << log;
  EXPECT_EQ(server.cmd({"EXISTS", "early"}).integer, 0);
}

TEST_F(HiredisClientTest, MissingPasswordIsReportedAsAuthenticationRequired) {
  RedisServer server(RedisServer::Options{true, "right-pass"});
  HiredisClient client(loop_, optionsFor(server.address()));
  client.start();
  ASSERT_TRUE(runUntil(loop_, [&] { return client.stats().auth_failures >= 1; }));
  EXPECT_FALSE(client.connected());
  EXPECT_NE(client.lastError().find("NOAUTH"), std::string::npos) << client.lastError();
}

TEST_F(HiredisClientTest, ConnectsOverUnixSocket) {
  testing::TempDir dir;
  const std::string sock = dir.file("redis.sock");
  testing::Subprocess redis(
      {"redis-server", "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700", "--dir",
       dir.path(), "--save", "", "--appendonly", "no"},
      dir.file("redis.log"));
  ASSERT_TRUE(testing::waitUntil([&] { return std::filesystem::exists(sock); })) << redis.log();
  HiredisClient client(loop_, optionsFor("unix:" + sock));
  client.start();
  ASSERT_TRUE(waitConnected(client)) << client.lastError();
  auto pong = call(client, {"PING"});
  ASSERT_TRUE(pong.result->ok());
  EXPECT_EQ(pong.value().str, "PONG");
}

TEST_F(HiredisClientTest, CommandTimeoutFailsEveryInFlightCommandAndRecovers) {
  RedisServer server;
  auto opts = optionsFor(server.address());
  opts.command_timeout = 200ms;
  HiredisClient client(loop_, opts);
  std::vector<std::string> downs;
  client.setStateCallbacks(nullptr, [&](const std::string& why) { downs.push_back(why); });
  client.start();
  ASSERT_TRUE(waitConnected(client));

  // BLPOP holds the connection like a slow command; the PING is stuck behind it.
  RedisCapture slow, behind;
  auto started = std::chrono::steady_clock::now();
  client.command({"BLPOP", "never", "3"}, slow.cb());
  client.command({"PING"}, behind.cb());
  ASSERT_TRUE(runUntil(
      loop_, [&] { return slow.done() && behind.done(); }, 2000ms));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, 1500ms);  // far below the 3 s BLPOP
  EXPECT_GE(took, 190ms);
  ASSERT_FALSE(slow.result->ok());
  EXPECT_EQ(slow.error().status, 503);
  EXPECT_EQ(slow.error().message, "redis command timed out");
  ASSERT_FALSE(behind.result->ok());
  EXPECT_EQ(behind.error().message, "redis command timed out");
  EXPECT_EQ(client.stats().command_timeouts, 1u);
  EXPECT_EQ(client.stats().failed_in_flight, 2u);

  ASSERT_TRUE(runUntil(loop_, [&] { return !downs.empty(); }));
  EXPECT_NE(downs[0].find("timed out"), std::string::npos) << downs[0];
  ASSERT_TRUE(waitConnected(client));
  auto pong = call(client, {"PING"});
  ASSERT_TRUE(pong.result->ok());
  EXPECT_EQ(pong.value().str, "PONG");
  EXPECT_EQ(client.stats().connects, 2u);
}

TEST_F(HiredisClientTest, ServerDownFailsFastOnALaterTurn) {
  RedisServer server;
  server.stop();
  HiredisClient client(loop_, optionsFor(server.address()));
  client.start();
  ASSERT_TRUE(runUntil(loop_, [&] { return client.stats().connect_failures >= 1; }));
  EXPECT_FALSE(client.connected());

  RedisCapture cap;
  auto started = std::chrono::steady_clock::now();
  client.command({"PING"}, cap.cb());
  EXPECT_EQ(cap.calls, 0);  // never inline
  ASSERT_TRUE(runUntil(
      loop_, [&] { return cap.done(); }, 1000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);  // no timeout was waited for
  ASSERT_FALSE(cap.result->ok());
  EXPECT_EQ(cap.error().status, 503);
  EXPECT_EQ(cap.error().field, "");
  EXPECT_EQ(cap.error().message.rfind("redis unavailable: ", 0), 0u) << cap.error().message;
  EXPECT_NE(cap.error().message.find("connect"), std::string::npos) << cap.error().message;
  EXPECT_EQ(cap.calls, 1);
  EXPECT_GE(client.stats().failed_unavailable, 1u);
}

TEST_F(HiredisClientTest, ReconnectsAfterServerRestart) {
  RedisServer server;
  HiredisClient client(loop_, optionsFor(server.address()));
  int ups = 0;
  std::vector<std::string> downs;
  client.setStateCallbacks([&] { ++ups; }, [&](const std::string& why) { downs.push_back(why); });
  client.start();
  ASSERT_TRUE(waitConnected(client));

  server.stop();
  ASSERT_TRUE(runUntil(loop_, [&] { return !downs.empty(); }));
  EXPECT_FALSE(client.connected());
  EXPECT_NE(downs[0].find("connection lost"), std::string::npos) << downs[0];
  auto down = call(client, {"PING"});
  ASSERT_FALSE(down.result->ok());
  EXPECT_EQ(down.error().status, 503);

  server.start();
  ASSERT_TRUE(waitConnected(client)) << client.lastError();
  auto pong = call(client, {"PING"});
  ASSERT_TRUE(pong.result->ok());
  EXPECT_EQ(pong.value().str, "PONG");
  ASSERT_TRUE(runUntil(loop_, [&] { return ups == 2; }));
  EXPECT_EQ(client.stats().disconnects, 1u);
  EXPECT_EQ(downs.size(), 1u);
}

TEST_F(HiredisClientTest, CancelPreventsTheCallback) {
  RedisServer server;
  HiredisClient client(loop_, optionsFor(server.address()));
  client.start();
  ASSERT_TRUE(waitConnected(client));

  RedisCapture cancelled, after;
  RedisRequestId id = client.command({"SET", "c", "1"}, cancelled.cb());
  client.cancel(id);
  client.command({"PING"}, after.cb());
  ASSERT_TRUE(runUntil(loop_, [&] { return after.done(); }));
  runFor(loop_, 50ms);
  EXPECT_EQ(cancelled.calls, 0);
  EXPECT_EQ(server.cmd({"GET", "c"}).str, "1");  // it ran; only its answer was dropped
  client.cancel(id);                             // finished ids are ignored
  client.cancel(987654);                         // unknown ids too

  // A fail-fast answer is posted, and cancel() still wins over it.
  server.stop();
  ASSERT_TRUE(runUntil(loop_, [&] { return !client.connected(); }));
  RedisCapture failing;
  client.cancel(client.command({"PING"}, failing.cb()));
  runFor(loop_, 50ms);
  EXPECT_EQ(failing.calls, 0);
}

TEST_F(HiredisClientTest, DestructionWithCommandsInFlightRunsNoCallback) {
  RedisServer server;
  auto client = std::make_unique<HiredisClient>(loop_, optionsFor(server.address()));
  int states = 0;
  client->setStateCallbacks([&] { ++states; }, [&](const std::string&) { ++states; });
  client->start();
  ASSERT_TRUE(waitConnected(*client));
  runFor(loop_, 20ms);  // deliver the connected notification
  states = 0;

  RedisCapture slow;
  std::vector<RedisCapture> pings(10);
  client->command({"BLPOP", "never", "1"}, slow.cb());
  for (auto& p : pings) client->command({"PING"}, p.cb());
  runFor(loop_, 50ms);  // the commands are on the wire, BLPOP is blocking
  EXPECT_EQ(client->inFlight(), 11u);
  client.reset();
  runFor(loop_, 300ms);
  EXPECT_EQ(slow.calls, 0);
  for (auto& p : pings) EXPECT_EQ(p.calls, 0);
  EXPECT_EQ(states, 0);
}

TEST_F(HiredisClientTest, DestructionWithFailuresPostedRunsNoCallback) {
  HiredisClient::Options o = optionsFor("127.0.0.1:1");
  auto client = std::make_unique<HiredisClient>(loop_, o);
  RedisCapture cap;
  client->command({"PING"}, cap.cb());  // not started: failure posted
  client.reset();
  runFor(loop_, 50ms);
  EXPECT_EQ(cap.calls, 0);
}

TEST_F(HiredisClientTest, ClientMayBeDestroyedFromItsOwnReplyCallback) {
  RedisServer server;
  auto client = std::make_unique<HiredisClient>(loop_, optionsFor(server.address()));
  client->start();
  ASSERT_TRUE(waitConnected(*client));
  testing::expectDestroyableFromItsOwnCallback(loop_, std::move(client));
}

TEST_F(HiredisClientTest, ConnectTimeoutCoversAServerThatNeverAnswers) {
  // A listening socket nobody accepts on: the TCP handshake completes (backlog), PING hangs.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);

  auto opts = optionsFor("127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  opts.connect_timeout = 200ms;
  opts.command_timeout = 5000ms;
  HiredisClient client(loop_, opts);
  client.start();
  RedisCapture cap;
  client.command({"PING"}, cap.cb());
  ASSERT_TRUE(runUntil(
      loop_, [&] { return cap.done(); }, 2000ms));
  ASSERT_FALSE(cap.result->ok());
  EXPECT_EQ(cap.error().message, "redis unavailable: connect timed out");
  EXPECT_GE(client.stats().connect_failures, 1u);
  EXPECT_FALSE(client.connected());
  ::close(fd);
}

TEST_F(HiredisClientTest, RefusesHostNamesAndBadAddresses) {
  for (const char* address :
       {"redis.example.com:6379", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", "unix:relative",
        "[::1]6379", "localhost:6379", ""}) {
    HiredisClient client(loop_, optionsFor(address));
    client.start();
    RedisCapture cap;
    client.command({"PING"}, cap.cb());
    ASSERT_TRUE(runUntil(
        loop_, [&] { return cap.done(); }, 500ms))
        << address;
    ASSERT_FALSE(cap.result->ok());
    EXPECT_EQ(cap.error().status, 503);
    EXPECT_NE(cap.error().message.find("invalid redis address"), std::string::npos)
        << cap.error().message;
  }
}

TEST_F(HiredisClientTest, AcceptsIpv6Literals) {
  // Nothing listens on port 1: the point is that the address parses and a connect is tried.
  HiredisClient client(loop_, optionsFor("[::1]:1"));
  client.start();
  ASSERT_TRUE(runUntil(loop_, [&] { return client.stats().connect_failures >= 1; }));
  EXPECT_EQ(client.lastError().find("invalid redis address"), std::string::npos)
      << client.lastError();
}

TEST_F(HiredisClientTest, NotStartedFailsFast) {
  HiredisClient client(loop_, optionsFor("127.0.0.1:1"));
  RedisCapture cap;
  client.command({"PING"}, cap.cb());
  EXPECT_EQ(cap.calls, 0);
  ASSERT_TRUE(runUntil(
      loop_, [&] { return cap.done(); }, 500ms));
  EXPECT_EQ(cap.error().message, "redis unavailable: not started");
}

}  // namespace
}  // namespace triggerd

namespace triggerd {
namespace {

// Servers that may have replicas: SIGTERM stops them now instead of waiting for the replicas.
RedisServer::Options quickStop(std::vector<std::string> args = {}) {
  RedisServer::Options o;
  o.extra_args = {"--shutdown-on-sigterm", "now", "--repl-diskless-sync-delay", "0"};
  o.extra_args.insert(o.extra_args.end(), args.begin(), args.end());
  return o;
}

class HiredisPrimaryTest : public HiredisClientTest {};

TEST_F(HiredisPrimaryTest, RequirePrimaryRefusesAReplica) {
  RedisServer primary(quickStop());
  RedisServer replica(quickStop({"--replicaof", "127.0.0.1", std::to_string(primary.port())}));
  auto o = optionsFor(replica.address());
  o.require_primary = true;
  HiredisClient client(loop_, o);
  client.start();
  ASSERT_TRUE(runUntil(loop_, [&] { return client.stats().not_primary > 0; }));
  EXPECT_FALSE(client.connected());
  EXPECT_NE(client.lastError().find("not the primary: ROLE answered slave"), std::string::npos)
      << client.lastError();
  // Promoted, it is accepted on the next attempt.
  replica.cmd({"REPLICAOF", "NO", "ONE"});
  ASSERT_TRUE(waitConnected(client));
}

TEST_F(HiredisPrimaryTest, ResolvesBeforeEveryConnectionAndLeavesADemotedPrimary) {
  RedisServer a(quickStop()), b(quickStop());
  std::string target = a.address();
  int asked = 0;
  auto o = optionsFor("");
  o.require_primary = true;
  o.resolve = [&](std::function<void(Result<std::string>)> done) {
    ++asked;
    loop_.post([&target, done] { done(target); });
  };
  HiredisClient client(loop_, o);
  client.start();
  ASSERT_TRUE(waitConnected(client));
  EXPECT_EQ(client.address(), a.address());
  EXPECT_EQ(asked, 1);
  // a becomes a replica of b under the connection: the next write answers READONLY, the client
  // drops the connection and asks again.
  target = b.address();
  a.cmd({"REPLICAOF", "127.0.0.1", std::to_string(b.port())});
  auto w = call(client, {"SET", "k", "v"});
  ASSERT_TRUE(w.result->ok());
  EXPECT_EQ(w.value().str.rfind("READONLY", 0), 0u) << w.value().str;
  ASSERT_TRUE(
      runUntil(loop_, [&] { return client.connected() && client.address() == b.address(); }));
  EXPECT_GE(asked, 2);
  EXPECT_EQ(client.stats().primary_changes, 1u);
  EXPECT_GE(client.stats().not_primary, 1u);
  EXPECT_EQ(call(client, {"SET", "k", "v"}).value().str, "OK");
}

TEST_F(HiredisPrimaryTest, FailedResolveBacksOffAndFailsCommandsFast) {
  auto o = optionsFor("");
  o.resolve = [this](std::function<void(Result<std::string>)> done) {
    loop_.post([done] { done(Error::unavailable("no sentinel answered")); });
  };
  HiredisClient client(loop_, o);
  client.start();
  ASSERT_TRUE(runUntil(loop_, [&] { return client.stats().discovery_failures >= 2; }));
  EXPECT_EQ(client.lastError(), "no sentinel answered");
  auto r = call(client, {"PING"});
  EXPECT_EQ(r.error().kind(), Error::Kind::kUnavailable);
}

TEST_F(HiredisPrimaryTest, WaitForReplicas) {
  RedisServer primary(quickStop());
  auto replica = std::make_unique<RedisServer>(
      quickStop({"--replicaof", "127.0.0.1", std::to_string(primary.port())}));
  ASSERT_TRUE(testing::waitUntil([&] {
    return primary.cmd({"INFO", "replication"}).str.find("state=online") != std::string::npos;
  }));
  HiredisClient client(loop_, optionsFor(primary.address()));
  client.start();
  ASSERT_TRUE(waitConnected(client));
  RedisCapture ok;
  client.commandReplicated({"SET", "w", "1"}, 1, 5s, ok.cb());
  ASSERT_TRUE(runUntil(loop_, [&] { return ok.done(); }));
  ASSERT_TRUE(ok.result->ok()) << ok.error().message;
  EXPECT_EQ(ok.value().str, "OK");
  EXPECT_EQ(replica->cmd({"GET", "w"}).str, "1");

  // An error reply is the write's own answer, whatever WAIT says.
  RedisCapture wrongtype;
  client.commandReplicated({"LPUSH", "w", "x"}, 1, 5s, wrongtype.cb());
  ASSERT_TRUE(runUntil(loop_, [&] { return wrongtype.done(); }));
  EXPECT_TRUE(wrongtype.value().isError());

  replica.reset();  // no replica left: WAIT runs out and the write is not confirmed
  RedisCapture alone;
  client.commandReplicated({"SET", "w", "2"}, 1, 100ms, alone.cb());
  ASSERT_TRUE(runUntil(loop_, [&] { return alone.done(); }));
  EXPECT_EQ(alone.error().kind(), Error::Kind::kUnavailable);
  EXPECT_NE(alone.error().message.find("replication not confirmed"), std::string::npos);
  EXPECT_EQ(client.stats().replication_short, 1u);
  // Cancelled, it never calls back.
  RedisCapture cancelled;
  client.cancel(client.commandReplicated({"SET", "w", "3"}, 1, 50ms, cancelled.cb()));
  testing::runFor(loop_, 150ms);
  EXPECT_EQ(cancelled.calls, 0);
}

}  // namespace
}  // namespace triggerd
