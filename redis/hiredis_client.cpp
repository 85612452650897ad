#include "redis/hiredis_client.h"

#include <arpa/inet.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdint>
#include <exception>

#include "common/log.h"
#include "redis/resp.h"

namespace triggerd {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// The hiredis privdata is the request id itself, not a pointer: a late reply for a cancelled or
// forgotten request can then never dereference freed memory; the id is looked up in pending_.
void* idToPrivdata(RedisRequestId id) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(id));
}
RedisRequestId privdataToId(void* p) {
  return static_cast<RedisRequestId>(reinterpret_cast<uintptr_t>(p));
}

std::string contextError(const redisAsyncContext* ac, const char* fallback) {
  if (ac->c.err != 0 && ac->c.errstr[0] != '\0') return ac->c.errstr;
  return fallback;
}

bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "ip:port", "[ipv6]:port" or "unix:/path". Host names are refused: hiredis 0.14 resolves them
// with a blocking getaddrinfo, which would stall the whole loop.
std::string parseAddress(const std::string& text, bool* is_unix, std::string* host, int* port) {
  const std::string bad = "invalid redis address \"" + log::logValue(text, 200) +
                          "\": expected ip:port, [ipv6]:port or unix:/absolute/path";
  if (text.rfind("unix:", 0) == 0) {
    *is_unix = true;
    *host = text.substr(5);
    if (host->empty() || (*host)[0] != '/') return bad;
    return {};
  }
  *is_unix = false;
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find("]:");
    if (close == std::string::npos) return bad;
    *host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    in6_addr a6{};
    if (inet_pton(AF_INET6, host->c_str(), &a6) != 1) return bad + " (not an IPv6 literal)";
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) return bad;
    *host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    in_addr a4{};
    in6_addr a6{};
    if (inet_pton(AF_INET, host->c_str(), &a4) != 1 &&
        inet_pton(AF_INET6, host->c_str(), &a6) != 1) {
      return bad + " (host names are not resolved: use an IP address)";
    }
  }
  if (!allDigits(port_text) || port_text.size() > 5) return bad;
  *port = std::stoi(port_text);
  if (*port < 1 || *port > 65535) return bad;
  return {};
}

// Redis never echoes the password, but make sure a log line never can.
std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
    at += 3;
  }
  return text;
}

long long toMs(milliseconds d) {
  return static_cast<long long>(d.count());
}

}  // namespace

RedisValue copyRedisReply(const redisReply* r) {
  RedisValue v;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      v.type = RedisValue::Type::kInteger;
      v.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      v.type = RedisValue::Type::kString;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      v.type = RedisValue::Type::kStatus;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      v.type = RedisValue::Type::kError;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      v.type = RedisValue::Type::kArray;
      v.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) v.elements.push_back(copyRedisReply(r->element[i]));
      break;
    default:  // REDIS_REPLY_NIL
      break;
  }
  return v;
}

HiredisClient::HiredisClient(EventLoop& loop, Options options)
    : loop_(loop), options_(std::move(options)) {
  options_.reconnect_min = std::max(options_.reconnect_min, milliseconds(1));
  options_.reconnect_max = std::max(options_.reconnect_max, options_.reconnect_min);
  backoff_ = options_.reconnect_min;
  connect_timer_ = loop_.createTimer([this] {
    stats_.connect_failures++;
    closeNow("connect_timeout",
             "connect timed out after " + std::to_string(options_.connect_timeout.count()) + "ms",
             "redis unavailable: connect timed out");
  });
  reconnect_timer_ = loop_.createTimer([this] { connect(); });
  timeout_timer_ = loop_.createTimer([this] { onTimeoutSweep(); });
}

HiredisClient::~HiredisClient() {
  // Order matters: posted tasks see alive_ expired, then no callback is left to run, then the
  // context is freed with data == nullptr so its NULL replies and disconnect callback are no-ops.
  alive_.reset();
  pending_.clear();
  on_connected_ = nullptr;
  on_disconnected_ = nullptr;
  if (ac_) {
    redisAsyncContext* ac = ac_;
    ac_ = nullptr;
    ac->data = nullptr;
    // Inside one of its reply callbacks hiredis defers the free until the callback returns.
    redisAsyncFree(ac);
  }
}

