// /api/v1/users/{user}/triggers...: the TriggersApi behind HTTP.
#include "handlers/handlers.h"

namespace triggerd::handlers {
namespace {

std::string id(const Call& c) {
  return std::string(c.ctx->param("id"));
}

}  // namespace

void createTrigger(const Call& c) {
  c.services.triggers->create(c.user, c.ctx->body(), replier(c.ctx));
}

void listTriggers(const Call& c) {
  c.services.triggers->list(c.user, replier(c.ctx));
}

void getTrigger(const Call& c) {
  c.services.triggers->get(c.user, id(c), replier(c.ctx));
}

void patchTrigger(const Call& c) {
  c.services.triggers->patch(c.user, id(c), c.ctx->body(), replier(c.ctx));
}

void deleteTrigger(const Call& c) {
  c.services.triggers->remove(c.user, id(c), replier(c.ctx));
}

void repairHook(const Call& c) {
  c.services.triggers->repairHook(c.user, id(c), c.ctx->body(), replier(c.ctx));
}

void previewTags(const Call& c) {
  c.services.triggers->preview(c.ctx->body(), replier(c.ctx));
}

void checkHook(const Call& c) {
  c.services.triggers->checkHook(c.user, id(c), replier(c.ctx));
}

}  // namespace triggerd::handlers
