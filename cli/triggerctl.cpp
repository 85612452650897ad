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

using triggerd::cli::Command;
using triggerd::cli::Context;

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

}  // namespace

int main(int argc, char** argv) {
  using namespace triggerd::cli;

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

  // triggers
  auto* triggers = app.add_subcommand("triggers", "build triggers of a user");
  triggers->require_subcommand(1);
  std::string user, id, provider, repo;

  auto* t_list = triggers->add_subcommand("list", "list a user's triggers");
  addUser(t_list, user);
  onRun(t_list, selected, [&](const Context& ctx) { return triggersList(ctx, user); });

  auto* t_show = triggers->add_subcommand("show", "show one trigger and its rules");
  addUser(t_show, user);
  t_show->add_option("ID", id, "trigger id")->required();
  onRun(t_show, selected, [&](const Context& ctx) { return triggersShow(ctx, user, id); });

  TriggerCreateArgs create;
  auto* t_create = triggers->add_subcommand(
      "create", "create a trigger; prints the webhook URL and secret to paste into the provider");
  addUser(t_create, create.user);
  t_create->add_option("--provider", create.provider, "github or gitlab")
      ->required()
      ->check(CLI::IsMember({"github", "gitlab"}));
  t_create->add_option("--repository", create.repository, "owner/name or GitLab project path")
      ->required();
  t_create->add_option("--image", create.image, "image to build, without tag")->required();
  auto* c_file = t_create
                     ->add_option("--rules-file", create.rules_file,
                                  "JSON file with the rules array (docs/build-rules.md)")
                     ->type_name("PATH");
  auto* c_rule = t_create->add_option("--rule", create.rules, kRuleHelp)
                     ->type_name("SPEC")
                     ->allow_extra_args(false);  // one SPEC per --rule: never eat USER
  c_file->excludes(c_rule);
  t_create->add_flag("--disabled", create.disabled, "create it disabled");
  t_create->add_flag("--manual", create.manual,
                     "do not install the webhook: print the URL and secret to add by hand "
                     "(for users without a bound account)");
  onRun(t_create, selected, [&](const Context& ctx) { return triggersCreate(ctx, create); });

  TriggerUpdateArgs update;
  auto* t_update = triggers->add_subcommand("update", "change a trigger's image, rules or state");
  addUser(t_update, update.user);
  t_update->add_option("ID", update.id, "trigger id")->required();
  std::string new_image;
  auto* u_image = t_update->add_option("--image", new_image, "new image, without tag");
  auto* u_file = t_update
                     ->add_option("--rules-file", update.rules_file,
                                  "JSON file with the new rules array (replaces all rules)")
                     ->type_name("PATH");
  auto* u_rule =
      t_update->add_option("--rule", update.rules, std::string(kRuleHelp) + "; replaces all rules")
          ->type_name("SPEC")
          ->allow_extra_args(false);
  u_file->excludes(u_rule);
  bool enable = false, disable = false;
  auto* u_enable = t_update->add_flag("--enable", enable, "enable the trigger");
  t_update->add_flag("--disable", disable, "disable the trigger")->excludes(u_enable);
  onRun(t_update, selected, [&, u_image](const Context& ctx) {
    if (u_image->count() > 0) update.image = new_image;
    if (enable) update.enabled = true;
    if (disable) update.enabled = false;
    return triggersUpdate(ctx, update);
  });

  auto* t_delete = triggers->add_subcommand("delete", "delete a trigger");
  addUser(t_delete, user);
  t_delete->add_option("ID", id, "trigger id")->required();
  onRun(t_delete, selected, [&](const Context& ctx) { return triggersDelete(ctx, user, id); });

  auto* t_rotate = triggers->add_subcommand(
      "rotate-secret", "new webhook secret; the old one verifies for a grace period");
  addUser(t_rotate, user);
  t_rotate->add_option("ID", id, "trigger id")->required();
  onRun(t_rotate, selected,
        [&](const Context& ctx) { return triggersRotateSecret(ctx, user, id); });

  // hooks
  auto* hooks = app.add_subcommand("hooks", "webhooks triggerd installed on the repositories");
  hooks->require_subcommand(1);
  HooksArgs hook_args;
  for (const char* action : {"check", "repair"}) {
    auto* sub = hooks->add_subcommand(
        action, std::string(action) == "check"
                    ? "report what is wrong with hooks (missing, changed, disabled, failed "
                      "deliveries), changing nothing"
                    : "fix hooks: recreate, update, re-enable, redeliver failed deliveries");
    sub->add_option("USER", hook_args.user, "user (tenant) id; leave out with --all");
    sub->add_option("ID", hook_args.id, "trigger id; leave out for all of USER's triggers");
    sub->add_flag("--all", hook_args.all, "every user's triggers (admin token needed)");
    if (std::string(action) == "repair") {
      sub->add_flag("--rotate-secret", hook_args.rotate_secret,
                    "with ID: set a new secret on the provider; the old one verifies for "
                    "webhooks.secret_rotation_grace");
    }
    onRun(sub, selected, [&hook_args, action](const Context& ctx) {
      hook_args.action = action;
      return hooksRun(ctx, hook_args);
    });
  }
  RunArgs run;
  auto* t_run = triggers->add_subcommand(
      "run", "build a branch or tag now, as a push would (path filters aside)");
  addUser(t_run, run.user);
  t_run->add_option("ID", run.id, "trigger id")->required();
  t_run->add_option("--ref", run.ref, "branch or tag name, or refs/heads/... or refs/tags/...")
      ->required();
  t_run->add_option("--sha", run.sha, "build this commit (the ref must still exist)");
  t_run->add_option("--idempotency-key", run.idempotency_key,
                    "a key that makes a repeated run enqueue nothing new");
  onRun(t_run, selected, [&](const Context& ctx) { return triggersRun(ctx, run); });

  PageChoice history_page;
  auto* t_history = triggers->add_subcommand("history", "a trigger's jobs, newest first");
  addUser(t_history, user);
  t_history->add_option("ID", id, "trigger id")->required();
  auto* h_page = t_history->add_option("--page", history_page.page, "page number");
  t_history->add_flag("--all", history_page.all, "every page")->excludes(h_page);
  onRun(t_history, selected,
        [&](const Context& ctx) { return triggersHistory(ctx, user, id, history_page); });

  // jobs
  auto* jobs = app.add_subcommand("jobs", "build jobs of a user");
  jobs->require_subcommand(1);
  PageChoice jobs_page;
  auto* j_list = jobs->add_subcommand("list", "a user's jobs, newest first");
  addUser(j_list, user);
  auto* j_page = j_list->add_option("--page", jobs_page.page, "page number");
  j_list->add_flag("--all", jobs_page.all, "every page")->excludes(j_page);
  onRun(j_list, selected, [&](const Context& ctx) { return jobsList(ctx, user, jobs_page); });

  auto* j_show = jobs->add_subcommand("show", "one job: its state, times and error");
  addUser(j_show, user);
  j_show->add_option("ID", id, "job id")->required();
  onRun(j_show, selected, [&](const Context& ctx) { return jobsShow(ctx, user, id); });

  bool follow = false;
  auto* j_log = jobs->add_subcommand("log", "a job's build output");
  addUser(j_log, user);
  j_log->add_option("ID", id, "job id")->required();
  j_log->add_flag("--follow,-f", follow, "keep printing new output until the job ends");
  onRun(j_log, selected, [&](const Context& ctx) { return jobsLog(ctx, user, id, follow); });

  // queue
  auto* queue = app.add_subcommand("queue", "the job queue and its dead letters (admin token)");
  queue->require_subcommand(1);
  auto* q_stats = queue->add_subcommand("stats", "jobs waiting, claimed by runners, dead");
  onRun(q_stats, selected, queueStats);
  auto* q_dead = queue->add_subcommand("dead", "jobs that failed queue.max_attempts times");
  q_dead->require_subcommand(1);
  int dead_count = 50;
  std::string dead_before;
  auto* d_list = q_dead->add_subcommand("list", "dead jobs, newest first");
  d_list->add_option("--count", dead_count, "how many")->check(CLI::Range(1, 1000));
  d_list->add_option("--before", dead_before, "continue after this entry (from the last list)");
  onRun(d_list, selected,
        [&](const Context& ctx) { return queueDeadList(ctx, dead_count, dead_before); });
  std::vector<std::string> retry_ids;
  bool retry_all = false;
  auto* d_retry = q_dead->add_subcommand("retry", "queue dead jobs again, with fresh attempts");
  auto* r_ids = d_retry->add_option("JOB", retry_ids, "job ids");
  d_retry->add_flag("--all", retry_all, "every dead job")->excludes(r_ids);
  onRun(d_retry, selected, [&](const Context& ctx) {
    if (retry_ids.empty() && !retry_all)
      return usageError(ctx, triggerd::Error::badRequest("JOB", "give job ids or --all"));
    return queueDeadRetry(ctx, retry_ids, retry_all);
  });
  PurgeArgs purge;
  auto* q_purge = queue->add_subcommand("purge", "delete dead jobs from the dead-letter stream");
  q_purge->add_flag("--all", purge.all, "every dead job");
  q_purge->add_option("--older-than", purge.older_than, "dead for longer than, e.g. 7d or 36h")
      ->type_name("DURATION");
  q_purge->add_option("--job", purge.job, "one dead job");
  onRun(q_purge, selected, [&](const Context& ctx) { return queuePurge(ctx, purge); });

  // runner tokens
  auto* runner_tokens =
      app.add_subcommand("runner-tokens", "tokens build runners use (admin token needed)");
  runner_tokens->require_subcommand(1);
  std::string runner_name;
  auto* rt_create = runner_tokens->add_subcommand("create", "mint a runner token");
  rt_create->add_option("--name", runner_name, "what the token is for, e.g. the runner host")
      ->required();
  onRun(rt_create, selected,
        [&](const Context& ctx) { return runnerTokensCreate(ctx, runner_name); });
  auto* rt_list = runner_tokens->add_subcommand("list", "runner tokens (ids and names)");
  onRun(rt_list, selected, runnerTokensList);
  auto* rt_revoke = runner_tokens->add_subcommand("revoke", "revoke a runner token");
  rt_revoke->add_option("ID", id, "token id (16 hex)")->required();
  onRun(rt_revoke, selected, [&](const Context& ctx) { return runnerTokensRevoke(ctx, id); });

  // sources
  auto* sources = app.add_subcommand("sources", "provider accounts bound to a user");
  sources->require_subcommand(1);

  auto* s_list = sources->add_subcommand("list", "list a user's bound accounts");
  addUser(s_list, user);
  onRun(s_list, selected, [&](const Context& ctx) { return sourcesList(ctx, user); });

  BindGitlabArgs gitlab;
  auto* s_gitlab = sources->add_subcommand("bind-gitlab", "bind a GitLab account by token");
  addUser(s_gitlab, gitlab.user);
  s_gitlab->add_option("--address", gitlab.address, "GitLab URL, e.g. https://gitlab.example.com")
      ->type_name("URL")
      ->required();
  s_gitlab
      ->add_option("--token-file", gitlab.token_file,
                   "file holding the GitLab private token ('-' = stdin)")
      ->type_name("PATH")
      ->required();
  s_gitlab->add_option("--ca-file", gitlab.ca_file, "PEM CA certificate of a private GitLab")
      ->type_name("PATH");
  onRun(s_gitlab, selected, [&](const Context& ctx) { return sourcesBindGitlab(ctx, gitlab); });

  std::string github_token_file;
  auto* s_github = sources->add_subcommand("bind-github", "bind a GitHub account by token");
  addUser(s_github, user);
  s_github
      ->add_option("--token-file", github_token_file, "file holding the GitHub token ('-' = stdin)")
      ->type_name("PATH")
      ->required();
  onRun(s_github, selected,
        [&](const Context& ctx) { return sourcesBindGithub(ctx, user, github_token_file); });

  auto* s_authorize = sources->add_subcommand(
      "authorize-github", "bind a GitHub account through OAuth: prints the URL to open");
  addUser(s_authorize, user);
  onRun(s_authorize, selected,
        [&](const Context& ctx) { return sourcesAuthorizeGithub(ctx, user); });

  auto* s_unbind =
      sources->add_subcommand("unbind", "forget a bound account (its triggers are disabled)");
  addUser(s_unbind, user);
  addProvider(s_unbind, provider);
  onRun(s_unbind, selected, [&](const Context& ctx) { return sourcesUnbind(ctx, user, provider); });

  auto* s_check = sources->add_subcommand(
      "check", "re-validate every user's bound tokens now (admin token needed)");
  onRun(s_check, selected, sourcesCheck);

  ListArgs list;
  auto addPaging = [&list](CLI::App* sub) {
    auto* page = sub->add_option("--page", list.page, "page token from the previous page");
    sub->add_flag("--all", list.all, "follow next_page to the end")->excludes(page);
  };
  auto* s_repos = sources->add_subcommand("repos", "repositories the bound account can see");
  addUser(s_repos, list.user);
  addProvider(s_repos, list.provider);
  addPaging(s_repos);
  onRun(s_repos, selected, [&](const Context& ctx) { return sourcesRepos(ctx, list); });

  auto* s_branches = sources->add_subcommand("branches", "branches of a repository");
  addUser(s_branches, list.user);
  addProvider(s_branches, list.provider);
  s_branches->add_option("REPO", list.repo, "owner/name, GitLab project path or id")->required();
  addPaging(s_branches);
  onRun(s_branches, selected, [&](const Context& ctx) { return sourcesBranches(ctx, list); });

  auto* s_tags = sources->add_subcommand("tags", "tags of a repository");
  addUser(s_tags, list.user);
  addProvider(s_tags, list.provider);
  s_tags->add_option("REPO", list.repo, "owner/name, GitLab project path or id")->required();
  addPaging(s_tags);
  onRun(s_tags, selected, [&](const Context& ctx) { return sourcesTags(ctx, list); });

  // tokens
  auto* tokens = app.add_subcommand("tokens", "user API tokens (admin token needed)");
  tokens->require_subcommand(1);
  std::string token_name;
  auto* k_create = tokens->add_subcommand("create", "mint a token acting for USER only");
  addUser(k_create, user);
  k_create->add_option("--name", token_name, "what the token is for, e.g. ci")->required();
  onRun(k_create, selected,
        [&](const Context& ctx) { return tokensCreate(ctx, user, token_name); });

  auto* k_revoke = tokens->add_subcommand("revoke", "revoke a user token");
  addUser(k_revoke, user);
  k_revoke->add_option("ID", id, "token id (16 hex)")->required();
  onRun(k_revoke, selected, [&](const Context& ctx) { return tokensRevoke(ctx, user, id); });

  // keys, health
  auto* keys = app.add_subcommand("keys", "master keys (admin token needed)");
  keys->require_subcommand(1);
  auto* reseal = keys->add_subcommand("reseal", "re-seal every stored secret with the primary key");
  onRun(reseal, selected, keysReseal);

  auto* health_cmd =
      app.add_subcommand("health", "GET /readyz: exit 0 when triggerd is ready, 1 when not");
  onRun(health_cmd, selected, health, /*needs_token=*/false);

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
