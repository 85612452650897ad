#include "tests/fakes/fake_redis_data.h"

#include <fnmatch.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>

#include "tests/fakes/fake_redis_scripts.h"
#include "tests/fakes/redis_values.h"

namespace triggerd::testing {
namespace {

constexpr const char* kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
constexpr const char* kNotInteger = "ERR value is not an integer or out of range";
constexpr const char* kSyntax = "ERR syntax error";
constexpr const char* kNoScript = "NOSCRIPT No matching script. Please use EVAL.";

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<int64_t> toInt(const std::string& s) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return n;
}

// What the fake does not implement must not pass silently: the test that sent it fails.
RedisValue unsupported(const std::string& what) {
  ADD_FAILURE() << "FakeRedisClient does not implement " << what
                << "; implement it in tests/fakes/fake_redis_data.cpp or use a real redis-server";
  return redisError("ERR FakeRedisClient does not implement " + what);
}

// LRANGE/LTRIM index rules: negative counts from the end; the range is clamped.
std::pair<int64_t, int64_t> listRange(int64_t start, int64_t stop, int64_t size) {
  if (start < 0) start = std::max<int64_t>(0, size + start);
  if (stop < 0) stop = size + stop;
  stop = std::min(stop, size - 1);
  return {start, stop};
}

// A stream id "ms-seq" (or "ms", completed with `seq_default`) as a comparable pair.
std::optional<std::pair<int64_t, int64_t>> streamId(const std::string& s, int64_t seq_default) {
  size_t dash = s.find('-');
  auto ms = toInt(s.substr(0, dash));
  if (!ms) return std::nullopt;
  if (dash == std::string::npos) return std::pair{*ms, seq_default};
  auto seq = toInt(s.substr(dash + 1));
  if (!seq) return std::nullopt;
  return std::pair{*ms, *seq};
}

}  // namespace

// name, handler, min and max argument count (with the name; -1: unbounded).
const FakeRedisData::Command FakeRedisData::kCommands[] = {
    {"PING", &FakeRedisData::ping, 1, 1},         {"GET", &FakeRedisData::get, 2, 2},
    {"SET", &FakeRedisData::set, 3, -1},          {"GETDEL", &FakeRedisData::getdel, 2, 2},
    {"MGET", &FakeRedisData::mget, 2, -1},        {"DEL", &FakeRedisData::del, 2, -1},
    {"EXISTS", &FakeRedisData::exists, 2, -1},    {"TYPE", &FakeRedisData::type, 2, 2},
    {"KEYS", &FakeRedisData::keys, 2, 2},         {"EXPIRE", &FakeRedisData::expire, 3, 3},
    {"PEXPIRE", &FakeRedisData::pexpire, 3, 3},   {"TTL", &FakeRedisData::ttl, 2, 2},
    {"SADD", &FakeRedisData::sadd, 3, -1},        {"SREM", &FakeRedisData::srem, 3, -1},
    {"SMEMBERS", &FakeRedisData::smembers, 2, 2}, {"SISMEMBER", &FakeRedisData::sismember, 3, 3},
    {"SCARD", &FakeRedisData::scard, 2, 2},       {"HSET", &FakeRedisData::hset, 4, -1},
    {"HGET", &FakeRedisData::hget, 3, 3},         {"HDEL", &FakeRedisData::hdel, 3, -1},
    {"HGETALL", &FakeRedisData::hgetall, 2, 2},   {"HVALS", &FakeRedisData::hvals, 2, 2},
    {"LPUSH", &FakeRedisData::lpush, 3, -1},      {"LTRIM", &FakeRedisData::ltrim, 4, 4},
    {"LRANGE", &FakeRedisData::lrange, 4, 4},     {"LLEN", &FakeRedisData::llen, 2, 2},
    {"XADD", &FakeRedisData::xadd, 5, -1},        {"XLEN", &FakeRedisData::xlen, 2, 2},
    {"XRANGE", &FakeRedisData::xrange, 4, 6},     {"XREVRANGE", &FakeRedisData::xrevrange, 4, 6},
    {"XTRIM", &FakeRedisData::xtrim, 4, 5},       {"XPENDING", &FakeRedisData::xpending, 3, 3},
    {"EVAL", &FakeRedisData::eval, 3, -1},        {"EVALSHA", &FakeRedisData::evalsha, 3, -1},
    {"SCRIPT", &FakeRedisData::script, 2, -1},    {"HMGET", &FakeRedisData::hmget, 3, -1},
};

