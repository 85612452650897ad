// triggerd-runner: argv -> config -> Runner::run(). Nothing else lives here.
#include <curl/curl.h>
#include <event2/thread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "common/log.h"
#include "loop/libevent_log.h"
#include "runner/runner.h"
#include "runner/runner_config.h"

int main(int argc, char** argv) {
  using namespace triggerd;
  CLI::App app{"triggerd-runner: builds and pushes the container images of triggerd's jobs"};
  std::string config_path = "/etc/triggerd/runner.toml";
  bool check_only = false;
  bool once = false;
  app.add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  app.add_flag("--check-config", check_only, "validate the configuration, print it and exit");
  app.add_flag("--once", once, "build one job, then exit");
  app.set_version_flag("--version", "triggerd-runner 0.1.0");
  CLI11_PARSE(app, argc, argv);

  auto config = loadRunnerConfig(config_path);
  if (!config.ok()) {
    fprintf(stderr, "%s\n", config.error().message.c_str());
    return 1;
  }
  if (check_only) {
    printf("%s", renderRunnerConfig(*config).c_str());
    fprintf(stderr, "%s: configuration is valid\n", config_path.c_str());
    return 0;
  }
  log::Level level;
  if (log::parseLevel(config->log_level, &level)) log::setLevel(level);
  log::installLibeventLogCallback();

  signal(SIGPIPE, SIG_IGN);  // writes to closed pipes and sockets must fail, not kill the runner
  evthread_use_pthreads();
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fprintf(stderr, "curl_global_init failed\n");
    return 1;
  }
  int rc = 0;
  try {
    Runner runner(std::move(config).value(), Runner::Options{once});
    rc = runner.run();
  } catch (const std::exception& e) {
    TLOG_ERROR("runner", "start-up failed: %s", e.what());
    rc = 1;
  }
  curl_global_cleanup();
  return rc;
}
