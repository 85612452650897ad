// The build job tests start from: every schema-1 field set (docs/job-schema.md).
#pragma once

#include <string>

#include "queue/job.h"

namespace triggerd::testing {

inline Job sampleJob() {
  Job j;
  j.id = "01JDQ3Z9X6V5W4T3S2R1Q0P9N8";
  j.trigger_id = "tr_01JDQ3";
  j.user = "alice";
  j.provider = Provider::kGithub;
  j.repository.id = "1296269";
  j.repository.full_name = "octo/app";
  j.repository.clone_url = "https://github.com/octo/app.git";
  j.repository.ssh_url = "git@github.com:octo/app.git";
  j.repository.is_private = true;
  j.event = "push";
  j.ref = "refs/heads/main";
  j.ref_type = RefType::kBranch;
  j.ref_name = "main";
  j.commit.sha = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";
  j.commit.message = "Fix build";
  j.commit.author = "Alice <alice@example.com>";
  j.commit.timestamp = "2026-11-25T09:59:00Z";
  j.image = "registry.example.com/team/app";
  j.tags = {"main", "main-1a2b3c4"};
  j.build_args = {{"GO_VERSION", "1.22"}, {"APP_ENV", "prod"}};
  j.delivery_id = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
  j.received_at = "2026-11-25T10:00:00Z";
  j.attempt = 1;
  return j;
}

// The n-th job (0 to 9) of delivery `delivery_id`: the sample job with its own id, commit and
// tags, for tests that enqueue several.
inline Job sampleJob(int n, const std::string& delivery_id) {
  Job j = sampleJob();
  j.id = "01JDQ3Z9X6V5W4T3S2R1Q0P9N" + std::to_string(n);
  j.commit.sha = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0" + std::to_string(n % 10);
  j.commit.message = "change " + std::to_string(n);
  j.tags = {"main", "main-" + std::to_string(n)};
  j.delivery_id = delivery_id;
  return j;
}

}  // namespace triggerd::testing
