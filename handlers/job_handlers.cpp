// /api/v1/users/{user}/jobs... and /api/v1/admin/queue...: JobsApi behind HTTP.
#include "handlers/handlers.h"
#include "handlers/query_params.h"

namespace triggerd::handlers {

void listJobs(const Call& c) {
  auto p = pageParams(*c.ctx);
  if (!p.ok()) return c.ctx->fail(p.error());
  c.services.jobs->list(c.user, p->page, p->per_page, replier(c.ctx));
}

void getJob(const Call& c) {
  c.services.jobs->show(c.user, std::string(c.ctx->param("id")), replier(c.ctx));
}

void jobLog(const Call& c) {
  auto count = intParam(*c.ctx, "count", 500, 1, 5000);
  if (!count.ok()) return c.ctx->fail(count.error());
  std::string after(c.ctx->queryParam("after").value_or(""));
  if (after.size() > 64) return c.ctx->fail(Error::badRequest("after", "a log entry id"));
  c.services.jobs->log(c.user, std::string(c.ctx->param("id")), after, *count, replier(c.ctx));
}

void queueStats(const Call& c) {
  c.services.jobs->queueStats(replier(c.ctx));
}

void listDeadJobs(const Call& c) {
  auto count = intParam(*c.ctx, "count", 50, 1, 1000);
  if (!count.ok()) return c.ctx->fail(count.error());
  std::string before(c.ctx->queryParam("before").value_or(""));
  if (before.size() > 64) return c.ctx->fail(Error::badRequest("before", "a stream entry id"));
  c.services.jobs->deadList(*count, before, replier(c.ctx));
}

void retryDeadJob(const Call& c) {
  c.services.jobs->deadRetry(std::string(c.ctx->param("job_id")), replier(c.ctx));
}

void purgeDeadJobs(const Call& c) {
  c.services.jobs->deadPurge(c.ctx->body(), replier(c.ctx));
}

}  // namespace triggerd::handlers
