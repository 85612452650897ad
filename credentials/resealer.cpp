#include "credentials/resealer.h"

#include <memory>
#include <utility>

#include "common/log.h"

namespace triggerd {

// One sweep: the records still to visit, and what happened to the ones visited.
struct Resealer::Pass {
  std::vector<std::pair<bool, std::string>> keys;  // (is a source, Redis key)
  size_t next = 0;
  ResealOutcome outcome;
  std::function<void(Result<ResealOutcome>)> done;
};

Resealer::Resealer(SourceStore& sources, TriggerStore& triggers)
    : sources_(sources), triggers_(triggers) {}

void Resealer::run(std::function<void(Result<ResealOutcome>)> done) {
  auto pass = std::make_shared<Pass>();
  pass->done = std::move(done);
  pass->outcome.key_id = sources_.records().keyring().primary().keyId();
  sources_.all([this, pass](Result<std::vector<std::pair<std::string, Provider>>> sources) {
    if (!sources.ok()) return pass->done(sources.error());
    for (const auto& [user, provider] : *sources)
      pass->keys.emplace_back(true, sources_.keys().source(user, provider));
    triggers_.allIds([this, pass](Result<std::vector<std::string>> ids) {
      if (!ids.ok()) return pass->done(ids.error());
      for (const auto& id : *ids) pass->keys.emplace_back(false, triggers_.keys().trigger(id));
      visitNext(pass);
    });
  });
}

// Visits records one at a time; each Redis callback holds the pass until the next step.
void Resealer::visitNext(const std::shared_ptr<Pass>& pass) {
  if (pass->next >= pass->keys.size()) {
    const auto& o = pass->outcome;
    if (o.left_behind.empty()) {
      TLOG_INFO("keys", "resealed=%d current=%d key_id=%s reseal finished", o.resealed, o.current,
                o.key_id.c_str());
    } else {
      TLOG_ERROR("keys",
                 "resealed=%d current=%d left_behind=%zu key_id=%s reseal finished with records "
                 "that cannot be opened: keep the keys that sealed them",
                 o.resealed, o.current, o.left_behind.size(), o.key_id.c_str());
    }
    return pass->done(pass->outcome);
  }
  // Copies, not a structured binding: lambdas cannot capture bindings before clang 16.
  bool is_source = pass->keys[pass->next].first;
  std::string key = pass->keys[pass->next++].second;
  sources_.records().get(key, [this, pass, is_source, key](Result<std::optional<std::string>> r) {
    if (!r.ok()) return pass->done(r.error());
    if (!r->has_value()) return visitNext(pass);  // deleted since the sweep started
    reseal(pass, key, is_source, std::move(**r));
  });
}

void Resealer::reseal(const std::shared_ptr<Pass>& pass, const std::string& key, bool is_source,
                      std::string stored) {
  bool stale = is_source ? sources_.needsReseal(stored) : triggers_.needsReseal(stored);
  Result<std::string> resealed = Error::internal("");
  if (is_source) {
    auto s = sources_.decode(stored);
    resealed = s.ok() ? Result<std::string>(sources_.encode(*s)) : Result<std::string>(s.error());
  } else {
    auto t = triggers_.decode(stored);
    resealed = t.ok() ? Result<std::string>(triggers_.encode(*t)) : Result<std::string>(t.error());
  }
  if (!resealed.ok()) {
    TLOG_ERROR("keys", "key=%s reason=%s cannot reseal", key.c_str(),
               resealed.error().message.c_str());
    pass->outcome.left_behind.push_back(key);
    return visitNext(pass);
  }
  if (!stale) {
    ++pass->outcome.current;
    return visitNext(pass);
  }
  sources_.records().compareAndSet(key, std::move(stored), std::move(resealed).value(),
                                   [this, pass](Result<bool> set) {
                                     if (!set.ok()) return pass->done(set.error());
                                     // A concurrent writer sealed it with the primary already.
                                     if (*set) ++pass->outcome.resealed;
                                     visitNext(pass);
                                   });
}

}  // namespace triggerd
