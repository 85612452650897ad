// The one place that turns a Redis command's outcome into a Result, so every store words
// failures the same way: a transport failure (not connected, timeout, connection lost) passes
// through as Error{503}; an error reply becomes 503 "redis refused <what>: <reply>" (OOM,
// READONLY replica, WRONGTYPE...): the caller may retry, nothing was changed by that command.
#pragma once

#include <string_view>

#include "common/result.h"
#include "redis/redis_client.h"

namespace triggerd {

Result<RedisValue> expectReply(Result<RedisValue> reply, std::string_view what);

}  // namespace triggerd
