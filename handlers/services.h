// What the route handlers need, owned by the Daemon, which outlives both routers.
#pragma once

#include <functional>
#include <string>

#include "common/metrics.h"
#include "common/random.h"
#include "credentials/resealer.h"
#include "credentials/token_checker.h"
#include "handlers/api_auth.h"
#include "handlers/console_sessions.h"
#include "handlers/github_oauth.h"
#include "handlers/hooks_api.h"
#include "handlers/jobs_api.h"
#include "handlers/runs_api.h"
#include "handlers/sources_api.h"
#include "handlers/triggers_api.h"
#include "handlers/webhook_ingest.h"
#include "jobs/clone_credentials.h"
#include "store/api_token_store.h"

namespace triggerd {

struct Services {
  WebhookIngest* ingest = nullptr;
  TriggersApi* triggers = nullptr;
  SourcesApi* sources = nullptr;
  HooksApi* hooks = nullptr;
  GitHubOAuth* oauth = nullptr;
  ApiAuth* auth = nullptr;
  ConsoleSessions* console = nullptr;
  ApiTokenStore* tokens = nullptr;
  Resealer* resealer = nullptr;
  TokenChecker* token_checker = nullptr;
  RunsApi* runs = nullptr;
  JobsApi* jobs = nullptr;
  CloneCredentials* credentials = nullptr;
  Metrics* metrics = nullptr;
  Random* rng = nullptr;
  std::function<bool()> ready;  // Redis connected and checked
  std::function<std::string()> not_ready_reason;
  // Adds the components' state (Redis, spool) to the admin listener's /readyz answer.
  std::function<void(json::Writer&)> write_status;
};

}  // namespace triggerd
