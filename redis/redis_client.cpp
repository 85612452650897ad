#include "redis/redis_client.h"

#include <memory>
#include <optional>

namespace triggerd {

std::vector<std::string> waitCommand(int replicas, std::chrono::milliseconds timeout) {
  return {"WAIT", std::to_string(replicas), std::to_string(timeout.count())};
}

Result<RedisValue> replicatedOutcome(Result<RedisValue> written, const Result<RedisValue>& waited,
                                     int replicas, std::chrono::milliseconds timeout) {
  if (!written.ok() || written->isError()) return written;
  if (!waited.ok()) return waited.error();
  if (waited->type == RedisValue::Type::kInteger && waited->integer >= replicas) return written;
  std::string got = waited->type == RedisValue::Type::kInteger ? std::to_string(waited->integer)
                    : waited->isError()                        ? "an error: " + waited->str
                                                               : "no count";
  return Error::unavailable("redis replication not confirmed: WAIT " + std::to_string(replicas) +
                            " " + std::to_string(timeout.count()) + " answered " + got +
                            "; the write is on the primary only and may not survive a failover");
}

RedisRequestId RedisClient::commandReplicated(std::vector<std::string> argv, int replicas,
                                              std::chrono::milliseconds timeout, RedisCallback cb) {
  if (replicas <= 0) return command(std::move(argv), std::move(cb));
  // Replies come in order on one connection, so argv's has arrived when WAIT's does. Cancelling
  // the returned id (WAIT's) is enough: argv's callback only fills `written`.
  auto written = std::make_shared<std::optional<Result<RedisValue>>>();
  command(std::move(argv), [written](Result<RedisValue> r) { written->emplace(std::move(r)); });
  return command(waitCommand(replicas, timeout),
                 [written, replicas, timeout, cb = std::move(cb)](Result<RedisValue> w) {
                   if (!written->has_value())
                     return cb(Error::internal("WAIT answered before the command it follows"));
                   cb(replicatedOutcome(std::move(**written), w, replicas, timeout));
                 });
}

}  // namespace triggerd
