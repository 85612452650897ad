#include "hooks/hook_report.h"

namespace triggerd {

const char* hookModeName(HookMode mode) {
  switch (mode) {
    case HookMode::kCheck:
      return "check";
    case HookMode::kRepair:
      return "repair";
    case HookMode::kInstall:
      return "install";
    case HookMode::kRotate:
      return "rotate";
    case HookMode::kRemove:
      return "remove";
  }
  return "?";
}

const char* hookOutcomeName(HookReport::Outcome outcome) {
  switch (outcome) {
    case HookReport::Outcome::kOk:
      return "ok";
    case HookReport::Outcome::kRepaired:
      return "repaired";
    case HookReport::Outcome::kProblems:
      return "problems";
    case HookReport::Outcome::kFailed:
      return "failed";
  }
  return "?";
}

void writeHookReport(json::Writer& w, const HookReport& r) {
  auto list = [&w](const char* name, const std::vector<std::string>& items) {
    json::strings(w, name, items);
  };
  auto count = [&w](const char* name, int n) {
    json::key(w, name);
    w.Int(n);
  };
  w.StartObject();
  json::kv(w, "outcome", hookOutcomeName(r.outcome));
  json::kv(w, "hook_id", r.hook_id);
  json::key(w, "active");
  w.Bool(r.active);
  json::key(w, "created");
  w.Bool(r.created);
  list("actions", r.actions);
  list("problems", r.problems);
  json::key(w, "was_disabled");
  if (r.was_disabled.empty())
    w.Null();
  else
    json::str(w, r.was_disabled);
  count("failed_deliveries", r.failed_deliveries);
  count("redelivered", r.redelivered);
  list("missed_pushes", r.missed_pushes);
  count("removed", r.removed);
  if (r.error) {
    json::key(w, "error");
    w.StartObject();
    json::kv(w, "error", r.error->message);
    if (!r.error->field.empty()) json::kv(w, "field", r.error->field);
    json::key(w, "status");
    w.Int(r.error->status);
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace triggerd
