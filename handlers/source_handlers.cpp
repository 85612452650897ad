// /api/v1/users/{user}/sources... and the GitHub OAuth callback: SourcesApi and GitHubOAuth
// behind HTTP.
#include <map>

#include "common/log.h"

#include "handlers/handlers.h"

namespace triggerd::handlers {
namespace {

// The {provider} path parameter, or the 404 that answers an unknown one.
Result<Provider> pathProvider(const Call& c) {
  std::string_view name = c.ctx->param("provider");
  if (auto p = parseProvider(name)) return *p;
  return Error::notFound(
      "provider", "unknown provider '" + log::logValue(name, 40) + "'; use github or gitlab");
}

void browse(const Call& c, SourcesApi::Listing what) {
  auto provider = pathProvider(c);
  if (!provider.ok()) return c.ctx->fail(provider.error());
  c.services.sources->browse(c.user, *provider, what, std::string(c.ctx->param("repo")),
                             std::string(c.ctx->queryParam("page").value_or("")), replier(c.ctx));
}

}  // namespace

void listSources(const Call& c) {
  c.services.sources->list(c.user, replier(c.ctx));
}

void bindSource(const Call& c) {
  auto provider = pathProvider(c);
  if (!provider.ok()) return c.ctx->fail(provider.error());
  c.services.sources->bindToken(c.user, *provider, c.ctx->body(), replier(c.ctx));
}

void unbindSource(const Call& c) {
  auto provider = pathProvider(c);
  if (!provider.ok()) return c.ctx->fail(provider.error());
  c.services.sources->unbind(c.user, *provider, replier(c.ctx));
}

void listRepos(const Call& c) {
  browse(c, SourcesApi::Listing::kRepos);
}

void listBranches(const Call& c) {
  browse(c, SourcesApi::Listing::kBranches);
}

void listTags(const Call& c) {
  browse(c, SourcesApi::Listing::kTags);
}

void authorizeGithub(const Call& c) {
  c.services.oauth->authorize(c.user, c.principal, replier(c.ctx));
}

void completeGithub(const Call& c) {
  c.services.oauth->complete(c.user, c.ctx->body(), replier(c.ctx));
}

// The browser's console session (if any) is what proves who completes the flow.
void githubOAuthCallback(const Call& c) {
  std::map<std::string, std::string> query;
  for (const auto& [k, v] : c.ctx->query()) query.emplace(k, v);
  Services& s = c.services;
  s.console->current(*c.ctx, [&s, ctx = c.ctx, query](Result<std::optional<ConsoleSession>> r) {
    std::optional<CallbackBrowser> browser;
    if (r.ok() && r->has_value()) browser = CallbackBrowser{(*r)->record.user, (*r)->id_hash};
    s.oauth->callback(query, browser, [&s, ctx](ApiReply answer, const char* outcome) {
      s.metrics->inc("triggerd_oauth_callbacks_total", {{"outcome", outcome}});
      reply(ctx, std::move(answer));
    });
  });
}

}  // namespace triggerd::handlers