FakeRedisData::FakeRedisData()
    : now_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count()) {}

RedisValue FakeRedisData::execute(const std::vector<std::string>& argv) {
  if (argv.empty()) return unsupported("an empty command");
  const std::string name = upper(argv[0]);
  for (const Command& c : kCommands) {
    if (name != c.name) continue;
    const int n = static_cast<int>(argv.size());
    if (n < c.min_args || (c.max_args >= 0 && n > c.max_args))
      return redisError("ERR wrong number of arguments for '" + lower(name) + "' command");
    try {
      return (this->*c.handler)(argv);
    } catch (const ErrorReply& e) {
      return redisError(e.message);
    }
  }
  return unsupported("the command " + name);
}

FakeRedisData::Value* FakeRedisData::find(const std::string& key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return nullptr;
  if (it->second.expires_at_ms && *it->second.expires_at_ms <= now_ms_) {
    keys_.erase(it);
    return nullptr;
  }
  return &it->second;
}

FakeRedisData::Value* FakeRedisData::findTyped(const std::string& key, Type type) {
  Value* v = find(key);
  if (v && v->type != type) throw ErrorReply{kWrongType};
  return v;
}

FakeRedisData::Value& FakeRedisData::create(const std::string& key, Type type) {
  Value& v = keys_[key];
  v = Value{};
  v.type = type;
  return v;
}

void FakeRedisData::dropIfEmpty(const std::string& key) {
  Value* v = find(key);
  if (!v) return;
  if ((v->type == Type::kSet && v->members.empty()) ||
      (v->type == Type::kHash && v->fields.empty()) || (v->type == Type::kList && v->list.empty()))
    keys_.erase(key);
}

// --- strings ---------------------------------------------------------------------------------

RedisValue FakeRedisData::ping(const Args&) {
  return redisStatus("PONG");
}

RedisValue FakeRedisData::get(const Args& a) {
  Value* v = findTyped(a[1], Type::kString);
  return v ? redisBulk(v->str) : redisNil();
}

RedisValue FakeRedisData::set(const Args& a) {
  bool nx = false, xx = false, get = false;
  std::optional<int64_t> ex;
  for (size_t i = 3; i < a.size(); ++i) {
    const std::string option = upper(a[i]);
    if (option == "NX") {
      nx = true;
    } else if (option == "XX") {
      xx = true;
    } else if (option == "GET") {
      get = true;
    } else if (option == "EX" || option == "PX") {
      if (++i >= a.size()) return redisError(kSyntax);
      ex = toInt(a[i]);
      if (!ex) return redisError(kNotInteger);
      if (*ex <= 0) return redisError("ERR invalid expire time in 'set' command");
      if (option == "EX") *ex *= 1000;  // kept in milliseconds
    } else {
      return unsupported("SET option " + a[i]);
    }
  }
  if (nx && xx) return redisError(kSyntax);
  // GET: the value it replaces (nil if none); a key of another type is refused untouched.
  RedisValue old = redisNil();
  if (get) {
    Value* current = findTyped(a[1], Type::kString);
    if (current) old = redisBulk(current->str);
  }
  const bool exists = find(a[1]) != nullptr;
  if ((nx && exists) || (xx && !exists)) return get ? old : redisNil();
  Value& v = create(a[1], Type::kString);
  v.str = a[2];
  if (ex) v.expires_at_ms = now_ms_ + *ex;
  return get ? old : redisStatus("OK");
}

