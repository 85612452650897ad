#include "tests/fakes/fake_redis_scripts.h"

#include <utility>

#include "queue/enqueue_script.h"
#include "store/scripts.h"

namespace triggerd::testing {
namespace {

RedisValue integer(int64_t n) {
  RedisValue v;
  v.type = RedisValue::Type::kInteger;
  v.integer = n;
  return v;
}

RedisValue bulk(std::string s) {
  RedisValue v;
  v.type = RedisValue::Type::kString;
  v.str = std::move(s);
  return v;
}

// ARGV[i] or KEYS[i] (1-based, as the script says); a missing one is nil, which redis.call
// refuses.
const std::string& at(const std::vector<std::string>& list, size_t lua_index) {
  if (lua_index < 1 || lua_index > list.size())
    throw ScriptError{"ERR Lua redis lib command arguments must be strings or integers"};
  return list[lua_index - 1];
}

// sealed_records.cpp kCreateScript
RedisValue createRecord(const ScriptCall& call, const std::vector<std::string>& keys,
                        const std::vector<std::string>& args) {
  if (call({"SET", at(keys, 1), at(args, 1), "NX"}).isNil()) return integer(0);
  for (size_t i = 2; i <= keys.size(); ++i) call({"SADD", at(keys, i), at(args, i)});
  return integer(1);
}

// sealed_records.cpp kRemoveScript
RedisValue removeRecord(const ScriptCall& call, const std::vector<std::string>& keys,
                        const std::vector<std::string>& args) {
  RedisValue n = call({"DEL", at(keys, 1)});
  for (size_t i = 2; i <= keys.size(); ++i) call({"SREM", at(keys, i), at(args, i - 1)});
  return n;
}

// sealed_records.cpp kCompareAndSetScript
RedisValue compareAndSet(const ScriptCall& call, const std::vector<std::string>& keys,
                         const std::vector<std::string>& args) {
  RedisValue current = call({"GET", at(keys, 1)});
  if (current.isNil() || current.str != at(args, 1)) return integer(0);
  call({"SET", at(keys, 1), at(args, 2)});
  return integer(1);
}

// api_token_store.cpp kMintScript
RedisValue mintToken(const ScriptCall& call, const std::vector<std::string>& keys,
                     const std::vector<std::string>& args) {
  call({"SET", at(keys, 1), at(args, 1)});
  call({"HSET", at(keys, 2), at(args, 2), at(args, 3)});
  return integer(1);
}

// api_token_store.cpp kRevokeScript
RedisValue revokeToken(const ScriptCall& call, const std::vector<std::string>& keys,
                       const std::vector<std::string>& args) {
  RedisValue hash = call({"HGET", at(keys, 1), at(args, 1)});
  if (hash.isNil()) return integer(0);
  call({"DEL", at(args, 2) + hash.str});
  call({"HDEL", at(keys, 1), at(args, 1)});
  return integer(1);
}

// job_queue.cpp kEnqueueScript
RedisValue enqueue(const ScriptCall& call, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args) {
  RedisValue seen = call({"GET", at(keys, 1)});
  if (!seen.isNil()) {
    RedisValue out;
    out.type = RedisValue::Type::kArray;
    out.elements = {integer(1), bulk(seen.str)};
    return out;
  }
  const size_t n = args.size() >= 4 ? (args.size() - 4) / 8 : 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t a = 5 + i * 8;
    RedisValue entry = call({"XADD", at(keys, 2), "*", "job", at(args, a + 1), "id", at(args, a)});
    const std::string& record = at(keys, 3 + 2 * i);
    call({"HSET",          record,          "state",         "queued",        "stream_id",
          entry.str,       "trigger",       at(args, a + 2), "user",          at(args, a + 3),
          "ref",           at(args, a + 4), "sha",           at(args, a + 5), "delivery",
          at(args, a + 6), "created_at",    at(args, a + 7), "updated_at",    at(args, a + 7)});
    call({"EXPIRE", record, at(args, 2)});
    const std::string& recent = at(keys, 4 + 2 * i);
    call({"LPUSH", recent, at(args, a)});
    call({"LTRIM", recent, "0", std::to_string(std::stoll(at(args, 3)) - 1)});
  }
  call({"SET", at(keys, 1), at(args, 4), "EX", at(args, 1)});
  RedisValue out;
  out.type = RedisValue::Type::kArray;
  out.elements = {integer(0), bulk(at(args, 4))};
  return out;
}

}  // namespace

NativeScript findNativeScript(std::string_view text) {
  const std::pair<const char*, NativeScript> kScripts[] = {
      {kCreateScript, createRecord},         {kRemoveScript, removeRecord},
      {kCompareAndSetScript, compareAndSet}, {kMintScript, mintToken},
      {kRevokeScript, revokeToken},          {kEnqueueScript, enqueue},
  };
  for (const auto& [script, native] : kScripts)
    if (text == script) return native;
  return nullptr;
}

}  // namespace triggerd::testing
