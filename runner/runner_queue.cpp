#include "runner/runner_queue.h"

#include <openssl/evp.h>

#include <memory>

#include "common/encoding.h"
#include "common/log.h"
#include "queue/runner_scripts.h"
#include "redis/reply.h"

namespace triggerd {

// A compiled-in Lua script and its SHA-1 (EVALSHA names scripts by it; nothing relies on its
// strength). docs/runner.md shows each script.
struct RunnerScript {
  const char* name;
  const char* body;
  std::string sha;
};

namespace {

// How soon an unblock that found the XREADGROUP not blocked yet is asked again.
constexpr std::chrono::milliseconds kUnblockRetry{20};

std::string sha1Hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), md, &len, EVP_sha1(), nullptr) != 1) return {};
  return hexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

// KEYS[1] jobs stream. ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id. Never takes an entry
// back from another consumer (triggerd's reclaimer): only one still pending for this runner.
constexpr const char* kKeepAliveScript = R"lua(
local mine = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if #mine == 0 then
  return 0
end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
)lua";

// KEYS[1] status stream, KEYS[2] jobs stream. ARGV[1] group, ARGV[2] consumer, ARGV[3] entry
// id, then the report's field/value pairs, if any. The report always goes out (triggerd ignores
// one for an attempt that is not the record's); the ack and delete only for an entry still ours.
constexpr const char* kFinishScript = R"lua(
if #ARGV > 3 then
  local report = {}
  for i = 4, #ARGV do
    report[#report + 1] = ARGV[i]
  end
  redis.call('XADD', KEYS[1], '*', unpack(report))
end
local mine = redis.call('XPENDING', KEYS[2], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if #mine == 0 then
  return 0
end
redis.call('XACK', KEYS[2], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[2], ARGV[3])
return 1
)lua";

const RunnerScript& startScript() {
  // The protocol's own text (docs/runner-protocol.md), as every runner runs it.
  static const RunnerScript s{"start", kRunnerStartScript, sha1Hex(kRunnerStartScript)};
  return s;
}
const RunnerScript& keepAliveScript() {
  static const RunnerScript s{"keep-alive", kKeepAliveScript, sha1Hex(kKeepAliveScript)};
  return s;
}
const RunnerScript& finishScript() {
  static const RunnerScript s{"finish", kFinishScript, sha1Hex(kFinishScript)};
  return s;
}
// [[stream, [[id, [field, value, ...]]]]] -> the first entry.
Result<std::optional<ClaimedEntry>> parseClaim(const RedisValue& v) {
  if (v.isNil()) return std::optional<ClaimedEntry>{};
  auto bad = [] { return Error::internal("unexpected reply to XREADGROUP"); };
  if (v.type != RedisValue::Type::kArray || v.elements.empty()) return bad();
  const RedisValue& stream = v.elements[0];
  if (stream.type != RedisValue::Type::kArray || stream.elements.size() != 2) return bad();
  const RedisValue& entries = stream.elements[1];
  if (entries.type != RedisValue::Type::kArray) return bad();
  if (entries.elements.empty()) return std::optional<ClaimedEntry>{};
  const RedisValue& entry = entries.elements[0];
  if (entry.type != RedisValue::Type::kArray || entry.elements.size() != 2 ||
      !entry.elements[0].isString())
    return bad();
  ClaimedEntry out;
  out.entry_id = entry.elements[0].str;
  const RedisValue& fields = entry.elements[1];
  if (fields.type != RedisValue::Type::kArray) return bad();
  for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    const std::string& name = fields.elements[i].str;
    if (name == "job") out.job_json = fields.elements[i + 1].str;
    if (name == "id") out.job_id = fields.elements[i + 1].str;
  }
  return std::optional<ClaimedEntry>{std::move(out)};
}

}  // namespace

std::string lastBytes(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t start = text.size() - max;
  // Skip continuation bytes so the cut falls on a character boundary.
  while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
  return std::string(text.substr(start));
}

RunnerQueue::RunnerQueue(EventLoop& loop, RedisClient& redis, RedisClient& blocking, Keys keys,
                         std::string consumer, int64_t log_ttl_seconds, int64_t log_max_entries)
    : redis_(redis),
      blocking_(blocking),
      keys_(std::move(keys)),
      consumer_(std::move(consumer)),
      log_ttl_seconds_(log_ttl_seconds),
      log_max_entries_(log_max_entries),
      unblock_retry_(loop.createTimer([this] { sendUnblock(); })) {}

