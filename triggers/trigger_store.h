// Triggers in Redis (keys.h: trigger:{id}, user:{user}:triggers, triggers) as sealed records:
// hook secrets and signing keys are sealed with the keyring, bound to the trigger id, and opened
// only in memory.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "redis/keys.h"
#include "store/sealed_records.h"
#include "triggers/trigger.h"

namespace triggerd {

class TriggerStore {
 public:
  TriggerStore(SealedRecords& records, Keys keys);

  // Writes a new trigger and indexes it under its user. 409 if the id exists; 422 when the user
  // has `max_per_user` triggers already (0: no cap).
  void create(const Trigger& trigger, std::function<void(Status)> cb, size_t max_per_user = 0);
  // Changes a stored trigger without losing concurrent updates: `change` edits the trigger as
  // it is stored now (it may run more than once) and may refuse with an Error; the result is
  // the trigger as written. 404 when it does not exist.
  using Change = std::function<Status(Trigger&)>;
  void update(const std::string& id, Change change, std::function<void(Result<Trigger>)> cb);
  // The trigger, or nullopt when there is none with that id.
  void get(const std::string& id, std::function<void(Result<std::optional<Trigger>>)> cb);
  // The raw stored text of a trigger (nullopt if absent); the webhook path caches on it.
  void getRaw(const std::string& id, std::function<void(Result<std::optional<std::string>>)> cb);
  // A user's triggers, oldest first; unreadable records are logged and skipped.
  void list(const std::string& user, std::function<void(Result<std::vector<Trigger>>)> cb);
  // Every trigger id (the reseal sweep and reconcilers walk them).
  void allIds(std::function<void(Result<std::vector<std::string>>)> cb);
  // 404 when it does not exist.
  void remove(const Trigger& trigger, std::function<void(Status)> cb);

  // Encoding, public for the webhook cache, the reseal sweep and tests. decode() opens the
  // sealed secrets.
  std::string encode(const Trigger& trigger) const;
  Result<Trigger> decode(std::string_view stored) const;
  // True when a secret in the stored text is sealed with an older key.
  bool needsReseal(std::string_view stored) const;

  const Keys& keys() const { return keys_; }
  SealedRecords& records() { return records_; }

  // Called with a trigger's id once an update() or remove() of it through this store finished
  // (whatever the outcome): the webhook path's cache drops what it held. One listener; empty
  // clears it.
  void setChangeListener(std::function<void(const std::string& id)> listener) {
    changed_ = std::move(listener);
  }

 private:
  std::vector<IndexEntry> indexes(const Trigger& t) const;

  void changed(const std::string& id) const {
    if (changed_) changed_(id);
  }

  SealedRecords& records_;
  Keys keys_;
  std::function<void(const std::string&)> changed_;
};

}  // namespace triggerd
