#include "tests/fakes/fake_redis_scripts.h"

#include <openssl/evp.h>

#include <algorithm>
#include <optional>
#include <sstream>
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
  struct List {
    std::string length;
    std::vector<std::string> ids;
  };
  std::vector<std::pair<std::string, List>> lists;  // in the order first named
  auto list = [&lists](const std::string& key, const std::string& id, const std::string& length) {
    auto it =
        std::find_if(lists.begin(), lists.end(), [&](const auto& l) { return l.first == key; });
    if (it == lists.end()) it = lists.insert(lists.end(), {key, List{length, {}}});
    it->second.ids.push_back(id);
  };
  const size_t fields = std::stoul(at(args, 7));
  std::vector<RedisValue> replies;
  size_t a = 8 + fields, k = 2;
  while (a <= args.size()) {
    const std::string& flags = at(args, a);
    const size_t m = std::stoul(at(args, a + 4));
    const bool d = flags.find('d') != std::string::npos;
    const bool p = flags.find('p') != std::string::npos;
    const bool s = flags.find('s') != std::string::npos;
    std::optional<RedisValue> reply;
    if (d) {
      RedisValue seen = call({"GET", at(keys, k)});
      if (!seen.isNil()) reply = redisArray({redisInteger(1), redisBulk(seen.str)});
    }
    if (p && !reply) {
      RedisValue pushed = call({"GET", at(keys, k + 1)});
      if (!pushed.isNil()) {
        const size_t line = pushed.str.find('\n');
        if (line == std::string::npos) {
          reply = redisArray({redisInteger(1), redisBulk(pushed.str)});
        } else {
          const bool same = pushed.str.substr(line + 1) == at(args, a + 3);
          reply = redisArray({redisInteger(same ? 1 : 2), redisBulk(pushed.str.substr(0, line))});
        }
      }
    }
    size_t j = a + 5;
    if (reply) {
      j += m * (2 + fields);
    } else {
      std::vector<RedisValue> entries;
      for (size_t i = 1; i <= m; ++i) {
        const std::string& id = at(args, j);
        const std::string& record = at(keys, k + 4 + i);
        RedisValue entry = call({"XADD", at(keys, 1), "*", "job", at(args, j + 1), "id", id});
        entries.push_back(redisBulk(entry.str));
        std::vector<std::string> hset{"HSET",  record,   "stream_id",  entry.str,
                                      "state", "queued", "created_at", at(args, 5)};
        for (size_t f = 1; f <= fields; ++f) {
          if (at(args, j + 1 + f).empty()) continue;
          hset.push_back(at(args, 7 + f));
          hset.push_back(at(args, j + 1 + f));
        }
        call(hset);
        call({"EXPIRE", record, at(args, 2)});
        list(at(keys, k + 3), id, at(args, 3));
        list(at(keys, k + 4), id, at(args, 4));
        j += 2 + fields;
      }
      std::vector<RedisValue> superseded;
      if (m > 0 && s) {
        RedisValue latest =
            call({"SET", at(keys, k + 2), at(args, a + 2), "EX", at(args, 2), "GET"});
        if (!latest.isNil()) {
          std::istringstream words(latest.str);
          for (std::string old; words >> old;) {
            const std::string record = at(args, 6) + old;
            RedisValue now = call({"HMGET", record, "state", "stream_id"});
            if (now.elements.size() == 2 && now.elements[0].str == "queued") {
              call({"HSET", record, "state", "superseded", "finished_at", at(args, 5)});
              superseded.push_back(redisBulk(old));
              superseded.push_back(redisBulk(now.elements[1].str));
            }
          }
        }
      }
      if (d) call({"SET", at(keys, k), at(args, a + 1), "EX", at(args, 1)});
      if (p)
        call({"SET", at(keys, k + 1), at(args, a + 1) + "\n" + at(args, a + 3), "EX", at(args, 1)});
      reply = redisArray({redisInteger(0), redisBulk(at(args, a + 1)),
                          redisArray(std::move(superseded)), redisArray(std::move(entries))});
    }
    replies.push_back(std::move(*reply));
    a = j;
    k += 5 + m;
  }
  for (auto& [key, l] : lists) {
    std::vector<std::string> lpush{"LPUSH", key};
    lpush.insert(lpush.end(), l.ids.begin(), l.ids.end());
    call(lpush);
    call({"LTRIM", key, "0", std::to_string(std::stoll(l.length) - 1)});
    call({"EXPIRE", key, at(args, 2)});
  }
  return redisArray(std::move(replies));
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
      {kRevokeScript, revokeToken},          {kEnqueueScript.text().c_str(), enqueue},
      {kLeaseAcquireScript, acquireLease},   {kLeaseRenewScript, renewLease},
      {kLeaseReleaseScript, releaseLease},
  };
  for (const auto& [script, native] : kScripts)
    if (text == script) return native;
  return nullptr;
}

}  // namespace triggerd::testing
