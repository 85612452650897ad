// SealedRecords: JSON records in Redis whose secret fields are sealed with the keyring. Shared by
// the trigger store (hook secrets) and the source store (provider tokens), so both read, write,
// index, update and reseal the same way.
//
// A sealed field is bound (AEAD associated data) to a context string the caller builds from the
// record's key and every field that decides where the secret may be used; a value copied to
// another record, or a record whose binding fields were edited in Redis, does not open.
//
// Records are stored as text; indexes are Redis sets naming each record. Every callback runs
// exactly once, on a later loop turn (the RedisClient contract); Redis failures arrive as
// Error{503} with one wording (redis/reply.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/random.h"
#include "common/result.h"
#include "crypto/keyring.h"
#include "redis/redis_client.h"

namespace triggerd {

// A set that lists a record (e.g. user:alice:triggers ∋ <id>).
struct IndexEntry {
  std::string set_key;
  std::string member;
};

class SealedRecords {
 public:
  SealedRecords(RedisClient& redis, const Keyring& keyring, Random& rng);

  // --- fields ---
  std::string seal(std::string_view clear, std::string_view binding) const;
  // Opens a sealed field; the error names `what` ("the token of source:alice:github") but never
  // the value.
  Result<SecretString> open(std::string_view sealed, std::string_view binding,
                            std::string_view what) const;
  bool needsReseal(std::string_view sealed) const { return keyring_.needsReseal(sealed); }
  const Keyring& keyring() const { return keyring_; }

  // --- records ---
  enum class Created {
    kYes,
    kExists,     // the key exists: nothing written
    kIndexFull,  // the first index already holds `max_first_index` members: nothing written
  };
  // Writes a new record and adds it to its indexes atomically. With `max_first_index` > 0, the
  // first index may hold at most that many members (a per-user cap).
  void create(const std::string& key, const std::vector<IndexEntry>& indexes, std::string text,
              std::function<void(Result<Created>)> cb, size_t max_first_index = 0);
  // Overwrites an existing record; false when it is gone.
  void replace(const std::string& key, std::string text, std::function<void(Result<bool>)> cb);
  // Writes `text` only if the record still holds `expected`; false when it changed or is gone.
  void compareAndSet(const std::string& key, std::string expected, std::string text,
                     std::function<void(Result<bool>)> cb);
  // Read-modify-write without lost updates: reads the record, lets `modify` produce the new
  // text (or an Error that aborts), and writes it with compareAndSet, starting over when a
  // concurrent writer got in between (a few times, then 503). nullopt from `modify` leaves the
  // record as it is. The result is the text now stored, or nullopt when the record is gone.
  using Modify = std::function<Result<std::optional<std::string>>(const std::string& current)>;
  void update(const std::string& key, Modify modify,
              std::function<void(Result<std::optional<std::string>>)> cb);
  void get(const std::string& key, std::function<void(Result<std::optional<std::string>>)> cb);
  void getMany(std::vector<std::string> keys,
               std::function<void(Result<std::vector<std::optional<std::string>>>)> cb);
  void members(const std::string& set_key,
               std::function<void(Result<std::vector<std::string>>)> cb);
  // Deletes a record and removes it from its indexes atomically; false when it did not exist.
  void remove(const std::string& key, const std::vector<IndexEntry>& indexes,
              std::function<void(Result<bool>)> cb);

  static constexpr int kUpdateAttempts = 5;

 private:
  void updateAttempt(std::string key, Modify modify, int attempt,
                     std::function<void(Result<std::optional<std::string>>)> cb);

  RedisClient& redis_;
  const Keyring& keyring_;
  Random& rng_;
};

}  // namespace triggerd
