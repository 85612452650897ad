// Every route of triggerd, one row each: listeners, method, path, who may call it, handler.
#include "handlers/routes.h"

#include "handlers/handlers.h"
#include "model/user.h"

namespace triggerd {
namespace {

using namespace handlers;
constexpr bool P = true, A = true, _ = false;  // readable listener columns: public, admin

// clang-format off
constexpr Route kRoutes[] = {
  // pub adm  method    path                                                     who may call          handler
  {P, _, "POST",   "/webhooks/github/{trigger_id}",                             Access::kAnyone, githubWebhook},
  {P, _, "POST",   "/webhooks/gitlab/{trigger_id}",                             Access::kAnyone, gitlabWebhook},
  {P, _, "GET",    "/oauth/github/callback",                                    Access::kAnyone, githubOAuthCallback},
  {P, A, "GET",    "/healthz",                                                  Access::kAnyone, health},
  {P, A, "GET",    "/readyz",                                                   Access::kAnyone, readiness},
  {_, A, "GET",    "/metrics",                                                  Access::kAnyone, metrics},
  {P, _, "GET",    "/console",                                                  Access::kAnyone, consoleRedirect},
  {P, _, "GET",    "/console/",                                                 Access::kAnyone, consolePage},
  {P, _, "GET",    "/console/{asset}",                                          Access::kAnyone, consoleAsset},
  {P, _, "POST",   "/console/api/session",                                      Access::kAnyone, signIn},
  {P, _, "GET",    "/console/api/session",                                      Access::kSession, sessionInfo},
  {P, _, "DELETE", "/console/api/session",                                      Access::kSession, signOut},

  {_, A, "POST",   "/api/v1/users/{user}/triggers",                             Access::kUser,   createTrigger},
  {_, A, "GET",    "/api/v1/users/{user}/triggers",                             Access::kUser,   listTriggers},
  {_, A, "GET",    "/api/v1/users/{user}/triggers/{id}",                        Access::kUser,   getTrigger},
  {_, A, "PATCH",  "/api/v1/users/{user}/triggers/{id}",                        Access::kUser,   patchTrigger},
  {_, A, "DELETE", "/api/v1/users/{user}/triggers/{id}",                        Access::kUser,   deleteTrigger},
  {_, A, "POST",   "/api/v1/users/{user}/triggers/{id}/hook/repair",            Access::kUser,   repairHook},
  {_, A, "POST",   "/api/v1/users/{user}/triggers/preview",                     Access::kUser,   previewTags},
  {_, A, "POST",   "/api/v1/users/{user}/triggers/{id}/hook/check",             Access::kUser,   checkHook},
  {_, A, "POST",   "/api/v1/users/{user}/hooks/jobs",                           Access::kUser,   startUserHookJob},
  {_, A, "GET",    "/api/v1/users/{user}/hooks/jobs/{job}",                     Access::kUser,   getUserHookJob},
  {_, A, "POST",   "/api/v1/users/{user}/triggers/{id}/run",                    Access::kUser,   runTrigger},
  {_, A, "GET",    "/api/v1/users/{user}/triggers/{id}/jobs",                   Access::kUser,   triggerHistory},

  {_, A, "GET",    "/api/v1/users/{user}/jobs",                                 Access::kUser,   listJobs},
  {_, A, "GET",    "/api/v1/users/{user}/jobs/{id}",                            Access::kUser,   getJob},
  {_, A, "GET",    "/api/v1/users/{user}/jobs/{id}/log",                        Access::kUser,   jobLog},

  {_, A, "GET",    "/api/v1/users/{user}/sources",                              Access::kUser,   listSources},
  {_, A, "PUT",    "/api/v1/users/{user}/sources/{provider}",                   Access::kUser,   bindSource},
  {_, A, "DELETE", "/api/v1/users/{user}/sources/{provider}",                   Access::kUser,   unbindSource},
  {_, A, "POST",   "/api/v1/users/{user}/sources/github/authorize",             Access::kUser,   authorizeGithub},
  {_, A, "POST",   "/api/v1/users/{user}/sources/github/complete",              Access::kUser,   completeGithub},
  {_, A, "GET",    "/api/v1/users/{user}/sources/{provider}/repos",             Access::kUser,   listRepos},
  {_, A, "GET",    "/api/v1/users/{user}/sources/{provider}/repos/{repo}/branches", Access::kUser, listBranches},
  {_, A, "GET",    "/api/v1/users/{user}/sources/{provider}/repos/{repo}/tags", Access::kUser,   listTags},

  {_, A, "POST",   "/api/v1/users/{user}/tokens",                               Access::kAdmin,  mintToken},
  {_, A, "DELETE", "/api/v1/users/{user}/tokens/{id}",                          Access::kAdmin,  revokeToken},
  {_, A, "POST",   "/api/v1/admin/tokens/check",                                Access::kAdmin,  checkTokens},
  {_, A, "POST",   "/api/v1/admin/keys/reseal",                                 Access::kAdmin,  resealKeys},
  {_, A, "POST",   "/api/v1/admin/hooks/jobs",                                  Access::kAdmin,  startHookJob},
  {_, A, "GET",    "/api/v1/admin/hooks/jobs/{job}",                            Access::kAdmin,  getHookJob},
  {_, A, "GET",    "/api/v1/admin/queue",                                       Access::kAdmin,  queueStats},
  {_, A, "GET",    "/api/v1/admin/queue/dead",                                  Access::kAdmin,  listDeadJobs},
  {_, A, "POST",   "/api/v1/admin/queue/dead/{job_id}/retry",                   Access::kAdmin,  retryDeadJob},
  {_, A, "POST",   "/api/v1/admin/queue/dead/purge",                            Access::kAdmin,  purgeDeadJobs},
  {_, A, "POST",   "/api/v1/admin/runner-tokens",                               Access::kAdmin,  mintRunnerToken},
  {_, A, "GET",    "/api/v1/admin/runner-tokens",                               Access::kAdmin,  listRunnerTokens},
  {_, A, "DELETE", "/api/v1/admin/runner-tokens/{id}",                          Access::kAdmin,  revokeRunnerToken},

  {_, A, "POST",   "/api/v1/runner/jobs/{id}/credentials",                      Access::kRunner, jobCredentials},
};
// clang-format on

// Where a row is served: at its own path, or (user rows) under /console for the console, where
// the caller is the browser's session instead of a bearer token.
enum class Mount { kDirect, kConsole };
constexpr std::string_view kConsoleMount = "/console";

void refused(Services& s, const RequestPtr& ctx, const Error& e) {
  bool unauthenticated = e.is(Error::Kind::kUnauthenticated);
  s.metrics->inc("triggerd_api_errors_total",
                 {{"reason", unauthenticated ? "unauthenticated" : "forbidden"}});
  ctx->fail(e);
}

// Validates {user}, checks the caller for the route's access (the bearer token, or the console
// session), then runs the handler.
void dispatch(const Route& route, Mount mount, Services& s, const RequestPtr& ctx) {
  std::string user(ctx->param("user"));
  if (ctx->params().has("user")) {
    if (auto st = validateUserId(user); !st.ok()) return ctx->fail(st.error());
  }
  if (route.access == Access::kAnyone) return route.handler(Call{ctx, s, user, Principal{}});
  auto run = [&route, &s, ctx, user](Result<Principal> p) {
    if (!p.ok()) return refused(s, ctx, p.error());
    route.handler(Call{ctx, s, user, std::move(p).value()});
  };
  if (mount == Mount::kConsole || route.access == Access::kSession)
    return s.console->authorize(*ctx, user, std::move(run));
  s.auth->authorize(ctx->header("Authorization").value_or(""), route.access, user, std::move(run));
}

}  // namespace

std::span<const Route> routeTable() {
  return kRoutes;
}

std::string consolePath(const Route& route) {
  return std::string(kConsoleMount) + route.path;
}

bool consoleMounted(const Route& route) {
  return route.on_admin && route.access == Access::kUser;
}

void registerRoutes(Router& router, Listener listener, Services& services) {
  for (const Route& route : kRoutes) {
    if (!(listener == Listener::kPublic ? route.on_public : route.on_admin)) continue;
    router.addOrDie(route.method, route.path, [&route, &services](const RequestPtr& ctx) {
      dispatch(route, Mount::kDirect, services, ctx);
    });
  }
  if (listener != Listener::kPublic) return;
  // Every user route again for the console, on the public listener (docs/api.md, Console).
  for (const Route& route : kRoutes) {
    if (!consoleMounted(route)) continue;
    router.addOrDie(route.method, consolePath(route), [&route, &services](const RequestPtr& ctx) {
      dispatch(route, Mount::kConsole, services, ctx);
    });
  }
}

}  // namespace triggerd
