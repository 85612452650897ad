#include "cli/commands_triggers.h"

#include "cli/api_paths.h"
#include "cli/json_text.h"
#include "cli/local_files.h"
#include "cli/rule_spec.h"
#include "cli/table.h"
#include "common/json.h"

namespace triggerd::cli {

namespace {

void writeRawArray(json::Writer& w, const std::string& array_json) {
  w.RawValue(array_json.data(), array_json.size(), rapidjson::kArrayType);
}

std::string hookState(const rapidjson::Value& trigger) {
  const auto* hook = json::member(trigger, "hook");
  if (!hook) return "";
  bool installed = json::getBool(*hook, "installed").value_or(false);
  bool verified = json::getBool(*hook, "verified").value_or(false);
  // "unverified": no signed delivery (or GitHub ping) has reached triggerd yet.
  std::string state =
      std::string(installed ? "installed" : "manual") + (verified ? ", verified" : ", unverified");
  if (installed && !json::getBool(*hook, "active").value_or(true)) state += ", inactive";
  const auto* error = json::member(*hook, "last_error");
  if (installed && error && error->IsString() && error->GetStringLength() > 0) state += ", error";
  return state;
}

std::string repositoryName(const rapidjson::Value& trigger) {
  const auto* repo = json::member(trigger, "repository");
  if (repo && repo->IsObject()) return memberText(*repo, "full_name");
  return valueText(repo);
}

std::string ruleCount(const rapidjson::Value& trigger) {
  const auto* rules = json::member(trigger, "rules");
  return rules && rules->IsArray() ? std::to_string(rules->Size()) : "";
}

std::string providerLabel(const std::string& provider) {
  if (provider == "github") return "GitHub";
  if (provider == "gitlab") return "GitLab";
  return provider;
}

// Prints the trigger of a {"trigger": {...}} answer, or reports a malformed one.
int printTriggerAnswer(const Context& ctx, const Answer& answer, std::string_view headline) {
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  const auto* trigger = json::member(answer.doc, "trigger");
  if (!trigger || !trigger->IsObject()) return unexpectedAnswer(ctx, "no \"trigger\" object");
  if (!headline.empty()) ctx.out << headline << memberText(*trigger, "id") << "\n\n";
  ctx.out << describeTrigger(*trigger);
  return kExitOk;
}

}  // namespace

Result<std::optional<std::string>> rulesJson(const std::string& rules_file,
                                             const std::vector<std::string>& specs) {
  if (!rules_file.empty() && !specs.empty()) {
    return Error::badRequest("--rule", "give either --rule options or --rules-file, not both");
  }
  if (!rules_file.empty()) {
    auto text = readTextFile(rules_file);
    if (!text) return text.error();
    auto rules = rulesFromFileText(text.value(), rules_file);
    if (!rules) return rules.error();
    return std::optional<std::string>(std::move(rules.value()));
  }
  if (specs.empty()) return std::optional<std::string>();
  auto rules = parseRuleSpecs(specs);
  if (!rules) return rules.error();
  return std::optional<std::string>(ruleSpecsJson(rules.value()));
}

Result<std::string> triggerCreateBody(const TriggerCreateArgs& args) {
  auto rules = rulesJson(args.rules_file, args.rules);
  if (!rules) return rules.error();
  if (!rules.value()) {
    return Error::badRequest("--rule",
                             "a trigger needs build rules: give --rule KIND:PATTERN=TAG[,TAG...] "
                             "(repeatable) or --rules-file FILE");
  }
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, "provider", args.provider);
  json::kv(w, "repository", args.repository);
  json::kv(w, "image", args.image);
  // triggerd installs the hook through the user's bound source unless asked not to.
  json::key(w, "install_hook");
  w.Bool(!args.manual);
  json::key(w, "rules");
  writeRawArray(w, *rules.value());
  if (args.disabled) {
    json::key(w, "enabled");
    w.Bool(false);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<std::string> triggerPatchBody(const TriggerUpdateArgs& args) {
  auto rules = rulesJson(args.rules_file, args.rules);
  if (!rules) return rules.error();
  if (!args.image && !rules.value() && !args.enabled) {
    return Error::badRequest("",
                             "nothing to update: give --image, --rule or --rules-file, "
                             "--enable or --disable");
  }
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  if (args.image) json::kv(w, "image", *args.image);
  if (rules.value()) {
    json::key(w, "rules");
    writeRawArray(w, *rules.value());
  }
  if (args.enabled) {
    json::key(w, "enabled");
    w.Bool(*args.enabled);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string describeTrigger(const rapidjson::Value& trigger) {
  std::vector<std::pair<std::string, std::string>> fields{
      {"id", memberText(trigger, "id")},
      {"user", memberText(trigger, "user")},
      {"provider", memberText(trigger, "provider")},
      {"repository", repositoryName(trigger)},
      {"image", memberText(trigger, "image")},
      {"enabled", memberText(trigger, "enabled")},
      {"hook", hookState(trigger)},
  };
  if (const auto* hook = json::member(trigger, "hook");
      hook && json::getBool(*hook, "installed").value_or(false)) {
    fields.push_back({"hook id", memberText(*hook, "id")});
    fields.push_back({"checked", memberTimeOr(*hook, "last_checked_at", "never")});
    fields.push_back({"last error", memberTextOr(*hook, "last_error", "none")});
    fields.push_back({"last repair", memberTextOr(*hook, "last_repair", "none")});
  }
  fields.push_back({"created", memberTimeOr(trigger, "created_at")});
  fields.push_back({"updated", memberTimeOr(trigger, "updated_at")});
  std::string out = renderFields(fields);
  const auto* rules = json::member(trigger, "rules");
  if (!rules || !rules->IsArray()) return out;
  Table table({"#", "kind", "match", "tags", "dockerfile", "context", "paths"});
  for (rapidjson::SizeType i = 0; i < rules->Size(); ++i) {
    const auto& rule = (*rules)[i];
    table.addRow({std::to_string(i), memberText(rule, "kind"), memberText(rule, "match"),
                  memberText(rule, "tags"), memberText(rule, "dockerfile"),
                  memberText(rule, "context"), memberText(rule, "paths")});
  }
  out += "\nRULES\n" + table.render();
  return out;
}

std::string webhookInstructions(const std::string& provider, const rapidjson::Value& webhook) {
  std::string out;
  if (provider == "gitlab") {
    out += "In GitLab, open the project's Settings > Webhooks > Add new webhook and set:\n\n";
    std::vector<std::pair<std::string, std::string>> fields{
        {"  url", memberText(webhook, "url")}, {"  secret token", memberText(webhook, "secret")}};
    if (json::member(webhook, "signing_token"))
      fields.push_back({"  signing token", memberText(webhook, "signing_token")});
    fields.push_back({"  trigger", "Push events, Tag push events"});
    out += renderFields(fields);
  } else {
    out += "In " + providerLabel(provider) +
           ", open the repository's Settings > Webhooks > Add webhook and set:\n\n";
    out += renderFields(
        {{"  payload url", memberText(webhook, "url")},
         {"  content type", memberTextOr(webhook, "content_type", "application/json")},
         {"  secret", memberText(webhook, "secret")},
         {"  events", memberTextOr(webhook, "events", "push") + " (\"Just the push event\")"}});
  }
  return out;
}

int triggersList(const Context& ctx, const std::string& user) {
  auto answer = callApi(ctx, "GET", paths::triggers(user));
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  const auto* triggers = json::member(answer.doc, "triggers");
  if (!triggers || !triggers->IsArray()) return unexpectedAnswer(ctx, "no \"triggers\" array");
  if (triggers->Empty()) {
    ctx.out << "no triggers for " << cellText(user) << "\n";
    return kExitOk;
  }
  Table table({"id", "provider", "repository", "image", "enabled", "hook", "rules", "updated"});
  for (const auto& t : triggers->GetArray()) {
    table.addRow({memberText(t, "id"), memberText(t, "provider"), repositoryName(t),
                  memberText(t, "image"), memberText(t, "enabled"), hookState(t), ruleCount(t),
                  memberTimeOr(t, "updated_at")});
  }
  ctx.out << table.render();
  return kExitOk;
}

int triggersShow(const Context& ctx, const std::string& user, const std::string& id) {
  auto answer = callApi(ctx, "GET", paths::trigger(user, id));
  if (!answer.ok()) return answer.exit_code;
  return printTriggerAnswer(ctx, answer, "");
}

int triggersCreate(const Context& ctx, const TriggerCreateArgs& args) {
  auto body = triggerCreateBody(args);
  if (!body) return usageError(ctx, body.error());
  auto answer = callApi(ctx, "POST", paths::triggers(args.user), body.value());
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  const auto* trigger = json::member(answer.doc, "trigger");
  const auto* webhook = json::member(answer.doc, "webhook");
  if (!trigger || !webhook) return unexpectedAnswer(ctx, "no \"trigger\" or \"webhook\" object");
  ctx.out << "Created trigger " << cellText(memberText(*trigger, "id")) << " for "
          << cellText(args.repository) << " -> " << cellText(args.image) << "\n\n";
  if (!json::member(*webhook, "secret")) {
    // Installed through the bound account: nothing to paste, and the secret stays with triggerd.
    const auto* hook = json::member(*trigger, "hook");
    ctx.out << "Installed webhook " << cellText(hook ? memberText(*hook, "id") : "") << " on "
            << cellText(args.repository) << ": " << cellText(memberText(*webhook, "url")) << "\n"
            << "Check or repair it with: triggerctl hooks check|repair " << cellText(args.user)
            << " " << cellText(memberText(*trigger, "id")) << "\n";
    return kExitOk;
  }
  ctx.out << webhookInstructions(args.provider, *webhook)
          << "\nThe secret is shown only now. If it is lost, get a new one with:\n"
          << "  triggerctl triggers rotate-secret " << cellText(args.user) << " "
          << cellText(memberText(*trigger, "id")) << "\n";
  return kExitOk;
}

int triggersUpdate(const Context& ctx, const TriggerUpdateArgs& args) {
  auto body = triggerPatchBody(args);
  if (!body) return usageError(ctx, body.error());
  auto answer = callApi(ctx, "PATCH", paths::trigger(args.user, args.id), body.value());
  if (!answer.ok()) return answer.exit_code;
  return printTriggerAnswer(ctx, answer, "Updated trigger ");
}

int triggersDelete(const Context& ctx, const std::string& user, const std::string& id) {
  auto answer = callApi(ctx, "DELETE", paths::trigger(user, id));
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  ctx.out << "Deleted trigger " << cellText(id) << "\n";
  const auto* hook = json::member(answer.doc, "hook");
  if (!hook || !hook->IsObject()) return kExitOk;  // a hand-made hook, or an older triggerd
  if (const auto* error = json::member(*hook, "error"); error && error->IsObject()) {
    ctx.err << "warning: its webhook was left on the repository: "
            << cellText(memberText(*error, "error")) << "\n";
  } else if (json::getInt(*hook, "removed").value_or(0) > 0) {
    ctx.out << "Removed its webhook from the repository\n";
  }
  return kExitOk;
}

int triggersRotateSecret(const Context& ctx, const std::string& user, const std::string& id) {
  auto answer =
      callApi(ctx, "POST", paths::triggerHookRepair(user, id), R"({"rotate_secret":true})");
  if (!answer.ok()) return answer.exit_code;
  if (printJsonIfAsked(ctx, answer.response.body)) return kExitOk;
  const auto* trigger = json::member(answer.doc, "trigger");
  const auto* webhook = json::member(answer.doc, "webhook");
  if (!trigger || !webhook) return unexpectedAnswer(ctx, "no \"trigger\" or \"webhook\" object");
  const std::string provider = memberText(*trigger, "provider");
  const std::string repository = repositoryName(*trigger);
  if (!json::member(*webhook, "secret")) {
    // An installed hook: triggerd set the new secret on the provider itself.
    ctx.out << "Set a new webhook secret for trigger " << cellText(id)
            << (repository.empty() ? "" : " on " + cellText(repository)) << ".\n"
            << "The previous secret keeps verifying deliveries until "
            << memberTimeOr(*webhook, "previous_secret_valid_until", "the grace period ends")
            << ".\n";
    return kExitOk;
  }
  ctx.out << "New webhook secret for trigger " << cellText(id)
          << (repository.empty() ? "" : " (" + cellText(repository) + ")") << ".\n\n";
  ctx.out << "Replace the secret in the existing webhook (" << providerLabel(provider)
          << ": Settings > Webhooks > edit the hook):\n\n";
  ctx.out << renderFields(
      {{"  url", memberText(*webhook, "url")}, {"  secret", memberText(*webhook, "secret")}});
  ctx.out << "\nThe previous secret keeps verifying deliveries until "
          << memberTimeOr(*webhook, "previous_secret_valid_until", "the grace period ends")
          << "; then only the new one does. The new secret is shown only now.\n";
  return kExitOk;
}

}  // namespace triggerd::cli