RedisValue FakeRedisData::getdel(const Args& a) {
  RedisValue v = get(a);
  if (v.isString()) keys_.erase(a[1]);
  return v;
}

RedisValue FakeRedisData::mget(const Args& a) {
  RedisValue out = redisArray();
  for (size_t i = 1; i < a.size(); ++i) {
    Value* v = find(a[i]);
    out.elements.push_back(v && v->type == Type::kString ? redisBulk(v->str) : redisNil());
  }
  return out;
}

RedisValue FakeRedisData::del(const Args& a) {
  int64_t n = 0;
  for (size_t i = 1; i < a.size(); ++i) {
    if (find(a[i])) {
      keys_.erase(a[i]);
      ++n;
    }
  }
  return redisInteger(n);
}

RedisValue FakeRedisData::exists(const Args& a) {
  int64_t n = 0;
  for (size_t i = 1; i < a.size(); ++i) n += find(a[i]) ? 1 : 0;
  return redisInteger(n);
}

RedisValue FakeRedisData::type(const Args& a) {
  Value* v = find(a[1]);
  if (!v) return redisStatus("none");
  switch (v->type) {
    case Type::kString:
      return redisStatus("string");
    case Type::kSet:
      return redisStatus("set");
    case Type::kHash:
      return redisStatus("hash");
    case Type::kList:
      return redisStatus("list");
    case Type::kStream:
      return redisStatus("stream");
  }
  return redisStatus("none");
}

RedisValue FakeRedisData::keys(const Args& a) {
  RedisValue out = redisArray();
  std::vector<std::string> names;
  for (const auto& [name, value] : keys_) names.push_back(name);
  for (const auto& name : names)
    if (find(name) && fnmatch(a[1].c_str(), name.c_str(), 0) == 0)
      out.elements.push_back(redisBulk(name));
  return out;
}

RedisValue FakeRedisData::expire(const Args& a) {
  auto seconds = toInt(a[2]);
  if (!seconds) return redisError(kNotInteger);
  Value* v = find(a[1]);
  if (!v) return redisInteger(0);
  if (*seconds <= 0) {
    keys_.erase(a[1]);
  } else {
    v->expires_at_ms = now_ms_ + *seconds * 1000;
  }
  return redisInteger(1);
}

RedisValue FakeRedisData::pexpire(const Args& a) {
  auto ms = toInt(a[2]);
  if (!ms) return redisError(kNotInteger);
  Value* v = find(a[1]);
  if (!v) return redisInteger(0);
  if (*ms <= 0) {
    keys_.erase(a[1]);
  } else {
    v->expires_at_ms = now_ms_ + *ms;
  }
  return redisInteger(1);
}

RedisValue FakeRedisData::ttl(const Args& a) {
  Value* v = find(a[1]);
  if (!v) return redisInteger(-2);
  if (!v->expires_at_ms) return redisInteger(-1);
  return redisInteger((*v->expires_at_ms - now_ms_ + 500) / 1000);
}

// --- sets ------------------------------------------------------------------------------------

RedisValue FakeRedisData::sadd(const Args& a) {
  Value* v = findTyped(a[1], Type::kSet);
  if (!v) v = &create(a[1], Type::kSet);
  int64_t added = 0;
  for (size_t i = 2; i < a.size(); ++i) added += v->members.insert(a[i]).second ? 1 : 0;
  return redisInteger(added);
}

RedisValue FakeRedisData::srem(const Args& a) {
  Value* v = findTyped(a[1], Type::kSet);
  if (!v) return redisInteger(0);
  int64_t removed = 0;
  for (size_t i = 2; i < a.size(); ++i) removed += static_cast<int64_t>(v->members.erase(a[i]));
  dropIfEmpty(a[1]);
  return redisInteger(removed);
}

