// GET /healthz (the loop answers), /readyz (Redis reachable and checked), /metrics.
#include "common/json_fields.h"
#include "handlers/handlers.h"

namespace triggerd::handlers {

void health(const Call& c) {
  c.ctx->reply(200, R"({"status": "ok"})");
}

// The public listener says only whether; why (the Redis address and its last error) is for the
// admin listener and the log.
void readiness(const Call& c) {
  bool ready = c.services.ready();
  if (c.ctx->listener() == "public") {
    if (ready) return c.ctx->reply(200, R"({"status": "ready"})");
    return c.ctx->fail(Error::unavailable("not ready"));
  }
  c.ctx->reply(ready ? 200 : 503, json::build([&](json::Writer& w) {
                 w.StartObject();
                 json::kv(w, "status", ready ? "ready" : "not ready");
                 if (!ready) json::kv(w, "error", "not ready: " + c.services.not_ready_reason());
                 if (c.services.write_status) c.services.write_status(w);
                 w.EndObject();
               }));
}

void metrics(const Call& c) {
  c.ctx->replyRaw(200, c.services.metrics->render(), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace triggerd::handlers
