#include "handlers/trigger_cache.h"

namespace triggerd {

void TriggerCache::touch(Slot& slot) {
  lru_.splice(lru_.begin(), lru_, slot.lru);
}

void TriggerCache::erase(std::unordered_map<std::string, Slot>::iterator it) {
  if (it->second.entry.rules) program_size_ -= it->second.entry.rules->programSize();
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

void TriggerCache::evict(const std::string& keep) {
  while (!lru_.empty() && (entries_.size() > max_entries_ || program_size_ > max_program_size_)) {
    // The oldest entry that is not the one being served.
    auto victim = std::prev(lru_.end());
    if (*victim == keep) {
      if (lru_.size() == 1) return;
      victim = std::prev(victim);
    }
    erase(entries_.find(*victim));
  }
}

Result<TriggerCache::Entry> TriggerCache::trigger(
    const std::string& id, const std::string& raw, const Decode& decode,
    std::optional<std::chrono::steady_clock::time_point> read_at) {
  auto it = entries_.find(id);
  if (it != entries_.end() && it->second.raw == raw) {
    touch(it->second);
    if (read_at && (!it->second.read_at || *it->second.read_at < *read_at))
      it->second.read_at = read_at;
    return it->second.entry;
  }
  if (it != entries_.end()) erase(it);  // the stored trigger changed
  auto decoded = decode(raw);
  if (!decoded.ok()) return decoded.error();
  lru_.push_front(id);
  Slot slot{raw, Entry{std::make_shared<const Trigger>(std::move(decoded).value()), nullptr},
            read_at, lru_.begin()};
  Entry entry = slot.entry;
  entries_.emplace(id, std::move(slot));
  evict(id);
  return entry;
}

std::optional<TriggerCache::Entry> TriggerCache::fresh(const std::string& id,
                                                       std::chrono::steady_clock::time_point now,
                                                       std::chrono::milliseconds max_age) {
  auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.read_at || now - *it->second.read_at >= max_age)
    return std::nullopt;
  touch(it->second);
  return it->second.entry;
}

void TriggerCache::expire(const std::string& id) {
  auto it = entries_.find(id);
  if (it != entries_.end()) it->second.read_at.reset();
}

void TriggerCache::forget(const std::string& id) {
  auto it = entries_.find(id);
  if (it != entries_.end()) erase(it);
}

std::optional<TriggerCache::Entry> TriggerCache::lastKnown(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  touch(it->second);
  return it->second.entry;
}

Result<std::shared_ptr<const CompiledRules>> TriggerCache::rules(const std::string& id,
                                                                 const Entry& entry) {
  auto it = entries_.find(id);
  // Same trigger object: the compiled rules, if cached, belong to it.
  bool cached_here = it != entries_.end() && it->second.entry.trigger == entry.trigger;
  if (cached_here && it->second.entry.rules) return it->second.entry.rules;
  auto compiled = CompiledRules::compile(entry.trigger->rules);
  ++compilations_;
  if (!compiled.ok()) return compiled.error();
  auto rules = std::make_shared<const CompiledRules>(std::move(compiled).value());
  if (cached_here) {
    it->second.entry.rules = rules;
    program_size_ += rules->programSize();
    touch(it->second);
    evict(id);
  }
  return rules;
}

}  // namespace triggerd