RunnerQueue::~RunnerQueue() {
  for (RedisRequestId id : in_flight_) redis_.cancel(id);
  for (RedisRequestId id : in_flight_blocking_) blocking_.cancel(id);
}

void RunnerQueue::send(RedisClient& client, std::vector<std::string> argv, RedisCallback cb) {
  auto& set = &client == &blocking_ ? in_flight_blocking_ : in_flight_;
  struct Slot {
    RedisRequestId id = 0;
    bool done = false;
  };
  auto slot = std::make_shared<Slot>();
  RedisRequestId id =
      client.command(std::move(argv), [&set, slot, cb = std::move(cb)](Result<RedisValue> r) {
        slot->done = true;
        set.erase(slot->id);
        cb(std::move(r));
      });
  slot->id = id;
  if (!slot->done) set.insert(id);
}

void RunnerQueue::runScript(const RunnerScript& s, std::vector<std::string> keys_and_args,
                            size_t num_keys, RedisCallback cb) {
  auto body = std::make_shared<std::vector<std::string>>(std::move(keys_and_args));
  std::vector<std::string> argv{"EVALSHA", s.sha, std::to_string(num_keys)};
  argv.insert(argv.end(), body->begin(), body->end());
  send(redis_, std::move(argv),
       [this, &s, body, num_keys, cb = std::move(cb)](Result<RedisValue> r) mutable {
         if (r.ok() && r->isError() && r->str.rfind("NOSCRIPT", 0) == 0) {
           // Nothing ran; EVAL runs it and caches it for the next EVALSHA.
           std::vector<std::string> eval{"EVAL", s.body, std::to_string(num_keys)};
           eval.insert(eval.end(), std::make_move_iterator(body->begin()),
                       std::make_move_iterator(body->end()));
           send(redis_, std::move(eval), std::move(cb));
           return;
         }
         cb(expectReply(std::move(r), std::string("the ") + s.name + " script"));
       });
}

void RunnerQueue::claim(std::function<void(Result<std::optional<ClaimedEntry>>)> cb) {
  claim_in_flight_ = true;
  unblock_wanted_ = false;
  // CLIENT ID travels just before the XREADGROUP on the same connection: its answer names the
  // connection unblock() must address. Refused (ACL) it only leaves unblock() without effect.
  send(blocking_, {"CLIENT", "ID"}, [this](Result<RedisValue> r) {
    blocking_client_id_ =
        r.ok() && r->type == RedisValue::Type::kInteger ? r->integer : int64_t{-1};
    if (unblock_wanted_) sendUnblock();  // unblock() came before the id did
  });
  send(blocking_,
       {"XREADGROUP", "GROUP", std::string(Keys::kRunnersGroup), consumer_, "COUNT", "1", "BLOCK",
        std::to_string(kBlockMillis), "STREAMS", keys_.jobs(), ">"},
       [this, cb = std::move(cb)](Result<RedisValue> r) {
         blocking_client_id_ = -1;
         claim_in_flight_ = false;
         unblock_wanted_ = false;
         unblock_retry_->disarm();
         if (r.ok() && r->isError() && r->str.rfind("NOGROUP", 0) == 0) {
           return cb(Error::conflict("", "the consumer group " + std::string(Keys::kRunnersGroup) +
                                             " does not exist on " + keys_.jobs()));
         }
         auto checked = expectReply(std::move(r), "XREADGROUP");
         if (!checked.ok()) return cb(checked.error());
         cb(parseClaim(*checked));
       });
}

void RunnerQueue::unblock() {
  if (!claim_in_flight_) return;
  unblock_wanted_ = true;
  sendUnblock();
}

void RunnerQueue::sendUnblock() {
  if (!claim_in_flight_ || !unblock_wanted_ || blocking_client_id_ < 0) return;
  send(redis_, {"CLIENT", "UNBLOCK", std::to_string(blocking_client_id_)},
       [this](Result<RedisValue> r) {
         if (!r.ok() || r->isError()) {
           TLOG_DEBUG("runner", "CLIENT UNBLOCK failed; the claim runs out its block time");
           return;
         }
         // 0: the XREADGROUP was not blocked: still on its way on the other connection, or
         // answered and its reply not read yet. A little later either it blocks or it answers.
         if (r->type == RedisValue::Type::kInteger && r->integer == 0 && claim_in_flight_)
           unblock_retry_->arm(kUnblockRetry);
       });
}