void HiredisClient::setStateCallbacks(std::function<void()> on_connected,
                                      std::function<void(const std::string&)> on_disconnected) {
  on_connected_ = std::move(on_connected);
  on_disconnected_ = std::move(on_disconnected);
}

void HiredisClient::start() {
  if (state_ != State::kStopped) return;
  if (!options_.resolve) {
    std::string err = parseAddress(options_.address, &unix_, &host_, &port_);
    if (!err.empty()) {
      last_error_ = err;
      TLOG_ERROR("redis", "addr=%s reason=bad_address not connecting: %s",
                 log::logValue(options_.address).c_str(), err.c_str());
      return;
    }
  }
  last_error_ = "connecting";
  connect();
}

void HiredisClient::setUrgent(bool urgent) {
  if (urgent == urgent_) return;
  urgent_ = urgent;
  // Waiting out a long backoff while deliveries wait in the spool: retry soon instead.
  if (urgent_ && state_ == State::kWaiting && reconnect_timer_->armed()) {
    reconnect_timer_->arm(kUrgentRetry);
  }
}

bool HiredisClient::connected() const {
  return state_ == State::kReady;
}

void HiredisClient::connect() {
  reconnect_timer_->disarm();
  ++generation_;
  if (!options_.resolve) return open();
  state_ = State::kResolving;
  std::weak_ptr<bool> alive = alive_;
  uint64_t gen = generation_;
  options_.resolve([this, alive, gen](Result<std::string> address) {
    if (alive.expired() || gen != generation_ || state_ != State::kResolving) return;
    onResolved(std::move(address));
  });
}

void HiredisClient::onResolved(Result<std::string> address) {
  if (!address.ok()) {
    stats_.discovery_failures++;
    return connectionLost("discovery_failed", address.error().message);
  }
  bool is_unix = false;
  std::string host;
  int port = 0;
  if (std::string err = parseAddress(*address, &is_unix, &host, &port); !err.empty()) {
    stats_.discovery_failures++;
    return connectionLost("discovery_failed", "told to connect to " + err);
  }
  options_.address = std::move(address).value();
  unix_ = is_unix;
  host_ = std::move(host);
  port_ = port;
  open();
}

void HiredisClient::open() {
  redisAsyncContext* ac =
      unix_ ? redisAsyncConnectUnix(host_.c_str()) : redisAsyncConnect(host_.c_str(), port_);
  if (ac == nullptr || ac->err != 0) {
    // Failed before any event was attached: nothing is queued, free it here.
    std::string detail = ac ? contextError(ac, "connect failed") : "out of memory";
    if (ac) redisAsyncFree(ac);
    stats_.connect_failures++;
    connectionLost("connect_failed", "connect failed: " + detail);
    return;
  }
  ac->data = this;
  redisLibeventAttach(ac, loop_.base());
  redisAsyncSetConnectCallback(ac, &HiredisClient::onConnectCb);
  redisAsyncSetDisconnectCallback(ac, &HiredisClient::onDisconnectCb);
  ac_ = ac;
  state_ = State::kConnecting;
  connect_timer_->arm(options_.connect_timeout);
  // The handshake comes first in the output buffer, so no command queued during the connect can
  // reach Redis before AUTH. Without a password a PING proves Redis answers (and does not demand
  // a password) before connected() turns true; ROLE proves a primary answers.
  handshake_left_ = 0;
  role_id_ = 0;
  if (!options_.password.empty()) submitHandshake({"AUTH", options_.password}, false);
  if (options_.require_primary)
    submitHandshake({"ROLE"}, true);
  else if (options_.password.empty())
    submitHandshake({"PING"}, false);
}

void HiredisClient::submitHandshake(std::vector<std::string> argv, bool role) {
  if (ac_ == nullptr) return;  // an earlier part could not be queued: torn down already
  RedisRequestId id = next_id_++;
  if (!submit(id, argv, true)) {
    closeNow("connect_failed", "could not queue the handshake",
             "redis unavailable: connect failed");
    return;
  }
  ++handshake_left_;
  if (role) role_id_ = id;
}

