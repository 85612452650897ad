// Redis Cluster's placement rules, pure: the hash slot of a key (CRC16/XMODEM of its hash tag or
// of the whole key, modulo 16384) and which arguments of a command are keys, so that a cluster
// client can route a command to the primary serving its slot.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace triggerd {

inline constexpr int kClusterSlots = 16384;

// CRC16/XMODEM (polynomial 0x1021, initial value 0), the checksum Redis Cluster hashes keys with.
uint16_t crc16Xmodem(std::string_view data);
// The part of a key that is hashed: the text between its first '{' and the next '}' when that
// is not empty (the hash tag), else the whole key.
std::string_view hashTagOf(std::string_view key);
// The hash slot of a key, 0..16383.
int keySlot(std::string_view key);

// The key arguments of a command, as Redis Cluster routes it: EVAL/EVALSHA take numkeys keys
// after the script, XREAD/XREADGROUP the first half of the arguments after STREAMS, XGROUP and
// XINFO their third argument, MGET/DEL/EXISTS/UNLINK/TOUCH/WATCH every argument, MSET every
// other one; commands without keys (PING, CONFIG, WAIT, ROLE, SCRIPT, CLUSTER, INFO, ...) have
// none; every other command has its first argument as its one key.
std::vector<std::string_view> commandKeys(const std::vector<std::string>& argv);

inline constexpr int kNoKeys = -1;     // commandSlot(): the command names no key
inline constexpr int kCrossSlot = -2;  // commandSlot(): its keys hash to different slots
// The one slot every key of the command hashes to, kNoKeys or kCrossSlot.
int commandSlot(const std::vector<std::string>& argv);

}  // namespace triggerd
