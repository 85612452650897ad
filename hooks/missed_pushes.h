// MissedPushes: for a hook whose provider keeps no delivery log triggerd can read (GitLab
// before 17.3 has no hook events API), the branch and tag heads a rule would build that no
// delivery brought. A head counts as missed when a rule matches its ref, its commit is newer
// than `not_before` (the trigger's creation, and no older than the delivery window), and no
// push of it was enqueued (no push:<trigger>:<sha>:<ref> key, which the enqueue writes and keeps
// for queue.delivery_ttl). A head whose commit message asked to skip the build counts too.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "providers/provider_client.h"
#include "redis/keys.h"
#include "redis/redis_client.h"
#include "triggers/trigger.h"

namespace triggerd {

// At most this many missed heads are reported per trigger.
inline constexpr size_t kMaxMissedPushes = 20;

// The repository as the provider's API takes it: GitLab's numeric project id when known, else
// the path; GitHub's owner/name.
std::string providerRepository(const Trigger& t);

// Finds the missed heads: "refs/heads/main 1a2b3c4d5e6f..." each. `done` runs exactly once.
void findMissedPushes(std::shared_ptr<ProviderClient> client, RedisClient& redis, const Keys& keys,
                      const Trigger& t, std::string_view token, int64_t not_before,
                      std::function<void(Result<std::vector<std::string>>)> done);

}  // namespace triggerd