bool HiredisClient::submit(RedisRequestId id, const std::vector<std::string>& argv,
                           bool handshake) {
  // The command in RESP, formatted here in one pass: hiredis's own formatting (sdscatfmt per
  // argument) was a visible part of an enqueue's cost, whose arguments carry the job JSON.
  std::string command = formatRespCommand(argv);
  int rc = redisAsyncFormattedCommand(
      ac_, handshake ? &HiredisClient::onHandshakeCb : &HiredisClient::onReplyCb, idToPrivdata(id),
      command.data(), command.size());
  // REDIS_ERR: hiredis will never call back for this command; the caller completes it.
  if (rc != REDIS_OK) return false;
  in_flight_.push_back(InFlight{id, steady_clock::now() + options_.command_timeout});
  if (!timeout_timer_->armed()) timeout_timer_->arm(options_.command_timeout);
  return true;
}

RedisRequestId HiredisClient::command(std::vector<std::string> argv, RedisCallback cb) {
  RedisRequestId id = next_id_++;
  pending_.emplace(id, std::move(cb));
  if (argv.empty()) {
    failLater(id, Error::internal("empty redis command"));
    return id;
  }
  switch (state_) {
    case State::kConnecting:
    case State::kHandshake:
    case State::kReady:
      if (submit(id, argv, false)) return id;
      stats_.failed_unavailable++;
      failLater(id, Error::unavailable("redis unavailable: hiredis refused the command"));
      return id;
    case State::kStopped:
    case State::kResolving:
    case State::kClosing:
    case State::kWaiting:
      break;
  }
  // Fail fast rather than buffer: the webhook is then spooled or answered 503, never acked
  // on the strength of a command that may never be sent.
  stats_.failed_unavailable++;
  failLater(id, Error::unavailable("redis unavailable: " + last_error_));
  return id;
}

RedisRequestId HiredisClient::commandReplicated(std::vector<std::string> argv, int replicas,
                                                std::chrono::milliseconds timeout,
                                                RedisCallback cb) {
  if (replicas <= 0) return command(std::move(argv), std::move(cb));
  RedisRequestId id = next_id_++;
  pending_.emplace(id, std::move(cb));
  written_.emplace(id, std::nullopt);
  std::weak_ptr<bool> alive = alive_;
  command(std::move(argv), [this, alive, id](Result<RedisValue> r) {
    if (alive.expired()) return;
    auto it = written_.find(id);
    if (it != written_.end()) it->second.emplace(std::move(r));
  });
  wait_next_.push_back(ReplicatedWrite{id, generation_, replicas, timeout});
  scheduleWait();
  return id;
}

void HiredisClient::scheduleWait() {
  if (wait_in_flight_ || wait_posted_ || wait_next_.empty()) return;
  wait_posted_ = true;
  std::weak_ptr<bool> alive = alive_;
  // On the next turn, so that every write of this turn shares the WAIT.
  loop_.post([this, alive] {
    if (alive.expired()) return;
    wait_posted_ = false;
    sendWait();
  });
}

void HiredisClient::sendWait() {
  if (wait_in_flight_ || wait_next_.empty()) return;
  std::vector<ReplicatedWrite> group;
  group.swap(wait_next_);
  int replicas = 0;
  std::chrono::milliseconds timeout{0};
  for (const auto& w : group) {
    replicas = std::max(replicas, w.replicas);
    timeout = std::max(timeout, w.timeout);
  }
  wait_in_flight_ = true;
  std::weak_ptr<bool> alive = alive_;
  const uint64_t sent_on = generation_;
  command(waitCommand(replicas, timeout), [this, alive, group = std::move(group),
                                           sent_on](Result<RedisValue> waited) {
    if (alive.expired()) return;
    wait_in_flight_ = false;
    for (const auto& w : group) {
      auto it = written_.find(w.id);
      if (it == written_.end()) continue;  // cancelled
      Result<RedisValue> written =
          it->second
              ? std::move(*it->second)
              : Result<RedisValue>(Error::internal("WAIT answered before the write it follows"));
      written_.erase(it);
      Result<RedisValue> out = Error::internal("");
      if (w.generation != sent_on && written.ok() && !written->isError()) {
        // Written on a connection that is gone: this WAIT asked another one.
        out = Error::unavailable(
            "redis unavailable: the connection was lost before replication was confirmed");
      } else {
        out = replicatedOutcome(std::move(written), waited, w.replicas, w.timeout);
      }
      if (!out.ok() && out.error().message.rfind("redis replication not confirmed", 0) == 0)
        stats_.replication_short++;
      complete(w.id, std::move(out));
      if (alive.expired()) return;  // a callback destroyed this client
    }
    scheduleWait();
  });
}

