// /console/...: the web console's files, and its sessions (sign-in, who am I, sign-out). The
// console's API calls reach the user routes of the table under /console/api/... (routes.cpp).
#include "console/assets.h"
#include "handlers/handlers.h"

namespace triggerd::handlers {
namespace {

void serveAsset(const Call& c, std::string_view name) {
  auto asset = findConsoleAsset(name);
  if (!asset) return c.ctx->fail(Error::notFound("path", "no such console file; open /console/"));
  ResponseHeaders headers;
  for (auto& h : consolePageHeaders()) headers.push_back(std::move(h));
  c.ctx->replyRaw(200, asset->body, asset->content_type, headers);
}

}  // namespace

void consoleRedirect(const Call& c) {
  c.ctx->replyRaw(302, "", "text/plain", {{"Location", "/console/"}});
}

void consolePage(const Call& c) {
  serveAsset(c, "index.html");
}

void consoleAsset(const Call& c) {
  serveAsset(c, c.ctx->param("asset"));
}

void signIn(const Call& c) {
  c.services.console->signIn(*c.ctx, replier(c.ctx));
}

void sessionInfo(const Call& c) {
  c.services.console->describe(*c.ctx, replier(c.ctx));
}

void signOut(const Call& c) {
  c.services.console->signOut(*c.ctx, replier(c.ctx));
}

}  // namespace triggerd::handlers
