// /api/v1/admin/...: operations on the whole installation (admin tokens only).
#include "handlers/handlers.h"

namespace triggerd::handlers {

// POST /api/v1/admin/tokens/check: one token re-validation pass now (it also runs every
// tokens.check_interval). Any triggerd process may take it; while a pass runs in another one,
// the answer is 409 rather than a second pass.
void checkTokens(const Call& c) {
  c.services.token_checker->runOnce([ctx = c.ctx](TokenCheckSummary sum) {
    if (sum.failed) return ctx->fail(*sum.failed);
    if (sum.elsewhere)
      return ctx->fail(Error::conflict(
          "tokens",
          "a token check pass is running in another triggerd process; its results show in "
          "GET /api/v1/users/{user}/sources when it ends (retry in a minute to run another)"));
    ctx->reply(
        200, json::build([&](json::Writer& w) {
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
}

// POST /api/v1/admin/keys/reseal: the sweep's outcome, naming the records it had to leave
// behind because no configured key opens them (then an older key is still needed).
void resealKeys(const Call& c) {
  c.services.resealer->run([ctx = c.ctx](Result<ResealOutcome> done) {
    if (!done.ok()) return ctx->fail(done.error());
    const ResealOutcome& o = *done;
    std::string body = json::build([&](json::Writer& w) {
      w.StartObject();
      json::key(w, "resealed");
      w.Int(o.resealed);
      json::key(w, "current");
      w.Int(o.current);
      json::kv(w, "key_id", o.key_id);
      json::key(w, "left_behind");
      w.StartArray();
      for (const auto& name : o.left_behind) json::str(w, name);
      w.EndArray();
      if (!o.left_behind.empty()) {
        json::kv(w, "error",
                 std::to_string(o.left_behind.size()) +
                     " records could not be opened with the configured keys; keep the key that "
                     "sealed them, or delete those records");
      }
      w.EndObject();
    });
    ctx->reply(200, body);
  });
}

}  // namespace triggerd::handlers