RedisValue FakeRedisData::smembers(const Args& a) {
  Value* v = findTyped(a[1], Type::kSet);
  RedisValue out = redisArray();
  if (v)
    for (const auto& m : v->members) out.elements.push_back(redisBulk(m));
  return out;
}

RedisValue FakeRedisData::sismember(const Args& a) {
  Value* v = findTyped(a[1], Type::kSet);
  return redisInteger(v && v->members.count(a[2]) ? 1 : 0);
}

RedisValue FakeRedisData::scard(const Args& a) {
  Value* v = findTyped(a[1], Type::kSet);
  return redisInteger(v ? static_cast<int64_t>(v->members.size()) : 0);
}

// --- hashes ----------------------------------------------------------------------------------

RedisValue FakeRedisData::hset(const Args& a) {
  if (a.size() % 2 != 0) return redisError("ERR wrong number of arguments for 'hset' command");
  Value* v = findTyped(a[1], Type::kHash);
  if (!v) v = &create(a[1], Type::kHash);
  int64_t added = 0;
  for (size_t i = 2; i + 1 < a.size(); i += 2) {
    auto it = std::find_if(v->fields.begin(), v->fields.end(),
                           [&](const auto& f) { return f.first == a[i]; });
    if (it != v->fields.end()) {
      it->second = a[i + 1];
    } else {
      v->fields.emplace_back(a[i], a[i + 1]);
      ++added;
    }
  }
  return redisInteger(added);
}

RedisValue FakeRedisData::hget(const Args& a) {
  Value* v = findTyped(a[1], Type::kHash);
  if (v)
    for (const auto& [field, value] : v->fields)
      if (field == a[2]) return redisBulk(value);
  return redisNil();
}

RedisValue FakeRedisData::hmget(const Args& a) {
  std::vector<RedisValue> values;
  for (size_t i = 2; i < a.size(); ++i) values.push_back(hget({a[0], a[1], a[i]}));
  return redisArray(std::move(values));
}

RedisValue FakeRedisData::hdel(const Args& a) {
  Value* v = findTyped(a[1], Type::kHash);
  if (!v) return redisInteger(0);
  int64_t removed = 0;
  for (size_t i = 2; i < a.size(); ++i) {
    auto it = std::find_if(v->fields.begin(), v->fields.end(),
                           [&](const auto& f) { return f.first == a[i]; });
    if (it != v->fields.end()) {
      v->fields.erase(it);
      ++removed;
    }
  }
  dropIfEmpty(a[1]);
  return redisInteger(removed);
}

RedisValue FakeRedisData::hgetall(const Args& a) {
  Value* v = findTyped(a[1], Type::kHash);
  RedisValue out = redisArray();
  if (v) {
    for (const auto& [field, value] : v->fields) {
      out.elements.push_back(redisBulk(field));
      out.elements.push_back(redisBulk(value));
    }
  }
  return out;
}

RedisValue FakeRedisData::hvals(const Args& a) {
  Value* v = findTyped(a[1], Type::kHash);
  RedisValue out = redisArray();
  if (v)
    for (const auto& field : v->fields) out.elements.push_back(redisBulk(field.second));
  return out;
}

// --- lists -----------------------------------------------------------------------------------

RedisValue FakeRedisData::lpush(const Args& a) {
  Value* v = findTyped(a[1], Type::kList);
  if (!v) v = &create(a[1], Type::kList);
  for (size_t i = 2; i < a.size(); ++i) v->list.push_front(a[i]);
  return redisInteger(static_cast<int64_t>(v->list.size()));
}

RedisValue FakeRedisData::ltrim(const Args& a) {
  auto start = toInt(a[2]), stop = toInt(a[3]);
  if (!start || !stop) return redisError(kNotInteger);
  Value* v = findTyped(a[1], Type::kList);
  if (!v) return redisStatus("OK");
  auto [from, to] = listRange(*start, *stop, static_cast<int64_t>(v->list.size()));
  std::deque<std::string> kept;
  for (int64_t i = from; i <= to; ++i) kept.push_back(v->list[static_cast<size_t>(i)]);
  v->list = std::move(kept);
  dropIfEmpty(a[1]);
  return redisStatus("OK");
}

