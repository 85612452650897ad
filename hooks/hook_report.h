// What one piece of hook work (install, check, repair, rotate, remove) found and did, for the
// API answer, the bulk job's item and the trigger's stored hook state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace triggerd {

enum class HookMode {
  kCheck,    // report what is wrong; change nothing on the provider
  kRepair,   // fix what is wrong (a missing, changed or disabled hook), redeliver failures
  kInstall,  // as kRepair, and send the whole hook (the secret included) even if it looks right
  kRotate,   // kInstall with a new secret, then swap the trigger's secrets
  kRemove,   // delete the trigger's hooks from the repository
};
const char* hookModeName(HookMode mode);  // "check", "repair", ...

struct HookReport {
  enum class Outcome {
    kOk,        // nothing was wrong (or, for remove, the hooks are gone)
    kRepaired,  // something was wrong and is fixed
    kProblems,  // something is wrong (check), or could not be looked at (deliveries)
    kFailed,    // the work failed: `error` says why
  };
  Outcome outcome = Outcome::kOk;
  std::optional<Error> error;
  std::string hook_id;
  bool active = false;
  bool created = false;
  std::vector<std::string> actions;   // what was done, in order
  std::vector<std::string> problems;  // what is wrong and was left as it is
  std::string was_disabled;           // why the provider had stopped delivering, if it had
  int failed_deliveries = 0;          // deliveries that failed and never succeeded since
  int redelivered = 0;
  std::vector<std::string> missed_pushes;
  int removed = 0;  // hooks deleted (remove, duplicates)
};
const char* hookOutcomeName(HookReport::Outcome outcome);  // "ok", "repaired", ...

// {"outcome", "hook_id", "active", "created", "actions", "problems", "was_disabled",
//  "failed_deliveries", "redelivered", "missed_pushes", "removed", "error": {...}?}
void writeHookReport(json::Writer& w, const HookReport& r);

}  // namespace triggerd
