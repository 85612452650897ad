// GET /healthz (the loop answers), /readyz (Redis reachable and checked), /metrics.
#include "handlers/handlers.h"

namespace triggerd::handlers {

void health(const Call& c) {
  c.ctx->reply(200, R"({"status": "ok"})");
}

// The public listener says only whether; why (the Redis address and its last error) is for the
// admin listener and the log.
void readiness(const Call& c) {
  if (c.services.ready()) return c.ctx->reply(200, R"({"status": "ready"})");
  if (c.ctx->listener() == "public") return c.ctx->fail(Error::unavailable("not ready"));
  c.ctx->fail(Error::unavailable("not ready: " + c.services.not_ready_reason()));
}

void metrics(const Call& c) {
  c.ctx->replyRaw(200, c.services.metrics->render(), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace triggerd::handlers
