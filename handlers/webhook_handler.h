// POST /webhooks/{github,gitlab}/{trigger_id}: copies what the ingest path needs out of the
// request and turns its answer into the reply.
#pragma once

#include "handlers/webhook_ingest.h"
#include "http/request_context.h"

namespace triggerd {

void handleWebhook(Provider provider, WebhookIngest& ingest, Metrics& metrics,
                   const RequestPtr& ctx);

}  // namespace triggerd
