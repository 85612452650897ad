#include "credentials/resealer.h"

#include <memory>
#include <vector>

#include "common/log.h"

namespace triggerd {
namespace {

// Replaces KEYS[1] only if it still holds ARGV[1].
constexpr const char* kCompareAndSet =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) "
    "return 1 end return 0";

struct Pass {
  std::vector<std::pair<bool, std::string>> keys;  // (is a source, Redis key) still to visit
  size_t next = 0;
  int rewritten = 0;
  std::function<void(Result<std::pair<int, std::string>>)> done;
};

}  // namespace

Resealer::Resealer(RedisClient& redis, Keys keys, const Keyring& keyring, SourceStore& sources,
                   TriggerStore& triggers)
    : redis_(redis),
      keys_(std::move(keys)),
      keyring_(keyring),
      sources_(sources),
      triggers_(triggers) {}

void Resealer::run(std::function<void(Result<std::pair<int, std::string>>)> done) {
  auto pass = std::make_shared<Pass>();
  pass->done = std::move(done);
  redis_.command({"SMEMBERS", keys_.allSources()}, [this, pass](Result<RedisValue> sources) {
    if (!sources.ok()) return pass->done(sources.error());
    for (const auto& e : sources->elements) {
      auto colon = e.str.rfind(':');
      if (colon != std::string::npos)
        pass->keys.emplace_back(true,
                                keys_.source(e.str.substr(0, colon), e.str.substr(colon + 1)));
    }
    redis_.command({"SMEMBERS", keys_.allTriggers()}, [this, pass](Result<RedisValue> triggers) {
      if (!triggers.ok()) return pass->done(triggers.error());
      for (const auto& e : triggers->elements) pass->keys.emplace_back(false, keys_.trigger(e.str));
      // Visit one record at a time. The step function holds itself only weakly (no cycle);
      // the pending Redis callback holds the strong reference while a step is in flight.
      auto step = std::make_shared<std::function<void()>>();
      std::weak_ptr<std::function<void()>> weak_step = step;
      *step = [this, pass, weak_step] {
        auto self = weak_step.lock();  // alive while a caller holds it
        if (pass->next >= pass->keys.size()) {
          TLOG_INFO("keys", "resealed=%d key_id=%s reseal finished", pass->rewritten,
                    keyring_.primary().keyId().c_str());
          return pass->done(std::make_pair(pass->rewritten, keyring_.primary().keyId()));
        }
        // Copies, not a structured binding: lambdas cannot capture bindings before clang 16.
        bool is_source = pass->keys[pass->next].first;
        std::string key = pass->keys[pass->next++].second;
        redis_.command({"GET", key}, [this, pass, self, is_source, key](Result<RedisValue> r) {
          if (!r.ok()) return pass->done(r.error());
          if (r->isNil() || !r->isString()) return (*self)();
          std::string resealed;
          if (is_source) {
            auto s = sources_.decode(r->str);
            if (!s.ok()) {
              TLOG_ERROR("keys", "key=%s reason=%s cannot reseal", key.c_str(),
                         s.error().message.c_str());
              return (*self)();
            }
            resealed = sources_.encode(*s);
          } else {
            auto t = triggers_.decode(r->str);
            if (!t.ok()) {
              TLOG_ERROR("keys", "key=%s reason=%s cannot reseal", key.c_str(),
                         t.error().message.c_str());
              return (*self)();
            }
            resealed = triggers_.encode(*t);
          }
          redis_.command({"EVAL", kCompareAndSet, "1", key, r->str, resealed},
                         [pass, self](Result<RedisValue> set) {
                           if (set.ok() && set->integer == 1) ++pass->rewritten;
                           (*self)();
                         });
        });
      };
      (*step)();
    });
  });
}

}  // namespace triggerd