void HiredisClient::reconnect(const std::string& reason) {
  if (state_ != State::kReady && state_ != State::kConnecting && state_ != State::kHandshake)
    return;
  backoff_ = options_.reconnect_min;
  std::weak_ptr<bool> alive = alive_;
  uint64_t gen = generation_;
  // Never from inside a hiredis callback (the libevent adapter does not survive its context
  // being freed under it): on the next turn.
  loop_.post([this, alive, gen, reason] {
    if (alive.expired() || gen != generation_) return;
    closeNow("reconnect", reason, "redis unavailable: " + reason);
  });
}

void HiredisClient::cancel(RedisRequestId id) {
  // A reply that still arrives finds no callback; the command keeps its slot in in_flight_ so a
  // stuck connection still times out.
  pending_.erase(id);
  written_.erase(id);
}

void HiredisClient::onConnectCb(const redisAsyncContext* ac, int status) noexcept {
  try {
    if (auto* self = static_cast<HiredisClient*>(ac->data)) self->handleConnect(ac, status);
  } catch (const std::exception& e) {
    TLOG_ERROR("redis", "reason=exception connect callback threw: %s", e.what());
  } catch (...) {
    TLOG_ERROR("redis", "reason=exception connect callback threw");
  }
}

void HiredisClient::onDisconnectCb(const redisAsyncContext* ac, int /*status*/) noexcept {
  try {
    if (auto* self = static_cast<HiredisClient*>(ac->data)) self->handleDisconnect(ac);
  } catch (const std::exception& e) {
    TLOG_ERROR("redis", "reason=exception disconnect callback threw: %s", e.what());
  } catch (...) {
    TLOG_ERROR("redis", "reason=exception disconnect callback threw");
  }
}

void HiredisClient::onReplyCb(redisAsyncContext* ac, void* reply, void* privdata) noexcept {
  try {
    if (auto* self = static_cast<HiredisClient*>(ac->data))
      self->handleReply(ac, privdataToId(privdata), reply);
  } catch (const std::exception& e) {
    TLOG_ERROR("redis", "reason=exception reply callback threw: %s", e.what());
  } catch (...) {
    TLOG_ERROR("redis", "reason=exception reply callback threw");
  }
}

void HiredisClient::onHandshakeCb(redisAsyncContext* ac, void* reply, void* privdata) noexcept {
  try {
    if (auto* self = static_cast<HiredisClient*>(ac->data))
      self->handleHandshake(ac, privdataToId(privdata), reply);
  } catch (const std::exception& e) {
    TLOG_ERROR("redis", "reason=exception handshake callback threw: %s", e.what());
  } catch (...) {
    TLOG_ERROR("redis", "reason=exception handshake callback threw");
  }
}

void HiredisClient::handleConnect(const redisAsyncContext* ac, int status) {
  if (ac != ac_) return;
  if (status == REDIS_OK) {
    state_ = State::kHandshake;
    return;
  }
  // hiredis frees the context right after this callback and runs the queued commands' callbacks
  // with NULL replies; ac_ is cleared first so they fail with failure_.
  std::string detail = "connect failed: " + contextError(ac, "unknown error");
  failure_ = "redis unavailable: " + detail;
  ac_ = nullptr;
  stats_.connect_failures++;
  connectionLost("connect_failed", detail);
}

void HiredisClient::handleDisconnect(const redisAsyncContext* ac) {
  // closeNow() and a failed connect clear ac_ before hiredis gets here: already accounted for.
  if (ac != ac_) return;
  ac_ = nullptr;
  connectionLost("connection_lost", "connection lost: " + contextError(ac, "connection closed"));
}

