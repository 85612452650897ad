// TriggerCache: decoded triggers for the webhook path, reused while their stored text is
// unchanged, so a delivery skips JSON decoding and secret opening; and their compiled rules,
// built only when a delivery that passed its signature check needs them (an unsigned request
// never makes triggerd compile anything).
//
// Bounded twice, least recently used first out: by entries, and by the RE2 program size of
// the compiled rules it holds (triggers.rule_cache_program_size). Loop thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/result.h"
#include "rules/build_rule.h"
#include "triggers/trigger.h"

namespace triggerd {

class TriggerCache {
 public:
  struct Entry {
    std::shared_ptr<const Trigger> trigger;
    std::shared_ptr<const CompiledRules> rules;  // null until compiled
  };
  using Decode = std::function<Result<Trigger>(std::string_view raw)>;

  explicit TriggerCache(size_t max_program_size, size_t max_entries = 10000)
      : max_program_size_(max_program_size), max_entries_(max_entries) {}
  void setMaxProgramSize(size_t max) { max_program_size_ = max; }

  // The trigger stored as `raw`, decoded now or taken from the cache (the same text decodes to
  // the same trigger). `raw` was just read from Redis: `read_at` is when (see fresh()).
  Result<Entry> trigger(const std::string& id, const std::string& raw, const Decode& decode,
                        std::optional<std::chrono::steady_clock::time_point> read_at = {});
  // The cached trigger if Redis confirmed its stored text less than `max_age` before `now`:
  // the webhook path then skips reading it again. nullopt otherwise.
  std::optional<Entry> fresh(const std::string& id, std::chrono::steady_clock::time_point now,
                             std::chrono::milliseconds max_age);
  // A trigger changed through this triggerd: its next delivery reads Redis (the entry stays
  // as lastKnown() until then).
  void expire(const std::string& id);
  // A trigger Redis no longer holds.
  void forget(const std::string& id);
  // The trigger as last decoded, whatever Redis holds now: what verifies deliveries while Redis
  // cannot be read (they are then spooled). nullopt when it is not cached.
  std::optional<Entry> lastKnown(const std::string& id);
  // The compiled rules of a trigger returned by trigger(): compiled now if not yet cached.
  Result<std::shared_ptr<const CompiledRules>> rules(const std::string& id, const Entry& entry);

  size_t size() const { return entries_.size(); }
  size_t programSize() const { return program_size_; }
  uint64_t compilations() const { return compilations_; }

 private:
  struct Slot {
    std::string raw;
    Entry entry;
    // When Redis last returned `raw` (none: decoded from text read otherwise).
    std::optional<std::chrono::steady_clock::time_point> read_at;
    std::list<std::string>::iterator lru;  // position in lru_ (front: most recent)
  };
  void touch(Slot& slot);
  void evict(const std::string& keep);
  void erase(std::unordered_map<std::string, Slot>::iterator it);

  size_t max_program_size_;
  size_t max_entries_;
  std::unordered_map<std::string, Slot> entries_;
  std::list<std::string> lru_;
  size_t program_size_ = 0;  // of the compiled rules held
  uint64_t compilations_ = 0;
};

}  // namespace triggerd