void RunnerQueue::start(const std::string& job_id, int attempt, const std::string& now,
                        std::function<void(Result<StartOutcome>)> cb) {
  const std::string attempt_text = std::to_string(attempt);
  runScript(startScript(), {keys_.job(job_id), consumer_, attempt_text}, 1,
            [this, job_id, attempt_text, now, cb = std::move(cb)](Result<RedisValue> r) {
              if (!r.ok()) return cb(r.error());
              if (!r->isString())
                return cb(Error::internal("unexpected reply to the start script"));
              const std::string& s = r->str;
              if (s == "superseded") return cb(StartOutcome::kSuperseded);
              if (s == "canceled") return cb(StartOutcome::kCanceled);
              if (s == "missing") return cb(StartOutcome::kMissing);
              if (s == "moved") return cb(StartOutcome::kMoved);
              if (s != "running") return cb(StartOutcome::kEnded);
              // The protocol's `running` report. Should it not get through, the record says
              // running all the same, and the final report follows.
              send(redis_,
                   {"XADD", keys_.status(), "*", "job", job_id, "state", "running", "runner",
                    consumer_, "attempt", attempt_text, "at", now},
                   [job_id, cb](Result<RedisValue> x) {
                     auto checked = expectReply(std::move(x), "the running report");
                     if (!checked.ok())
                       TLOG_WARN("runner", "job=%s reason=%s running report not sent",
                                 job_id.c_str(),
                                 log::logValue(checked.error().message, 200).c_str());
                     cb(StartOutcome::kRunning);
                   });
            });
}

void RunnerQueue::keepAlive(const std::string& entry_id, std::function<void(Result<bool>)> cb) {
  runScript(keepAliveScript(),
            {keys_.jobs(), std::string(Keys::kRunnersGroup), consumer_, entry_id}, 1,
            [cb = std::move(cb)](Result<RedisValue> r) {
              if (!r.ok()) return cb(r.error());
              cb(r->type == RedisValue::Type::kInteger && r->integer == 1);
            });
}

void RunnerQueue::appendLog(const std::string& job_id, const std::string& chunk,
                            std::function<void(Status)> cb) {
  // Two plain commands, not a script: pipelined on one connection they keep the chunks in
  // order, even across a NOSCRIPT.
  std::string key = keys_.jobLog(job_id);
  send(redis_, {"XADD", key, "MAXLEN", "~", std::to_string(log_max_entries_), "*", "chunk", chunk},
       [cb = std::move(cb)](Result<RedisValue> r) {
         auto checked = expectReply(std::move(r), "the log chunk");
         cb(checked.ok() ? okStatus() : Status(checked.error()));
       });
  send(redis_, {"EXPIRE", key, std::to_string(log_ttl_seconds_)}, [](Result<RedisValue>) {});
}

void RunnerQueue::finish(const std::string& entry_id, const StatusReport& report,
                         std::function<void(Result<bool>)> cb) {
  std::vector<std::string> args{keys_.status(), keys_.jobs(), std::string(Keys::kRunnersGroup),
                                consumer_, entry_id};
  if (report.state.empty()) {  // acknowledge and delete only
    runScript(finishScript(), std::move(args), 2, [cb = std::move(cb)](Result<RedisValue> r) {
      if (!r.ok()) return cb(r.error());
      cb(r->type == RedisValue::Type::kInteger && r->integer == 1);
    });
    return;
  }
  args.insert(args.end(), {"job", report.job_id, "state", report.state, "runner", consumer_,
                           "attempt", std::to_string(report.attempt)});
  if (!report.message.empty()) {
    args.push_back("message");
    args.push_back(lastBytes(report.message, kMaxMessageBytes));
  }
  args.push_back("at");
  args.push_back(report.at);
  runScript(finishScript(), std::move(args), 2, [cb = std::move(cb)](Result<RedisValue> r) {
    if (!r.ok()) return cb(r.error());
    cb(r->type == RedisValue::Type::kInteger && r->integer == 1);
  });
}

}  // namespace triggerd
