#include "cli/commands_tokens.h"

#include "cli/api_paths.h"
#include "cli/json_text.h"
#include "cli/table.h"
#include "common/json.h"

namespace triggerd::cli {

int tokensCreate(const Context& ctx, const std::string& user, const std::string& name) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, "name", name);
  w.EndObject();
  auto answer =
      callApi(ctx, "POST", paths::tokens(user), std::string_view(buf.GetString(), buf.GetSize()));
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  auto token = json::getString(answer.doc, "token");
  if (!token) return unexpectedAnswer(ctx, "no \"token\"");
  const std::string id = cellText(memberText(answer.doc, "id"));
  ctx.out << "Token \"" << cellText(name) << "\" (id " << id << ") for " << cellText(user)
          << ":\n\n  " << cellText(*token) << "\n\n"
          << "It is shown only now: store it in a file readable only by its user and point\n"
          << "TRIGGERCTL_TOKEN_FILE (or --token-file) at it. Revoke it with:\n"
          << "  triggerctl tokens revoke " << cellText(user) << " " << id << "\n";
  return kExitOk;
}

int tokensRevoke(const Context& ctx, const std::string& user, const std::string& id) {
  auto answer = callApi(ctx, "DELETE", paths::token(user, id));
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  ctx.out << "Revoked token " << cellText(id) << " of " << cellText(user) << "\n";
  return kExitOk;
}

}  // namespace triggerd::cli
