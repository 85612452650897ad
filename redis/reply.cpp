#include "redis/reply.h"

#include <string>

#include "common/log.h"

namespace triggerd {

Result<RedisValue> expectReply(Result<RedisValue> reply, std::string_view what) {
  if (!reply.ok()) return reply;  // already worded by the client: "redis unavailable: ..."
  if (reply->isError()) {
    return Error::unavailable("redis refused " + std::string(what) + ": " +
                              log::logValue(reply->str, 200));
  }
  return reply;
}

}  // namespace triggerd