void HiredisClient::handleReply(redisAsyncContext* ac, RedisRequestId id, const void* reply) {
  forgetInFlight(id);
  if (reply == nullptr) {
    // The context is going away. Either hiredis hit an error on the live connection (ac == ac_,
    // its error says why) or closeNow()/a failed connect set failure_ first.
    stats_.failed_in_flight++;
    failLater(id, Error::unavailable(ac == ac_ ? "redis unavailable: connection lost: " +
                                                     contextError(ac, "connection closed")
                                               : failure_));
    return;
  }
  if (ac == ac_ && state_ == State::kClosing) {
    // The handshake was refused: what follows is NOAUTH noise, not an answer to the caller.
    stats_.failed_in_flight++;
    failLater(id, Error::unavailable("redis unavailable: " + last_error_));
    return;
  }
  const auto* r = static_cast<const redisReply*>(reply);
  if (r->type == REDIS_REPLY_ERROR) {
    stats_.error_replies++;
    // The primary was demoted under this connection (Sentinel failover): find the new one.
    if (options_.require_primary && ac == ac_ && state_ == State::kReady &&
        std::string_view(r->str, r->len).rfind("READONLY", 0) == 0) {
      stats_.not_primary++;
      reconnect("the server answered READONLY: it is no longer the primary");
    }
  }
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // cancelled
  RedisCallback cb = std::move(it->second);
  pending_.erase(it);
  cb(copyRedisReply(r));  // last statement: the callback may destroy this client
}

void HiredisClient::handleHandshake(redisAsyncContext* ac, RedisRequestId id, const void* reply) {
  forgetInFlight(id);
  // A NULL reply means the connection is being torn down; that path does the bookkeeping. After
  // a refused part the rest of the handshake is noise.
  if (ac != ac_ || reply == nullptr || state_ == State::kClosing) return;
  const auto* r = static_cast<const redisReply*>(reply);
  if (r->type == REDIS_REPLY_ERROR) {
    std::string err = redact(std::string(r->str, r->len), options_.password);
    const bool sent_auth = !options_.password.empty();
    const bool noauth = err.rfind("NOAUTH", 0) == 0;
    const char* hint = sent_auth ? "check the password in redis.password_file"
                       : noauth  ? "Redis requires a password: set redis.password_file"
                                 : "Redis refused the handshake";
    stats_.auth_failures++;
    refuseHandshake((sent_auth || noauth ? "authentication failed: " : "handshake failed: ") + err,
                    "auth_failed", hint);
    return;
  }
  if (id == role_id_) {
    // ROLE: ["master", offset, replicas] on a primary; "slave" or "sentinel" elsewhere.
    std::string role =
        r->type == REDIS_REPLY_ARRAY && r->elements > 0 && r->element[0]->type == REDIS_REPLY_STRING
            ? std::string(r->element[0]->str, r->element[0]->len)
            : "unknown";
    if (role != "master") {
      stats_.not_primary++;
      refuseHandshake("not the primary: ROLE answered " + log::logValue(role, 40), "not_primary",
                      "a failover is under way, or the address names a replica");
      return;
    }
  }
  if (--handshake_left_ > 0) return;
  connect_timer_->disarm();
  state_ = State::kReady;
  backoff_ = options_.reconnect_min;
  last_error_.clear();
  last_logged_.clear();
  stats_.connects++;
  if (!connected_to_.empty() && connected_to_ != options_.address) {
    stats_.primary_changes++;
    TLOG_WARN("redis", "addr=%s previous=%s connected to another server than before",
              log::logValue(options_.address).c_str(), log::logValue(connected_to_).c_str());
  }
  connected_to_ = options_.address;
  TLOG_INFO("redis", "addr=%s connected", log::logValue(options_.address).c_str());
  notifyLater(true, {});
}

void HiredisClient::refuseHandshake(std::string error, const char* reason, const char* hint) {
  last_error_ = std::move(error);
  state_ = State::kClosing;
  // Once per distinct cause: the retries that follow would only repeat it.
  if (last_error_ != last_logged_) {
    TLOG_ERROR("redis", "addr=%s reason=%s %s (%s)", log::logValue(options_.address).c_str(),
               reason, log::logValue(last_error_, 300).c_str(), hint);
  }
  last_logged_ = last_error_;
  // Not from inside hiredis' read handler (0.14's libevent adapter does not survive its
  // context being freed under it): tear down on the next turn.
  std::weak_ptr<bool> alive = alive_;
  uint64_t gen = generation_;
  loop_.post([this, alive, gen, reason] {
    if (alive.expired() || gen != generation_) return;
    closeNow(reason, last_error_, "redis unavailable: " + last_error_);
  });
}

