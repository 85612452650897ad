#include "redis/cluster_slots.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace triggerd {
namespace {

constexpr std::array<uint16_t, 256> makeCrcTable() {
  std::array<uint16_t, 256> table{};
  for (unsigned i = 0; i < 256; ++i) {
    auto crc = static_cast<uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit)
      crc = static_cast<uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    table[i] = crc;
  }
  return table;
}

constexpr std::array<uint16_t, 256> kCrcTable = makeCrcTable();

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool oneOf(const std::string& name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

uint16_t crc16Xmodem(std::string_view data) {
  uint16_t crc = 0;
  for (unsigned char c : data)
    crc = static_cast<uint16_t>((crc << 8) ^ kCrcTable[((crc >> 8) ^ c) & 0xff]);
  return crc;
}

std::string_view hashTagOf(std::string_view key) {
  size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

int keySlot(std::string_view key) {
  return crc16Xmodem(hashTagOf(key)) & (kClusterSlots - 1);
}

std::vector<std::string_view> commandKeys(const std::vector<std::string>& argv) {
  std::vector<std::string_view> keys;
  if (argv.empty()) return keys;
  const std::string name = upper(argv[0]);
  if (oneOf(name, {"PING",         "ECHO",     "AUTH",     "HELLO",     "SELECT",    "CONFIG",
                   "INFO",         "ROLE",     "WAIT",     "SCRIPT",    "CLUSTER",   "CLIENT",
                   "TIME",         "DBSIZE",   "FLUSHALL", "FLUSHDB",   "KEYS",      "SCAN",
                   "RANDOMKEY",    "MULTI",    "EXEC",     "DISCARD",   "ASKING",    "READONLY",
                   "READWRITE",    "SENTINEL", "COMMAND",  "LASTSAVE",  "SAVE",      "BGSAVE",
                   "BGREWRITEAOF", "FUNCTION", "PUBLISH",  "SUBSCRIBE", "MONITOR",   "DEBUG",
                   "SLOWLOG",      "MEMORY",   "LATENCY",  "FAILOVER",  "REPLICAOF", "SLAVEOF",
                   "SHUTDOWN",     "SWAPDB",   "QUIT",     "RESET"})) {
    return keys;
  }
  if (oneOf(name, {"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"})) {
    size_t n = 0;
    if (argv.size() < 3) return keys;
    const std::string& count = argv[2];
    auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (ec != std::errc() || end != count.data() + count.size()) return keys;
    for (size_t i = 3; i < argv.size() && i < 3 + n; ++i) keys.emplace_back(argv[i]);
    return keys;
  }
  if (name == "XREAD" || name == "XREADGROUP") {
    for (size_t i = 1; i < argv.size(); ++i) {
      if (upper(argv[i]) != "STREAMS") continue;
      size_t rest = argv.size() - i - 1;
      for (size_t k = 0; k < rest / 2; ++k) keys.emplace_back(argv[i + 1 + k]);
      break;
    }
    return keys;
  }
  if (name == "XGROUP" || name == "XINFO" || name == "OBJECT") {
    if (argv.size() > 2) keys.emplace_back(argv[2]);
    return keys;
  }
  if (oneOf(name, {"MGET", "DEL", "UNLINK", "EXISTS", "TOUCH", "WATCH", "SUNION", "SINTER", "SDIFF",
                   "PFCOUNT"})) {
    for (size_t i = 1; i < argv.size(); ++i) keys.emplace_back(argv[i]);
    return keys;
  }
  if (name == "MSET" || name == "MSETNX") {
    for (size_t i = 1; i < argv.size(); i += 2) keys.emplace_back(argv[i]);
    return keys;
  }
  if (oneOf(name, {"RENAME", "RENAMENX", "SMOVE", "LMOVE", "RPOPLPUSH", "COPY"})) {
    for (size_t i = 1; i < argv.size() && i < 3; ++i) keys.emplace_back(argv[i]);
    return keys;
  }
  if (argv.size() > 1) keys.emplace_back(argv[1]);
  return keys;
}

int commandSlot(const std::vector<std::string>& argv) {
  int slot = kNoKeys;
  for (std::string_view key : commandKeys(argv)) {
    int s = keySlot(key);
    if (slot == kNoKeys)
      slot = s;
    else if (s != slot)
      return kCrossSlot;
  }
  return slot;
}

}  // namespace triggerd
