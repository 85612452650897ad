// triggerctl: the command-line client of triggerd's admin API (docs/triggerctl.md). This file
// only declares the command line; cli/commands_*.cpp do the work.
#include <curl/curl.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "cli/commands_admin.h"
#include "cli/commands_hooks.h"
#include "cli/commands_jobs.h"
#include "cli/commands_queue.h"
#include "cli/commands_sources.h"
#include "cli/commands_tokens.h"
#include "cli/commands_triggers.h"
#include "cli/run.h"

#ifndef TRIGGERD_VERSION
#define TRIGGERD_VERSION "dev"
#endif

namespace {

using namespace triggerd::cli;

constexpr const char* kRuleHelp =
    "build rule KIND:PATTERN=TAG[,TAG...], repeatable; KIND is branch or tag, PATTERN an RE2 "
    "pattern without '=', e.g. branch:main=latest,main-{sha:7} or "
    "'tag:v([0-9]+)\\.([0-9]+)=v{1}.{2},latest'";

// The command chosen on the command line, set by the leaf subcommand's callback.
struct Selected {
  Command command;
  bool needs_token = true;
};

void onRun(CLI::App* sub, Selected& selected, Command command, bool needs_token = true) {
  sub->callback([&selected, command = std::move(command), needs_token] {
    selected.command = command;
    selected.needs_token = needs_token;
  });
}

CLI::Option* addUser(CLI::App* sub, std::string& user) {
  return sub->add_option("USER", user, "user (tenant) id")->required();
}

CLI::Option* addProvider(CLI::App* sub, std::string& provider) {
  return sub->add_option("PROVIDER", provider, "github or gitlab")
      ->required()
      ->check(CLI::IsMember({"github", "gitlab"}));
}

// Every value the command line can set, owned by main() for the life of the parse: the
// subcommands' callbacks read them after parsing.
struct CommandArgs {
  std::string user, id, provider;
  TriggerCreateArgs create;
  TriggerUpdateArgs update;
  std::string new_image;
  bool enable = false, disable = false;
  HooksArgs hook_args;
  RunArgs run;
  PageChoice history_page, jobs_page;
  bool follow = false;
  int dead_count = 50;
  std::string dead_before;
  std::vector<std::string> retry_ids;
  bool retry_all = false;
  PurgeArgs purge;
  std::string runner_name;
  BindGitlabArgs gitlab;
  std::string github_token_file;
  ListArgs list;
  std::string token_name;
};

// triggers list|show|create|update|delete|rotate-secret|run|history
void addTriggerCommands(CLI::App& app, Selected& selected, CommandArgs& a) {
  auto* triggers = app.add_subcommand("triggers", "build triggers of a user");
  triggers->require_subcommand(1);

  auto* t_list = triggers->add_subcommand("list", "list a user's triggers");
  addUser(t_list, a.user);
  onRun(t_list, selected, [&a](const Context& ctx) { return triggersList(ctx, a.user); });

  auto* t_show = triggers->add_subcommand("show", "show one trigger and its rules");
  addUser(t_show, a.user);
  t_show->add_option("ID", a.id, "trigger id")->required();
  onRun(t_show, selected, [&a](const Context& ctx) { return triggersShow(ctx, a.user, a.id); });

  auto* t_create = triggers->add_subcommand(
      "create", "create a trigger; prints the webhook URL and secret to paste into the provider");
  addUser(t_create, a.create.user);
  t_create->add_option("--provider", a.create.provider, "github or gitlab")
      ->required()
      ->check(CLI::IsMember({"github", "gitlab"}));
  t_create->add_option("--repository", a.create.repository, "owner/name or GitLab project path")
      ->required();
  t_create->add_option("--image", a.create.image, "image to build, without tag")->required();
  auto* c_file = t_create
                     ->add_option("--rules-file", a.create.rules_file,
                                  "JSON file with the rules array (docs/build-rules.md)")
                     ->type_name("PATH");
  auto* c_rule = t_create->add_option("--rule", a.create.rules, kRuleHelp)
                     ->type_name("SPEC")
                     ->allow_extra_args(false);  // one SPEC per --rule: never eat USER
  c_file->excludes(c_rule);
  t_create->add_flag("--disabled", a.create.disabled, "create it disabled");
  t_create->add_flag("--manual", a.create.manual,
                     "do not install the webhook: print the URL and secret to add by hand "
                     "(for users without a bound account)");
  onRun(t_create, selected, [&a](const Context& ctx) { return triggersCreate(ctx, a.create); });

  auto* t_update = triggers->add_subcommand("update", "change a trigger's image, rules or state");
  addUser(t_update, a.update.user);
  t_update->add_option("ID", a.update.id, "trigger id")->required();
  auto* u_image = t_update->add_option("--image", a.new_image, "new image, without tag");
  auto* u_file = t_update
                     ->add_option("--rules-file", a.update.rules_file,
                                  "JSON file with the new rules array (replaces all rules)")
                     ->type_name("PATH");
  auto* u_rule =
      t_update
          ->add_option("--rule", a.update.rules, std::string(kRuleHelp) + "; replaces all rules")
          ->type_name("SPEC")
          ->allow_extra_args(false);
  u_file->excludes(u_rule);
  auto* u_enable = t_update->add_flag("--enable", a.enable, "enable the trigger");
  t_update->add_flag("--disable", a.disable, "disable the trigger")->excludes(u_enable);
  onRun(t_update, selected, [&a, u_image](const Context& ctx) {
    if (u_image->count() > 0) a.update.image = a.new_image;
    if (a.enable) a.update.enabled = true;
    if (a.disable) a.update.enabled = false;
    return triggersUpdate(ctx, a.update);
  });

  auto* t_delete = triggers->add_subcommand("delete", "delete a trigger");
  addUser(t_delete, a.user);
  t_delete->add_option("ID", a.id, "trigger id")->required();
  onRun(t_delete, selected, [&a](const Context& ctx) { return triggersDelete(ctx, a.user, a.id); });

  auto* t_rotate = triggers->add_subcommand(
      "rotate-secret", "new webhook secret; the old one verifies for a grace period");
  addUser(t_rotate, a.user);
  t_rotate->add_option("ID", a.id, "trigger id")->required();
  onRun(t_rotate, selected,
        [&a](const Context& ctx) { return triggersRotateSecret(ctx, a.user, a.id); });

  auto* t_run = triggers->add_subcommand(
      "run", "build a branch or tag now, as a push would (path filters aside)");
  addUser(t_run, a.run.user);
  t_run->add_option("ID", a.run.id, "trigger id")->required();
  t_run->add_option("--ref", a.run.ref, "branch or tag name, or refs/heads/... or refs/tags/...")
      ->required();
  t_run->add_option("--sha", a.run.sha, "build this commit (the ref must still exist)");
  t_run->add_option("--idempotency-key", a.run.idempotency_key,
                    "a key that makes a repeated run enqueue nothing new");
  onRun(t_run, selected, [&a](const Context& ctx) { return triggersRun(ctx, a.run); });

  auto* t_history = triggers->add_subcommand("history", "a trigger's jobs, newest first");
  addUser(t_history, a.user);
  t_history->add_option("ID", a.id, "trigger id")->required();
  auto* h_page = t_history->add_option("--page", a.history_page.page, "page number");
  t_history->add_flag("--all", a.history_page.all, "every page")->excludes(h_page);
  onRun(t_history, selected,
        [&a](const Context& ctx) { return triggersHistory(ctx, a.user, a.id, a.history_page); });
}

// hooks check|repair
void addHookCommands(CLI::App& app, Selected& selected, CommandArgs& a) {
  auto* hooks = app.add_subcommand("hooks", "webhooks triggerd installed on the repositories");
  hooks->require_subcommand(1);
  for (const char* action : {"check", "repair"}) {
    auto* sub = hooks->add_subcommand(
        action, std::string(action) == "check"
                    ? "report what is wrong with hooks (missing, changed, disabled, failed "
                      "deliveries), changing nothing"
                    : "fix hooks: recreate, update, re-enable, redeliver failed deliveries");
    sub->add_option("USER", a.hook_args.user, "user (tenant) id; leave out with --all");
    sub->add_option("ID", a.hook_args.id, "trigger id; leave out for all of USER's triggers");
    sub->add_flag("--all", a.hook_args.all, "every user's triggers (admin token needed)");
    if (std::string(action) == "repair") {
      sub->add_flag("--rotate-secret", a.hook_args.rotate_secret,
                    "with ID: set a new secret on the provider; the old one verifies for "
                    "webhooks.secret_rotation_grace");
    }
    onRun(sub, selected, [&a, action](const Context& ctx) {
      a.hook_args.action = action;
      return hooksRun(ctx, a.hook_args);
    });
  }
}

// jobs list|show|log
void addJobCommands(CLI::App& app, Selected& selected, CommandArgs& a) {
  auto* jobs = app.add_subcommand("jobs", "build jobs of a user");
  jobs->require_subcommand(1);
  auto* j_list = jobs->add_subcommand("list", "a user's jobs, newest first");
  addUser(j_list, a.user);
  auto* j_page = j_list->add_option("--page", a.jobs_page.page, "page number");
  j_list->add_flag("--all", a.jobs_page.all, "every page")->excludes(j_page);
  onRun(j_list, selected, [&a](const Context& ctx) { return jobsList(ctx, a.user, a.jobs_page); });

  auto* j_show = jobs->add_subcommand("show", "one job: its state, times and error");
  addUser(j_show, a.user);
  j_show->add_option("ID", a.id, "job id")->required();
  onRun(j_show, selected, [&a](const Context& ctx) { return jobsShow(ctx, a.user, a.id); });

  auto* j_log = jobs->add_subcommand("log", "a job's build output");
  addUser(j_log, a.user);
  j_log->add_option("ID", a.id, "job id")->required();
  j_log->add_flag("--follow,-f", a.follow, "keep printing new output until the job ends");
  onRun(j_log, selected, [&a](const Context& ctx) { return jobsLog(ctx, a.user, a.id, a.follow); });
}

// queue stats|dead list|dead retry|purge
void addQueueCommands(CLI::App& app, Selected& selected, CommandArgs& a) {
  auto* queue = app.add_subcommand("queue", "the job queue and its dead letters (admin token)");
  queue->require_subcommand(1);
  auto* q_stats = queue->add_subcommand("stats", "jobs waiting, claimed by runners, dead");
  onRun(q_stats, selected, queueStats);
  auto* q_dead = queue->add_subcommand("dead", "jobs that failed queue.max_attempts times");
  q_dead->require_subcommand(1);
  auto* d_list = q_dead->add_subcommand("list", "dead jobs, newest first");
  d_list->add_option("--count", a.dead_count, "how many")->check(CLI::Range(1, 1000));
  d_list->add_option("--before", a.dead_before, "continue after this entry (from the last list)");
  onRun(d_list, selected,
        [&a](const Context& ctx) { return queueDeadList(ctx, a.dead_count, a.dead_before); });
  auto* d_retry = q_dead->add_subcommand("retry", "queue dead jobs again, with fresh attempts");
  auto* r_ids = d_retry->add_option("JOB", a.retry_ids, "job ids");
  d_retry->add_flag("--all", a.retry_all, "every dead job")->excludes(r_ids);
  onRun(d_retry, selected, [&a](const Context& ctx) {
    if (a.retry_ids.empty() && !a.retry_all)
      return usageError(ctx, triggerd::Error::badRequest("JOB", "give job ids or --all"));
    return queueDeadRetry(ctx, a.retry_ids, a.retry_all);
  });
  auto* q_purge = queue->add_subcommand("purge", "delete dead jobs from the dead-letter stream");
  q_purge->add_flag("--all", a.purge.all, "every dead job");
  q_purge->add_option("--older-than", a.purge.older_than, "dead for longer than, e.g. 7d or 36h")
      ->type_name("DURATION");
  q_purge->add_option("--job", a.purge.job, "one dead job");
  onRun(q_purge, selected, [&a](const Context& ctx) { return queuePurge(ctx, a.purge); });
}

// runner-tokens create|list|revoke
void addRunnerTokenCommands(CLI::App& app, Selected& selected, CommandArgs& a) {
  auto* runner_tokens =
      app.add_subcommand("runner-tokens", "tokens build runners use (admin token needed)");
  runner_tokens->require_subcommand(1);
  auto* rt_create = runner_tokens->add_subcommand("create", "mint a runner token");
  rt_create->add_option("--name", a.runner_name, "what the token is for, e.g. the runner host")
      ->required();
  onRun(rt_create, selected,
        [&a](const Context& ctx) { return runnerTokensCreate(ctx, a.runner_name); });
  auto* rt_list = runner_tokens->add_subcommand("list", "runner tokens (ids and names)");
  onRun(rt_list, selected, runnerTokensList);
  auto* rt_revoke = runner_tokens->add_subcommand("revoke", "revoke a runner token");
  rt_revoke->add_option("ID", a.id, "token id (16 hex)")->required();
  onRun(rt_revoke, selected, [&a](const Context& ctx) { return runnerTokensRevoke(ctx, a.id); });
}

// sources list|bind-gitlab|bind-github|authorize-github|unbind|check|repos|branches|tags
void addSourceCommands(CLI::App& app, Selected& selected, CommandArgs& a) {
  auto* sources = app.add_subcommand("sources", "provider accounts bound to a user");
  sources->require_subcommand(1);

  auto* s_list = sources->add_subcommand("list", "list a user's bound accounts");
  addUser(s_list, a.user);
  onRun(s_list, selected, [&a](const Context& ctx) { return sourcesList(ctx, a.user); });

  auto* s_gitlab = sources->add_subcommand("bind-gitlab", "bind a GitLab account by token");
  addUser(s_gitlab, a.gitlab.user);
  s_gitlab->add_option("--address", a.gitlab.address, "GitLab URL, e.g. https://gitlab.example.com")
      ->type_name("URL")
      ->required();
  s_gitlab
      ->add_option("--token-file", a.gitlab.token_file,
                   "file holding the GitLab private token ('-' = stdin)")
      ->type_name("PATH")
      ->required();
  s_gitlab->add_option("--ca-file", a.gitlab.ca_file, "PEM CA certificate of a private GitLab")
      ->type_name("PATH");
  onRun(s_gitlab, selected, [&a](const Context& ctx) { return sourcesBindGitlab(ctx, a.gitlab); });

  auto* s_github = sources->add_subcommand("bind-github", "bind a GitHub account by token");
  addUser(s_github, a.user);
  s_github
      ->add_option("--token-file", a.github_token_file,
                   "file holding the GitHub token ('-' = stdin)")
      ->type_name("PATH")
      ->required();
  onRun(s_github, selected,
        [&a](const Context& ctx) { return sourcesBindGithub(ctx, a.user, a.github_token_file); });

  auto* s_authorize = sources->add_subcommand(
      "authorize-github", "bind a GitHub account through OAuth: prints the URL to open");
  addUser(s_authorize, a.user);
  onRun(s_authorize, selected,
        [&a](const Context& ctx) { return sourcesAuthorizeGithub(ctx, a.user); });

  auto* s_unbind =
      sources->add_subcommand("unbind", "forget a bound account (its triggers are disabled)");
  addUser(s_unbind, a.user);
  addProvider(s_unbind, a.provider);
  onRun(s_unbind, selected,
        [&a](const Context& ctx) { return sourcesUnbind(ctx, a.user, a.provider); });

  auto* s_check = sources->add_subcommand(
      "check", "re-validate every user's bound tokens now (admin token needed)");
  onRun(s_check, selected, sourcesCheck);

  auto addPaging = [&a](CLI::App* sub) {
    auto* page = sub->add_option("--page", a.list.page, "page token from the previous page");
    sub->add_flag("--all", a.list.all, "follow next_page to the end")->excludes(page);
  };
  auto* s_repos = sources->add_subcommand("repos", "repositories the bound account can see");
  addUser(s_repos, a.list.user);
  addProvider(s_repos, a.list.provider);
  addPaging(s_repos);
  onRun(s_repos, selected, [&a](const Context& ctx) { return sourcesRepos(ctx, a.list); });

  auto* s_branches = sources->add_subcommand("branches", "branches of a repository");
  addUser(s_branches, a.list.user);
  addProvider(s_branches, a.list.provider);
  s_branches->add_option("REPO", a.list.repo, "owner/name, GitLab project path or id")->required();
  addPaging(s_branches);
  onRun(s_branches, selected, [&a](const Context& ctx) { return sourcesBranches(ctx, a.list); });

  auto* s_tags = sources->add_subcommand("tags", "tags of a repository");
  addUser(s_tags, a.list.user);
  addProvider(s_tags, a.list.provider);
  s_tags->add_option("REPO", a.list.repo, "owner/name, GitLab project path or id")->required();
  addPaging(s_tags);
  onRun(s_tags, selected, [&a](const Context& ctx) { return sourcesTags(ctx, a.list); });
}

// tokens create|revoke
void addTokenCommands(CLI::App& app, Selected& selected, CommandArgs& a) {
  auto* tokens = app.add_subcommand("tokens", "user API tokens (admin token needed)");
  tokens->require_subcommand(1);
  auto* k_create = tokens->add_subcommand("create", "mint a token acting for USER only");
  addUser(k_create, a.user);
  k_create->add_option("--name", a.token_name, "what the token is for, e.g. ci")->required();
  onRun(k_create, selected,
        [&a](const Context& ctx) { return tokensCreate(ctx, a.user, a.token_name); });

  auto* k_revoke = tokens->add_subcommand("revoke", "revoke a user token");
  addUser(k_revoke, a.user);
  k_revoke->add_option("ID", a.id, "token id (16 hex)")->required();
  onRun(k_revoke, selected, [&a](const Context& ctx) { return tokensRevoke(ctx, a.user, a.id); });
}

// keys reseal, health
void addKeyAndHealthCommands(CLI::App& app, Selected& selected) {
  auto* keys = app.add_subcommand("keys", "master keys (admin token needed)");
  keys->require_subcommand(1);
  auto* reseal = keys->add_subcommand("reseal", "re-seal every stored secret with the primary key");
  onRun(reseal, selected, keysReseal);

  auto* health_cmd =
      app.add_subcommand("health", "GET /readyz: exit 0 when triggerd is ready, 1 when not");
  onRun(health_cmd, selected, health, /*needs_token=*/false);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "triggerctl: manage triggerd's build triggers, bound sources and API tokens "
      "over its admin API.",
      "triggerctl"};
  app.set_version_flag("--version", "triggerctl " TRIGGERD_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand
  app.footer(
      "Exit codes: 0 success, 1 API error, 2 usage error, 3 triggerd unreachable.\n"
      "Environment: TRIGGERCTL_URL, TRIGGERCTL_TOKEN_FILE, TRIGGERCTL_TOKEN.");

  GlobalArgs globals;
  app.add_option("--url", globals.url,
                 "admin API base URL (default: $TRIGGERCTL_URL, else http://127.0.0.1:8081)")
      ->type_name("URL");
  app.add_option("--unix-socket", globals.unix_socket,
                 "connect to the admin listener's unix socket")
      ->type_name("PATH");
  app.add_option("--token-file", globals.token_file,
                 "file holding the API token (default: $TRIGGERCTL_TOKEN_FILE, else "
                 "$TRIGGERCTL_TOKEN); in sources bind-*, give it before the subcommand")
      ->type_name("PATH");
  // Accepted only to refuse it with an explanation: a token in argv leaks via ps and history.
  auto* token_arg =
      app.add_option("--token", "never accepted: use --token-file")->expected(0, 1)->group("");
  app.add_flag("--json", globals.json, "print the API's JSON answer instead of tables");
  app.add_flag("--pretty", globals.pretty, "with --json, indent the JSON");
  app.add_option("--timeout", globals.timeout_seconds, "seconds to wait for an answer")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();

  Selected selected;

  CommandArgs args;
  addTriggerCommands(app, selected, args);
  addHookCommands(app, selected, args);
  addJobCommands(app, selected, args);
  addQueueCommands(app, selected, args);
  addRunnerTokenCommands(app, selected, args);
  addSourceCommands(app, selected, args);
  addTokenCommands(app, selected, args);
  addKeyAndHealthCommands(app, selected);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, version or the error
    return code == 0 ? kExitOk : kExitUsage;
  }
  globals.token_argument = token_arg->count() > 0;
  if (!selected.command) {  // unreachable: every group requires a subcommand
    std::cerr << app.help();
    return kExitUsage;
  }

  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = runCommand(globals, Environment::fromProcess(), selected.needs_token, selected.command,
                      std::cout, std::cerr);
  curl_global_cleanup();
  return rc;
}
