#include "cli/commands_admin.h"

#include "cli/api_error.h"
#include "cli/api_paths.h"
#include "cli/json_text.h"
#include "cli/table.h"
#include "common/json.h"

namespace triggerd::cli {

int keysReseal(const Context& ctx) {
  auto answer = callApi(ctx, "POST", paths::keysReseal());
  if (!answer.ok()) return answer.exit_code;
  // Records no configured key opens: the key that sealed them is still needed.
  const auto* left = json::member(answer.doc, "left_behind");
  bool left_behind = left && left->IsArray() && !left->Empty();
  if (printJsonIfAsked(ctx, answer.response.body)) return left_behind ? kExitApiError : kExitOk;
  auto resealed = json::getInt(answer.doc, "resealed");
  if (!resealed) return unexpectedAnswer(ctx, "no \"resealed\" count");
  ctx.out << "Re-sealed " << *resealed << (*resealed == 1 ? " secret" : " secrets") << " with key "
          << cellText(memberText(answer.doc, "key_id")) << "\n";
  if (!left_behind) return kExitOk;
  ctx.err << "error: " << left->Size() << (left->Size() == 1 ? " record could" : " records could")
          << " not be opened with the configured keys; do not retire the previous key:\n";
  for (const auto& name : left->GetArray())
    if (name.IsString()) ctx.err << "  " << cellText(name.GetString()) << "\n";
  return kExitApiError;
}

int sourcesCheck(const Context& ctx) {
  auto answer = callApi(ctx, "POST", paths::tokensCheck());
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  auto checked = json::getInt(answer.doc, "checked");
  if (!checked) return unexpectedAnswer(ctx, "no \"checked\" count");
  ctx.out << "Checked " << *checked << (*checked == 1 ? " bound token" : " bound tokens");
  const char* sep = ": ";
  for (const char* state : {"valid", "expiring", "expired", "revoked", "unreachable"}) {
    ctx.out << sep << json::getInt(answer.doc, state).value_or(0) << " " << state;
    sep = ", ";
  }
  ctx.out << "\n";
  return kExitOk;
}

int health(const Context& ctx) {
  // Not callApi: a 503 here is a normal "not ready" result, not an error to decorate.
  auto result = ctx.client.call("GET", paths::readyz(), {}, /*authenticated=*/false);
  if (!result) {
    ctx.err << formatUnreachable(ctx.client.urlFor(paths::readyz()),
                                 ctx.client.options().unix_socket, result.error().message);
    return kExitUnreachable;
  }
  const ApiResponse& response = result.value();
  const bool ready = response.status == 200;
  if (ctx.output.json && (ready || response.status == 503)) {
    printJsonIfAsked(ctx, response.body);
  } else if (ready || response.status == 503) {
    auto doc = json::parse(response.body);
    if (ready) {
      ctx.out << "ready\n";
    } else {
      std::string reason = doc ? memberText(doc.value(), "error") : "";
      constexpr std::string_view kPrefix = "not ready: ";  // triggerd's own wording
      if (reason.starts_with(kPrefix)) reason.erase(0, kPrefix.size());
      ctx.out << "not ready" << (reason.empty() ? "" : ": " + cellText(reason)) << "\n";
    }
    // The admin listener also says how much waits in the spool.
    const auto* spool = doc ? json::member(doc.value(), "spool") : nullptr;
    if (spool != nullptr && spool->IsObject()) {
      ctx.out << "spool: " << json::getInt(*spool, "records").value_or(0) << " deliveries waiting";
      if (const auto* age = json::member(*spool, "oldest_age_seconds"); age && age->IsNumber())
        ctx.out << ", oldest " << static_cast<int64_t>(age->GetDouble()) << " s";
      ctx.out << (json::getBool(*spool, "writable").value_or(false) ? "" : ", NOT WRITABLE")
              << "\n";
    }
  } else {
    ctx.err << formatApiError(response.status, response.body);
    if (response.status == 404) {
      ctx.err << "hint: /readyz is served by both of triggerd's listeners; is --url triggerd?\n";
    }
  }
  return ready ? kExitOk : kExitApiError;
}

}  // namespace triggerd::cli
