// Native versions of the Lua scripts triggerd sends, for FakeRedisClient, which cannot run Lua.
// Each is keyed by the exact script text (store/scripts.h, queue/enqueue_script.h), so a changed
// script no longer matches and fails the tests that send it until its native version follows.
// Each mirrors its script line by line over `call` (redis.call), so a Redis error inside the
// script aborts it where Lua would, keeping the writes before it, as Redis does.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "redis/redis_client.h"

namespace triggerd::testing {

// redis.call inside a script: runs one command; an error reply is thrown as a ScriptError.
using ScriptCall = std::function<RedisValue(const std::vector<std::string>& argv)>;
struct ScriptError {
  std::string reply;  // the error reply that aborted the script
};

using NativeScript = RedisValue (*)(const ScriptCall& call, const std::vector<std::string>& keys,
                                    const std::vector<std::string>& args);

// The SHA-1 (hex) that names a script for EVALSHA.
std::string scriptSha(std::string_view text);

// The native version of `text`, or nullptr for a script the fake does not know.
NativeScript findNativeScript(std::string_view text);

}  // namespace triggerd::testing