RedisValue FakeRedisData::lrange(const Args& a) {
  auto start = toInt(a[2]), stop = toInt(a[3]);
  if (!start || !stop) return redisError(kNotInteger);
  Value* v = findTyped(a[1], Type::kList);
  RedisValue out = redisArray();
  if (!v) return out;
  auto [from, to] = listRange(*start, *stop, static_cast<int64_t>(v->list.size()));
  for (int64_t i = from; i <= to; ++i)
    out.elements.push_back(redisBulk(v->list[static_cast<size_t>(i)]));
  return out;
}

RedisValue FakeRedisData::llen(const Args& a) {
  Value* v = findTyped(a[1], Type::kList);
  return redisInteger(v ? static_cast<int64_t>(v->list.size()) : 0);
}

// --- streams, as far as the enqueue goes --------------------------------------------------------

RedisValue FakeRedisData::xadd(const Args& a) {
  if (a[2] != "*") return unsupported("XADD with " + a[2] + " (only an auto id, *)");
  if (a.size() % 2 != 1) return redisError("ERR wrong number of arguments for 'xadd' command");
  Value* v = findTyped(a[1], Type::kStream);
  if (!v) v = &create(a[1], Type::kStream);
  if (now_ms_ > last_stream_ms_) {
    last_stream_ms_ = now_ms_;
    last_stream_seq_ = 0;
  } else {
    ++last_stream_seq_;
  }
  StreamEntry entry;
  entry.id = std::to_string(last_stream_ms_) + "-" + std::to_string(last_stream_seq_);
  entry.fields.assign(a.begin() + 3, a.end());
  v->stream.push_back(entry);
  return redisBulk(entry.id);
}

RedisValue FakeRedisData::xlen(const Args& a) {
  Value* v = findTyped(a[1], Type::kStream);
  return redisInteger(v ? static_cast<int64_t>(v->stream.size()) : 0);
}

RedisValue FakeRedisData::xrange(const Args& a) {
  return streamRange(a, false);
}

// XREVRANGE key end start [COUNT n]: XRANGE's entries, newest first.
RedisValue FakeRedisData::xrevrange(const Args& a) {
  return streamRange(a, true);
}

RedisValue FakeRedisData::streamRange(const Args& a, bool reverse) {
  const std::string& low = reverse ? a[3] : a[2];
  const std::string& high = reverse ? a[2] : a[3];
  auto from = low == "-" ? std::pair<int64_t, int64_t>{0, 0} : streamId(low, 0);
  auto to =
      high == "+" ? std::pair<int64_t, int64_t>{INT64_MAX, INT64_MAX} : streamId(high, INT64_MAX);
  if (!from || !to) return redisError("ERR Invalid stream ID specified as stream command argument");
  std::optional<int64_t> count;
  if (a.size() > 4) {
    if (a.size() != 6 || upper(a[4]) != "COUNT") return redisError(kSyntax);
    count = toInt(a[5]);
    if (!count) return redisError(kNotInteger);
  }
  Value* v = findTyped(a[1], Type::kStream);
  RedisValue out = redisArray();
  if (!v) return out;
  auto add = [&](const StreamEntry& entry) {
    if (count && static_cast<int64_t>(out.elements.size()) >= *count) return;
    auto id = streamId(entry.id, 0);
    if (*id < *from || *id > *to) return;
    RedisValue fields = redisArray();
    for (const auto& f : entry.fields) fields.elements.push_back(redisBulk(f));
    out.elements.push_back(redisArray({redisBulk(entry.id), std::move(fields)}));
  };
  if (reverse) {
    for (auto it = v->stream.rbegin(); it != v->stream.rend(); ++it) add(*it);
  } else {
    for (const auto& entry : v->stream) add(entry);
  }
  return out;
}

