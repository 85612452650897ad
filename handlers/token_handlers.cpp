// POST/DELETE /api/v1/users/{user}/tokens: user tokens, minted and revoked by an admin.
#include "common/json_fields.h"
#include "handlers/handlers.h"

namespace triggerd::handlers {

void mintToken(const Call& c) {
  static constexpr std::string_view kFields[] = {"name"};
  auto doc = parseObjectBody(c.ctx->body(), kFields, /*empty_ok=*/true);
  if (!doc.ok()) return c.ctx->fail(doc.error());
  std::string name = "token";
  if (const auto* n = json::member(*doc, "name")) {
    if (!n->IsString() || n->GetStringLength() == 0 || n->GetStringLength() > 64)
      return c.ctx->fail(Error::unprocessable("name", "a name of 1 to 64 characters"));
    name = n->GetString();
  }
  c.services.tokens->mint(c.user, name, "user", *c.services.rng,
                          [ctx = c.ctx](Result<MintedToken> t) {
                            if (!t.ok()) return ctx->fail(t.error());
                            ctx->reply(201, json::build([&](json::Writer& w) {
                                         w.StartObject();
                                         json::kv(w, "token", t->token);
                                         json::kv(w, "id", t->record.id);
                                         json::kv(w, "user", t->record.user);
                                         json::kv(w, "name", t->record.name);
                                         w.EndObject();
                                       }));
                          });
}

void revokeToken(const Call& c) {
  c.services.tokens->revoke(c.user, std::string(c.ctx->param("id")), [ctx = c.ctx](Status st) {
    if (!st.ok()) return ctx->fail(st.error());
    ctx->replyRaw(204, "", "application/json");
  });
}

}  // namespace triggerd::handlers
