// /api/v1/users/{user}/hooks/jobs... and /api/v1/admin/hooks/jobs...: HooksApi behind HTTP.
#include "handlers/handlers.h"

namespace triggerd::handlers {

void startUserHookJob(const Call& c) {
  c.services.hooks->start(c.user, c.ctx->body(), replier(c.ctx));
}

void getUserHookJob(const Call& c) {
  c.services.hooks->get(c.user, std::string(c.ctx->param("job")), replier(c.ctx));
}

void startHookJob(const Call& c) {
  c.services.hooks->start("", c.ctx->body(), replier(c.ctx));
}

void getHookJob(const Call& c) {
  c.services.hooks->get("", std::string(c.ctx->param("job")), replier(c.ctx));
}

}  // namespace triggerd::handlers
