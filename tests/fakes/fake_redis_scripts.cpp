#include "tests/fakes/fake_redis_scripts.h"

#include <openssl/evp.h>

#include <utility>

#include "common/encoding.h"
#include "queue/enqueue_script.h"
#include "store/scripts.h"
#include "tests/fakes/redis_values.h"

namespace triggerd::testing {
namespace {

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
  long long cap = std::stoll(at(args, 2));
  if (cap > 0 && keys.size() > 1 && call({"SCARD", at(keys, 2)}).integer >= cap)
    return redisInteger(-1);
  if (call({"SET", at(keys, 1), at(args, 1), "NX"}).isNil()) return redisInteger(0);
  for (size_t i = 2; i <= keys.size(); ++i) call({"SADD", at(keys, i), at(args, i + 1)});
  return redisInteger(1);
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
  if (current.isNil() || current.str != at(args, 1)) return redisInteger(0);
  call({"SET", at(keys, 1), at(args, 2)});
  return redisInteger(1);
}

// api_token_store.cpp kMintScript
RedisValue mintToken(const ScriptCall& call, const std::vector<std::string>& keys,
                     const std::vector<std::string>& args) {
  call({"SET", at(keys, 1), at(args, 1)});
  call({"HSET", at(keys, 2), at(args, 2), at(args, 3)});
  return redisInteger(1);
}

// api_token_store.cpp kRevokeScript
RedisValue revokeToken(const ScriptCall& call, const std::vector<std::string>& keys,
                       const std::vector<std::string>& args) {
  RedisValue hash = call({"HGET", at(keys, 1), at(args, 1)});
  if (hash.isNil()) return redisInteger(0);
  call({"DEL", at(args, 2) + hash.str});
  call({"HDEL", at(keys, 1), at(args, 1)});
  return redisInteger(1);
}

// lease.cpp kLeaseAcquireScript
RedisValue acquireLease(const ScriptCall& call, const std::vector<std::string>& keys,
                        const std::vector<std::string>& args) {
  RedisValue holder = call({"GET", at(keys, 1)});
  if (holder.isNil()) {
    call({"SET", at(keys, 1), at(args, 1), "PX", at(args, 2)});
    return redisInteger(1);
  }
  if (holder.str == at(args, 1)) {
    call({"PEXPIRE", at(keys, 1), at(args, 2)});
    return redisInteger(1);
  }
  return redisInteger(0);
}

// lease.cpp kLeaseRenewScript
RedisValue renewLease(const ScriptCall& call, const std::vector<std::string>& keys,
                      const std::vector<std::string>& args) {
  if (call({"GET", at(keys, 1)}).str != at(args, 1)) return redisInteger(0);
  call({"PEXPIRE", at(keys, 1), at(args, 2)});
  return redisInteger(1);
}

// lease.cpp kLeaseReleaseScript
RedisValue releaseLease(const ScriptCall& call, const std::vector<std::string>& keys,
                        const std::vector<std::string>& args) {
  RedisValue holder = call({"GET", at(keys, 1)});
  if (holder.isNil() || holder.str != at(args, 1)) return redisInteger(0);
  return call({"DEL", at(keys, 1)});
}

// job_queue.cpp kEnqueueScript
RedisValue enqueue(const ScriptCall& call, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args) {
  RedisValue seen = call({"GET", at(keys, 1)});
  if (!seen.isNil()) {
    return redisArray({redisInteger(1), redisBulk(seen.str)});
  }
  const bool by_push = at(args, 5) == "1";
  if (by_push) {
    RedisValue pushed = call({"GET", at(keys, 3)});
    if (!pushed.isNil()) return redisArray({redisInteger(2), redisBulk(pushed.str)});
  }
  const size_t n = args.size() >= 5 ? (args.size() - 5) / 8 : 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t a = 6 + i * 8;
    RedisValue entry = call({"XADD", at(keys, 2), "*", "job", at(args, a + 1), "id", at(args, a)});
    const std::string& record = at(keys, 4 + 2 * i);
    call({"HSET",          record,          "state",         "queued",        "stream_id",
          entry.str,       "trigger",       at(args, a + 2), "user",          at(args, a + 3),
          "ref",           at(args, a + 4), "sha",           at(args, a + 5), "delivery",
          at(args, a + 6), "created_at",    at(args, a + 7), "updated_at",    at(args, a + 7)});
    call({"EXPIRE", record, at(args, 2)});
    const std::string& recent = at(keys, 5 + 2 * i);
    call({"LPUSH", recent, at(args, a)});
    call({"LTRIM", recent, "0", std::to_string(std::stoll(at(args, 3)) - 1)});
  }
  call({"SET", at(keys, 1), at(args, 4), "EX", at(args, 1)});
  if (by_push) call({"SET", at(keys, 3), at(args, 4), "EX", at(args, 1)});
  return redisArray({redisInteger(0), redisBulk(at(args, 4))});
}

}  // namespace

std::string scriptSha(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha1(), nullptr);
  return hexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

NativeScript findNativeScript(std::string_view text) {
  const std::pair<const char*, NativeScript> kScripts[] = {
      {kCreateScript, createRecord},         {kRemoveScript, removeRecord},
      {kCompareAndSetScript, compareAndSet}, {kMintScript, mintToken},
      {kRevokeScript, revokeToken},          {kEnqueueScript, enqueue},
      {kLeaseAcquireScript, acquireLease},   {kLeaseRenewScript, renewLease},
      {kLeaseReleaseScript, releaseLease},
  };
  for (const auto& [script, native] : kScripts)
    if (text == script) return native;
  return nullptr;
}

}  // namespace triggerd::testing