// XTRIM key MAXLEN|MINID [=] threshold, exact trimming only (triggerd never asks for ~ here).
RedisValue FakeRedisData::xtrim(const Args& a) {
  const std::string strategy = upper(a[2]);
  if (a.size() == 5 && a[3] != "=") return redisError(kSyntax);
  const std::string& threshold = a.back();
  Value* v = findTyped(a[1], Type::kStream);
  size_t keep_from = 0;
  if (strategy == "MAXLEN") {
    auto max = toInt(threshold);
    if (!max || *max < 0) return redisError(kNotInteger);
    if (v && v->stream.size() > static_cast<size_t>(*max))
      keep_from = v->stream.size() - static_cast<size_t>(*max);
  } else if (strategy == "MINID") {
    auto min = streamId(threshold, 0);
    if (!min) return redisError("ERR Invalid stream ID specified as stream command argument");
    if (v)
      while (keep_from < v->stream.size() && *streamId(v->stream[keep_from].id, 0) < *min)
        ++keep_from;
  } else {
    return redisError(kSyntax);
  }
  if (!v) return redisInteger(0);
  v->stream.erase(v->stream.begin(), v->stream.begin() + static_cast<std::ptrdiff_t>(keep_from));
  return redisInteger(static_cast<int64_t>(keep_from));
}

// This stand-in has no consumer groups (XGROUP is not implemented), so every group is missing,
// as in a Redis where none was created.
RedisValue FakeRedisData::xpending(const Args& a) {
  return redisError("NOGROUP No such key '" + a[1] + "' or consumer group '" + a[2] + "'");
}

// --- scripts ---------------------------------------------------------------------------------

RedisValue FakeRedisData::eval(const Args& a) {
  if (!findNativeScript(a[1])) {
    size_t end = a[1].find('\n', 1);
    return unsupported("the script \"" + a[1].substr(0, std::min<size_t>(end, 80)) + "...\"");
  }
  scripts_[scriptSha(a[1])] = a[1];  // EVAL caches the script, so a later EVALSHA finds it
  return runScript(a[1], a);
}

RedisValue FakeRedisData::evalsha(const Args& a) {
  auto it = scripts_.find(lower(a[1]));
  if (it == scripts_.end()) return redisError(kNoScript);
  return runScript(it->second, a);
}

RedisValue FakeRedisData::script(const Args& a) {
  const std::string sub = upper(a[1]);
  if (sub == "FLUSH" && a.size() == 2) {
    scripts_.clear();
    return redisStatus("OK");
  }
  if (sub == "LOAD" && a.size() == 3) {
    if (!findNativeScript(a[2])) return unsupported("SCRIPT LOAD of an unknown script");
    scripts_[scriptSha(a[2])] = a[2];
    return redisBulk(scriptSha(a[2]));
  }
  return unsupported("SCRIPT " + sub);
}

RedisValue FakeRedisData::runScript(const std::string& text, const Args& a) {
  auto numkeys = toInt(a[2]);
  if (!numkeys) return redisError(kNotInteger);
  if (*numkeys < 0) return redisError("ERR Number of keys can't be negative");
  if (static_cast<size_t>(*numkeys) > a.size() - 3)
    return redisError("ERR Number of keys can't be greater than number of args");
  const auto first_arg = a.begin() + 3 + *numkeys;
  std::vector<std::string> keys(a.begin() + 3, first_arg);
  std::vector<std::string> args(first_arg, a.end());
  ScriptCall call = [this](const std::vector<std::string>& argv) {
    RedisValue v = execute(argv);
    if (v.isError()) throw ScriptError{v.str};
    return v;
  };
  try {
    return findNativeScript(text)(call, keys, args);
  } catch (const ScriptError& e) {
    return redisError(e.reply);
  }
}

}  // namespace triggerd::testing
