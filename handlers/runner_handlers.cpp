// /api/v1/runner/...: what runners call with their runner token (clone credentials), and
// /api/v1/admin/runner-tokens: minting, listing and revoking those tokens (admin only).
#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/log.h"
#include "handlers/handlers.h"

namespace triggerd::handlers {

// Body (optional): {"runner": "<consumer name>", "attempt": n}, checked against the job.
void jobCredentials(const Call& c) {
  static constexpr std::string_view kFields[] = {"runner", "attempt"};
  auto doc = parseObjectBody(c.ctx->body(), kFields, /*empty_ok=*/true);
  if (!doc.ok()) return c.ctx->fail(doc.error());
  CredentialRequest request;
  request.job_id = std::string(c.ctx->param("id"));
  if (!looksLikeJobId(request.job_id))
    return c.ctx->fail(Error::notFound("id", "no job " + log::logValue(request.job_id, 40)));
  if (const auto* r = json::member(*doc, "runner")) {
    if (!r->IsString() || r->GetStringLength() == 0 || r->GetStringLength() > 200)
      return c.ctx->fail(Error::unprocessable("runner", "the runner's consumer name"));
    request.runner = r->GetString();
  }
  if (const auto* a = json::member(*doc, "attempt")) {
    if (!a->IsInt() || a->GetInt() < 1)
      return c.ctx->fail(Error::unprocessable("attempt", "the job's attempt, from 1"));
    request.attempt = a->GetInt();
  }
  c.services.credentials->issue(request, [ctx = c.ctx](Result<CloneCredential> cred) {
    if (!cred.ok()) return ctx->fail(cred.error());
    std::string expires = formatRfc3339(
        std::chrono::system_clock::time_point(std::chrono::seconds(cred->expires_at)));
    ctx->reply(200, json::build([&](json::Writer& w) {
                 w.StartObject();
                 json::kv(w, "username", cred->username);
                 json::kv(w, "password", cred->password);
                 json::kv(w, "expires_at", expires);
                 w.EndObject();
               }),
               {{"Cache-Control", "no-store"}});
  });
}

void mintRunnerToken(const Call& c) {
  static constexpr std::string_view kFields[] = {"name"};
  auto doc = parseObjectBody(c.ctx->body(), kFields);
  if (!doc.ok()) return c.ctx->fail(doc.error());
  const auto* n = json::member(*doc, "name");
  if (!n || !n->IsString() || n->GetStringLength() == 0 || n->GetStringLength() > 64)
    return c.ctx->fail(Error::unprocessable("name",
                                            "a name of 1 to 64 characters, e.g. the "
                                            "runner host"));
  c.services.tokens->mint(
      "", n->GetString(), "runner", *c.services.rng, [ctx = c.ctx](Result<MintedToken> t) {
        if (!t.ok()) return ctx->fail(t.error());
        TLOG_INFO("tokens", "id=%s name=%s runner token minted", t->record.id.c_str(),
                  log::logValue(t->record.name, 64).c_str());
        ctx->reply(201, json::build([&](json::Writer& w) {
                     w.StartObject();
                     json::kv(w, "token", t->token);
                     json::kv(w, "id", t->record.id);
                     json::kv(w, "name", t->record.name);
                     w.EndObject();
                   }));
      });
}

void listRunnerTokens(const Call& c) {
  c.services.tokens->listRunners([ctx = c.ctx](Result<std::vector<ApiTokenRecord>> list) {
    if (!list.ok()) return ctx->fail(list.error());
    ctx->reply(200, json::build([&](json::Writer& w) {
                 w.StartObject();
                 json::key(w, "runner_tokens");
                 w.StartArray();
                 for (const auto& t : *list) {
                   w.StartObject();
                   json::kv(w, "id", t.id);
                   json::kv(w, "name", t.name);
                   w.EndObject();
                 }
                 w.EndArray();
                 w.EndObject();
               }));
  });
}

void revokeRunnerToken(const Call& c) {
  std::string id(c.ctx->param("id"));
  c.services.tokens->revokeRunner(id, [ctx = c.ctx, id](Status st) {
    if (!st.ok()) return ctx->fail(st.error());
    TLOG_INFO("tokens", "id=%s runner token revoked", log::logValue(id, 40).c_str());
    ctx->replyRaw(204, "", "application/json");
  });
}

}  // namespace triggerd::handlers
