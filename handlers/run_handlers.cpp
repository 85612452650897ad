// POST .../triggers/{id}/run and GET .../triggers/{id}/jobs: RunsApi behind HTTP.
#include "handlers/handlers.h"
#include "handlers/query_params.h"

namespace triggerd::handlers {

void runTrigger(const Call& c) {
  RunRequest r;
  r.user = c.user;
  r.trigger_id = std::string(c.ctx->param("id"));
  r.body = std::string(c.ctx->body());
  r.idempotency_key = std::string(c.ctx->header("Idempotency-Key").value_or(""));
  r.requested_by = c.principal.admin ? "admin" : c.principal.user;
  c.services.runs->run(std::move(r), replier(c.ctx));
}

void triggerHistory(const Call& c) {
  auto p = pageParams(*c.ctx);
  if (!p.ok()) return c.ctx->fail(p.error());
  c.services.runs->history(c.user, std::string(c.ctx->param("id")), p->page, p->per_page,
                           replier(c.ctx));
}

}  // namespace triggerd::handlers
