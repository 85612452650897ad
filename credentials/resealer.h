// Key rotation and record migration: re-seals every stored secret (source tokens, hook secrets)
// with the primary master key and the current record format, so the previous key can be
// retired. Records are rewritten one at a time with a compare-and-set, so a concurrent update
// is never overwritten with stale data. Records that cannot be opened are left as they are and
// named in the outcome: a key that still opens them must not be retired.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "credentials/source_store.h"
#include "triggers/trigger_store.h"

namespace triggerd {

struct ResealOutcome {
  int resealed = 0;                      // records rewritten
  int current = 0;                       // records already sealed with the primary key
  std::vector<std::string> left_behind;  // records that could not be opened (Redis key names)
  std::string key_id;                    // the primary key id
};

class Resealer {
 public:
  Resealer(SourceStore& sources, TriggerStore& triggers);
  void run(std::function<void(Result<ResealOutcome>)> done);

 private:
  struct Pass;
  void visitNext(const std::shared_ptr<Pass>& pass);
  void reseal(const std::shared_ptr<Pass>& pass, const std::string& key, bool is_source,
              std::string stored);

  SourceStore& sources_;
  TriggerStore& triggers_;
};

}  // namespace triggerd
