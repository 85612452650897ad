// Every route of triggerd, on one screen. Handlers live in their own files; this table only
// says which URL reaches which, and which need which token.
#include "handlers/routes.h"

#include "common/encoding.h"
#include "handlers/webhook_handler.h"
#include "http/request_context.h"

namespace triggerd {
namespace {

void replyApi(const RequestPtr& ctx, ApiReply r) {
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
  return [ctx](ApiReply r) { replyApi(ctx, std::move(r)); };
}

// Authenticates, checks the {user} parameter, then runs `fn(user)`.
void authed(Services& s, const RequestPtr& ctx, bool admin_only,
            std::function<void(const std::string& user)> fn) {
  std::string user(ctx->param("user"));
  if (ctx->params().has("user")) {
    if (auto st = validateUserId(user); !st.ok()) return ctx->fail(st.error());
  }
  s.auth->authorize(
      ctx->header("Authorization").value_or(""), user, admin_only,
      [ctx, user, fn = std::move(fn), &s](Result<Principal> p) {
        if (!p.ok()) {
          s.metrics->inc("triggerd_api_errors_total",
                         {{"reason", p.error().status == 401 ? "unauthenticated" : "forbidden"}});
          return ctx->fail(p.error());
        }
        fn(user);
      });
}

std::string param(const RequestPtr& ctx, const char* name) {
  return std::string(ctx->param(name));
}

std::string queryParam(const RequestPtr& ctx, const char* name) {
  return std::string(ctx->queryParam(name).value_or(""));
}

void health(const RequestPtr& ctx) {
  ctx->reply(200, R"({"status": "ok"})");
}

void readiness(Services& s, const RequestPtr& ctx) {
  if (s.ready()) return ctx->reply(200, R"({"status": "ready"})");
  ctx->fail(Error::unavailable("not ready: " + s.not_ready_reason()));
}

}  // namespace

void registerPublicRoutes(Router& r, Services& s) {
  r.addOrDie("POST", "/webhooks/github/{trigger_id}", [&s](const RequestPtr& ctx) {
    handleWebhook(Provider::kGithub, *s.ingest, *s.metrics, ctx);
  });
  r.addOrDie("POST", "/webhooks/gitlab/{trigger_id}", [&s](const RequestPtr& ctx) {
    handleWebhook(Provider::kGitlab, *s.ingest, *s.metrics, ctx);
  });
  r.addOrDie("GET", "/oauth/github/callback", [&s](const RequestPtr& ctx) {
    std::map<std::string, std::string> query;
    for (const auto& [k, v] : ctx->query()) query.emplace(k, v);
    s.sources->githubCallback(query, [ctx, &s](ApiReply reply) {
      s.metrics->inc("triggerd_oauth_callbacks_total",
                     {{"outcome", reply.status < 400 ? "bound" : "refused"}});
      replyApi(ctx, std::move(reply));
    });
  });
  r.addOrDie("GET", "/healthz", health);
  r.addOrDie("GET", "/readyz", [&s](const RequestPtr& ctx) { readiness(s, ctx); });
}

void registerAdminRoutes(Router& r, Services& s) {
  r.addOrDie("GET", "/healthz", health);
  r.addOrDie("GET", "/readyz", [&s](const RequestPtr& ctx) { readiness(s, ctx); });
  r.addOrDie("GET", "/metrics", [&s](const RequestPtr& ctx) {
    ctx->replyRaw(200, s.metrics->render(), "text/plain; version=0.0.4; charset=utf-8");
  });

  // Triggers
  r.addOrDie("POST", "/api/v1/users/{user}/triggers", [&s](const RequestPtr& ctx) {
    authed(s, ctx, false, [&s, ctx](const std::string& user) {
      s.triggers->create(user, ctx->body(), replier(ctx));
    });
  });
  r.addOrDie("GET", "/api/v1/users/{user}/triggers", [&s](const RequestPtr& ctx) {
    authed(s, ctx, false,
           [&s, ctx](const std::string& user) { s.triggers->list(user, replier(ctx)); });
  });
  r.addOrDie("GET", "/api/v1/users/{user}/triggers/{id}", [&s](const RequestPtr& ctx) {
    authed(s, ctx, false, [&s, ctx](const std::string& user) {
      s.triggers->get(user, param(ctx, "id"), replier(ctx));
    });
  });
  r.addOrDie("PATCH", "/api/v1/users/{user}/triggers/{id}", [&s](const RequestPtr& ctx) {
    authed(s, ctx, false, [&s, ctx](const std::string& user) {
      s.triggers->patch(user, param(ctx, "id"), ctx->body(), replier(ctx));
    });
  });
  r.addOrDie("DELETE", "/api/v1/users/{user}/triggers/{id}", [&s](const RequestPtr& ctx) {
    authed(s, ctx, false, [&s, ctx](const std::string& user) {
      s.triggers->remove(user, param(ctx, "id"), replier(ctx));
    });
  });
  r.addOrDie("POST", "/api/v1/users/{user}/triggers/{id}/hook/repair", [&s](const RequestPtr& ctx) {
    authed(s, ctx, false, [&s, ctx](const std::string& user) {
      s.triggers->repairHook(user, param(ctx, "id"), ctx->body(), replier(ctx));
    });
  });

  // User tokens (admin only)
  r.addOrDie("POST", "/api/v1/users/{user}/tokens", [&s](const RequestPtr& ctx) {
    authed(s, ctx, true, [&s, ctx](const std::string& user) {
      std::string name = "token";
      if (!trim(ctx->body()).empty()) {
        auto doc = json::parse(ctx->body());
        if (!doc.ok()) return ctx->fail(doc.error());
        if (const auto* n = json::member(*doc, "name")) {
          if (!n->IsString() || n->GetStringLength() == 0 || n->GetStringLength() > 64)
            return ctx->fail(Error::unprocessable("name", "a name of 1 to 64 characters"));
          name = n->GetString();
        }
      }
      s.auth->mint(user, name, *s.rng,
                   [ctx, user, name](Result<std::pair<std::string, std::string>> t) {
                     if (!t.ok()) return ctx->fail(t.error());
                     ctx->reply(201, jsonBody([&](json::Writer& w) {
                                  w.StartObject();
                                  json::kv(w, "token", t->first);
                                  json::kv(w, "id", t->second);
                                  json::kv(w, "user", user);
                                  json::kv(w, "name", name);
                                  w.EndObject();
                                }));
                   });
    });
  });
  r.addOrDie("DELETE", "/api/v1/users/{user}/tokens/{id}", [&s](const RequestPtr& ctx) {
    authed(s, ctx, true, [&s, ctx](const std::string& user) {
      s.auth->revoke(user, param(ctx, "id"), [ctx](Status st) {
        if (!st.ok()) return ctx->fail(st.error());
        ctx->replyRaw(204, "", "application/json");
      });
    });
  });

  // Sources
  r.addOrDie("GET", "/api/v1/users/{user}/sources", [&s](const RequestPtr& ctx) {
    authed(s, ctx, false,
           [&s, ctx](const std::string& user) { s.sources->list(user, replier(ctx)); });
  });
  r.addOrDie("PUT", "/api/v1/users/{user}/sources/gitlab", [&s](const RequestPtr& ctx) {
    authed(s, ctx, false, [&s, ctx](const std::string& user) {
      s.sources->bindGitlab(user, ctx->body(), replier(ctx));
    });
  });
  r.addOrDie("PUT", "/api/v1/users/{user}/sources/github", [&s](const RequestPtr& ctx) {
    authed(s, ctx, false, [&s, ctx](const std::string& user) {
      s.sources->bindGithubToken(user, ctx->body(), replier(ctx));
    });
  });
  r.addOrDie("POST", "/api/v1/users/{user}/sources/github/authorize", [&s](const RequestPtr& ctx) {
    authed(s, ctx, false,
           [&s, ctx](const std::string& user) { s.sources->authorizeGithub(user, replier(ctx)); });
  });
  r.addOrDie("DELETE", "/api/v1/users/{user}/sources/{provider}", [&s](const RequestPtr& ctx) {
    authed(s, ctx, false, [&s, ctx](const std::string& user) {
      s.sources->unbind(user, param(ctx, "provider"), replier(ctx));
    });
  });
  r.addOrDie("GET", "/api/v1/users/{user}/sources/{provider}/repos", [&s](const RequestPtr& ctx) {
    authed(s, ctx, false, [&s, ctx](const std::string& user) {
      s.sources->browse(user, param(ctx, "provider"), "repos", "", queryParam(ctx, "page"),
                        replier(ctx));
    });
  });
  r.addOrDie("GET", "/api/v1/users/{user}/sources/{provider}/repos/{repo}/branches",
             [&s](const RequestPtr& ctx) {
               authed(s, ctx, false, [&s, ctx](const std::string& user) {
                 s.sources->browse(user, param(ctx, "provider"), "branches", param(ctx, "repo"),
                                   queryParam(ctx, "page"), replier(ctx));
               });
             });
  r.addOrDie("GET", "/api/v1/users/{user}/sources/{provider}/repos/{repo}/tags",
             [&s](const RequestPtr& ctx) {
               authed(s, ctx, false, [&s, ctx](const std::string& user) {
                 s.sources->browse(user, param(ctx, "provider"), "tags", param(ctx, "repo"),
                                   queryParam(ctx, "page"), replier(ctx));
               });
             });

  // Token re-validation, on demand (it also runs every tokens.check_interval).
  r.addOrDie("POST", "/api/v1/admin/tokens/check", [&s](const RequestPtr& ctx) {
    authed(s, ctx, true, [&s, ctx](const std::string&) {
      s.check_tokens([ctx](TokenCheckSummary sum) {
        ctx->reply(
            200, jsonBody([&](json::Writer& w) {
              w.StartObject();
              for (auto [name, n] :
                   {std::pair{"checked", sum.checked}, std::pair{"valid", sum.valid},
                    std::pair{"expiring", sum.expiring}, std::pair{"expired", sum.expired},
                    std::pair{"revoked", sum.revoked}, std::pair{"unreachable", sum.unreachable}}) {
                json::key(w, name);
                w.Int(n);
              }
              w.EndObject();
            }));
      });
    });
  });

  // Keys
  r.addOrDie("POST", "/api/v1/admin/keys/reseal", [&s](const RequestPtr& ctx) {
    authed(s, ctx, true, [&s, ctx](const std::string&) {
      s.reseal([ctx](Result<std::pair<int, std::string>> done) {
        if (!done.ok()) return ctx->fail(done.error());
        ctx->reply(200, jsonBody([&](json::Writer& w) {
                     w.StartObject();
                     json::key(w, "resealed");
                     w.Int(done->first);
                     json::kv(w, "key_id", done->second);
                     w.EndObject();
                   }));
      });
    });
  });
}

}  // namespace triggerd
