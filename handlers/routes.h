// The HTTP surface of triggerd: every route of both listeners, registered in routes.cpp.
#pragma once

#include <functional>

#include "common/metrics.h"
#include "credentials/token_checker.h"
#include "handlers/api_auth.h"
#include "handlers/sources_api.h"
#include "handlers/triggers_api.h"
#include "handlers/webhook_ingest.h"
#include "http/router.h"

namespace triggerd {

// What the route handlers need; owned by the Daemon, which outlives both routers.
struct Services {
  WebhookIngest* ingest = nullptr;
  TriggersApi* triggers = nullptr;
  SourcesApi* sources = nullptr;
  ApiAuth* auth = nullptr;
  Metrics* metrics = nullptr;
  Random* rng = nullptr;
  std::function<bool()> ready;  // Redis connected
  std::function<std::string()> not_ready_reason;
  // POST /api/v1/admin/keys/reseal
  std::function<void(std::function<void(Result<std::pair<int, std::string>>)>)> reseal;
  // POST /api/v1/admin/tokens/check: one token re-validation pass now.
  std::function<void(std::function<void(TokenCheckSummary)>)> check_tokens;
};

void registerPublicRoutes(Router& router, Services& services);
void registerAdminRoutes(Router& router, Services& services);

}  // namespace triggerd
