// The trigger tests start from: a GitHub repository, one branch rule, and secrets to look for.
#pragma once

#include "triggers/trigger.h"

namespace triggerd::testing {

inline Trigger sampleTrigger() {
  Trigger t;
  t.id = "01JD0000000000000000000000";
  t.user = "alice";
  t.provider = Provider::kGithub;
  t.repository_full_name = "octo/app";
  t.secret = "canary-secret-0123456789abcdef";
  t.image = "registry.example.com/team/app";
  BuildRule r;
  r.kind = RefType::kBranch;
  r.match = "main";
  r.tags = {"latest"};
  t.rules = {r};
  t.created_at = t.updated_at = 1764064800;
  return t;
}

}  // namespace triggerd::testing
