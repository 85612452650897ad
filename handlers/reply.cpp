#include "common/encoding.h"
#include "handlers/handlers.h"

namespace triggerd::handlers {

void reply(const RequestPtr& ctx, ApiReply r) {
  std::string content_type = "application/json";
  ResponseHeaders extra;
  for (auto& [k, v] : r.headers) {
    if (equalsIgnoreCase(k, "Content-Type"))
      content_type = v;
    else
      extra.emplace_back(k, v);
  }
  if (r.status == 204 || (r.status == 302 && r.body.empty()))
    return ctx->replyRaw(r.status, "", content_type, extra);
  if (content_type == "application/json") return ctx->reply(r.status, r.body, extra);
  ctx->replyRaw(r.status, r.body, content_type, extra);
}

ApiDone replier(const RequestPtr& ctx) {
  return [ctx](ApiReply r) { reply(ctx, std::move(r)); };
}

}  // namespace triggerd::handlers
