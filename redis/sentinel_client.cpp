#include "redis/sentinel_client.h"

#include "common/log.h"

namespace triggerd {

struct SentinelClient::Discovery {
  size_t next = 0;   // index into sentinels_ of the next one to ask
  size_t asked = 0;  // how many were asked so far
  std::string errors;
  std::function<void(Result<std::string>)> done;
};

namespace {

// An IPv6 address comes back bare ("::1"); hiredis' address syntax wants it bracketed.
std::string joinAddress(const std::string& ip, const std::string& port) {
  return ip.find(':') == std::string::npos ? ip + ":" + port : "[" + ip + "]:" + port;
}

}  // namespace

SentinelClient::SentinelClient(EventLoop& loop, Options options)
    : loop_(loop), options_(std::move(options)) {
  for (const auto& address : options_.sentinels) {
    HiredisClient::Options o;
    o.address = address;
    o.password = options_.sentinel_password;
    o.connect_timeout = options_.primary.connect_timeout;
    o.command_timeout = options_.primary.command_timeout;
    o.reconnect_min = options_.primary.reconnect_min;
    o.reconnect_max = options_.primary.reconnect_max;
    sentinels_.push_back(std::make_unique<HiredisClient>(loop_, std::move(o)));
  }
  HiredisClient::Options p = options_.primary;
  p.address.clear();
  p.require_primary = true;
  p.resolve = [this](std::function<void(Result<std::string>)> done) { discover(std::move(done)); };
  primary_ = std::make_unique<HiredisClient>(loop_, std::move(p));
  check_timer_ = loop_.createTimer([this] { check(); });
}

SentinelClient::~SentinelClient() = default;

void SentinelClient::start() {
  for (auto& s : sentinels_) s->start();
  primary_->start();
  check_timer_->arm(options_.check_interval);
}

RedisStats SentinelClient::counters() const {
  return primary_->counters();
}

std::string SentinelClient::describe() const {
  std::string where = primary_->address().empty() ? "unknown" : primary_->address();
  return "sentinel master " + options_.master_name + " at " + where;
}

void SentinelClient::discover(std::function<void(Result<std::string>)> done) {
  auto d = std::make_shared<Discovery>();
  d->next = preferred_;
  d->done = std::move(done);
  askNext(d);
}

void SentinelClient::askNext(const std::shared_ptr<Discovery>& d) {
  if (d->asked >= sentinels_.size()) {
    auto done = std::move(d->done);
    return done(Error::unavailable("no sentinel named the primary of \"" + options_.master_name +
                                   "\": " + d->errors));
  }
  size_t index = d->next % sentinels_.size();
  d->next = index + 1;
  d->asked++;
  // A sentinel still connecting queues the question behind its handshake; one waiting to
  // reconnect fails it at once, and the next sentinel is asked.
  sentinels_[index]->command(
      {"SENTINEL", "get-master-addr-by-name", options_.master_name},
      [this, d, index](Result<RedisValue> reply) { answered(d, index, std::move(reply)); });
}

void SentinelClient::answered(const std::shared_ptr<Discovery>& d, size_t sentinel,
                              Result<RedisValue> reply) {
  const std::string& who = sentinels_[sentinel]->address();
  std::string why;
  if (!reply.ok()) {
    why = reply.error().message;
  } else if (reply->isError()) {
    why = "refused: " + log::logValue(reply->str, 200);
  } else if (reply->isNil()) {
    why = "does not monitor a master named \"" + options_.master_name + "\"";
  } else if (reply->type != RedisValue::Type::kArray || reply->elements.size() != 2 ||
             !reply->elements[0].isString() || !reply->elements[1].isString()) {
    why = "answered something other than [ip, port]";
  } else {
    preferred_ = sentinel;
    auto done = std::move(d->done);
    return done(joinAddress(reply->elements[0].str, reply->elements[1].str));
  }
  d->errors += (d->errors.empty() ? "" : "; ") + who + " " + why;
  askNext(d);
}

// Between failures the connection to a demoted primary can stay up (a partition healing, or a
// sentinel that did not kill its clients yet): ask whether the primary moved.
void SentinelClient::check() {
  check_timer_->arm(options_.check_interval);
  if (checking_ || !primary_->connected()) return;
  checking_ = true;
  discover([this](Result<std::string> address) {
    checking_ = false;
    if (!address.ok() || !primary_->connected() || *address == primary_->address()) return;
    TLOG_WARN("redis", "master=%s addr=%s new_addr=%s sentinels report that the primary moved",
              log::logValue(options_.master_name).c_str(),
              log::logValue(primary_->address()).c_str(), log::logValue(*address).c_str());
    primary_->reconnect("the sentinels report the primary at " + *address);
  });
}

}  // namespace triggerd