void HiredisClient::closeNow(const char* reason, const std::string& detail, std::string failure) {
  if (ac_ == nullptr) return;
  redisAsyncContext* ac = ac_;
  ac_ = nullptr;  // so the disconnect callback below leaves the bookkeeping to connectionLost()
  failure_ = std::move(failure);
  // Runs every pending reply callback with NULL (each fails with failure_), then the disconnect
  // callback if the TCP connection was up, then frees the context.
  redisAsyncFree(ac);
  in_flight_.clear();
  connectionLost(reason, detail);
}

void HiredisClient::connectionLost(const char* reason, const std::string& detail) {
  const bool was_ready = state_ == State::kReady;
  connect_timer_->disarm();
  state_ = State::kWaiting;
  last_error_ = detail;
  milliseconds delay = urgent_ ? std::min(backoff_, kUrgentRetry) : backoff_;
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
  reconnect_timer_->arm(delay);
  if (was_ready) {
    stats_.disconnects++;
    TLOG_WARN("redis", "addr=%s reason=%s retry_ms=%lld disconnected: %s",
              log::logValue(options_.address).c_str(), reason, toMs(delay),
              log::logValue(detail, 300).c_str());
    notifyLater(false, detail);
  } else if (detail != last_logged_) {
    // While Redis stays down, say so once per distinct cause, not every retry.
    TLOG_WARN("redis", "addr=%s reason=%s retry_ms=%lld not connected: %s",
              log::logValue(options_.address).c_str(), reason, toMs(delay),
              log::logValue(detail, 300).c_str());
  } else {
    TLOG_DEBUG("redis", "addr=%s reason=%s retry_ms=%lld not connected: %s",
               log::logValue(options_.address).c_str(), reason, toMs(delay),
               log::logValue(detail, 300).c_str());
  }
  last_logged_ = detail;
}

void HiredisClient::forgetInFlight(RedisRequestId id) {
  // Redis answers in order, so the reply is almost always for the head.
  if (!in_flight_.empty() && in_flight_.front().id == id) {
    in_flight_.pop_front();
  } else {
    auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                           [id](const InFlight& f) { return f.id == id; });
    if (it != in_flight_.end()) in_flight_.erase(it);
  }
  if (in_flight_.empty()) timeout_timer_->disarm();
}

void HiredisClient::onTimeoutSweep() {
  if (in_flight_.empty()) return;
  auto now = steady_clock::now();
  const auto deadline = in_flight_.front().deadline;
  if (deadline > now) {
    auto left = std::chrono::ceil<milliseconds>(deadline - now);
    timeout_timer_->arm(left);
    return;
  }
  // hiredis 0.14 has no command timeout, and redisAsyncDisconnect() would wait for the very
  // reply that is late: free the context so every in-flight command fails now.
  stats_.command_timeouts++;
  TLOG_WARN("redis", "addr=%s reason=command_timeout in_flight=%zu timeout_ms=%lld closing",
            log::logValue(options_.address).c_str(), in_flight_.size(),
            toMs(options_.command_timeout));
  closeNow("command_timeout",
           "command timed out after " + std::to_string(options_.command_timeout.count()) + "ms",
           "redis command timed out");
}

void HiredisClient::failLater(RedisRequestId id, Error error) {
  if (pending_.find(id) == pending_.end()) return;  // cancelled: nothing to tell
  std::weak_ptr<bool> alive = alive_;
  loop_.post([this, alive, id, error = std::move(error)]() mutable {
    if (alive.expired()) return;
    complete(id, std::move(error));
  });
}

void HiredisClient::complete(RedisRequestId id, Result<RedisValue> result) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // cancelled since
  RedisCallback cb = std::move(it->second);
  pending_.erase(it);
  cb(std::move(result));  // last statement: the callback may destroy this client
}

void HiredisClient::notifyLater(bool up, std::string reason) {
  std::weak_ptr<bool> alive = alive_;
  loop_.post([this, alive, up, reason = std::move(reason)] {
    if (alive.expired()) return;
    if (up && on_connected_) {
      auto cb = on_connected_;  // a copy: the callback may replace or destroy
      cb();
    } else if (!up && on_disconnected_) {
      auto cb = on_disconnected_;
      cb(reason);
    }
  });
}

}  // namespace triggerd
