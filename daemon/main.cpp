// triggerd: argv -> config -> Daemon::run(). Nothing else lives here.
#include <curl/curl.h>
#include <event2/thread.h>
#include <signal.h>
#include <sys/prctl.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "common/log.h"
#include "config/config.h"
#include "crypto/secure_memory.h"
#include "daemon/daemon.h"
#include "loop/libevent_log.h"

int main(int argc, char** argv) {
  using namespace triggerd;
  CLI::App app{"triggerd: turns GitHub and GitLab pushes into container image build jobs"};
  std::string config_path = "/etc/triggerd/triggerd.toml";
  bool check_only = false;
  bool drain_spool = false;
  std::vector<std::string> overrides;
  app.add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  app.add_option("--set", overrides,
                 "KEY=VALUE: override one key of the configuration file, also on reload "
                 "(repeatable), e.g. --set spool.dir=/var/lib/triggerd/spool-2")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  app.add_flag("--check-config", check_only, "validate the configuration, print it and exit");
  app.add_flag("--drain-spool", drain_spool,
               "replay spool.dir into Redis, without listeners, and exit 0 once it is empty "
               "(for the spool of a process that is gone)");
  app.set_version_flag("--version", "triggerd 0.1.0");
  CLI11_PARSE(app, argc, argv);

  // Before any secret is read: keys and tokens go to memory that is locked and excluded from
  // core dumps, and the process itself never dumps core (unless the config asks for it below).
  bool secure_heap = initSecureHeap();
  bool no_dumps = disableCoreDumps();
  auto config = loadConfig(config_path, overrides);
  if (!config.ok()) {
    fprintf(stderr, "%s\n", config.error().message.c_str());
    return 1;
  }
  if (check_only) {
    printf("%s", renderEffectiveConfig(*config).c_str());
    fprintf(stderr, "%s: configuration is valid\n", config_path.c_str());
    return 0;
  }
  log::Level level;
  if (log::parseLevel(config->log_level, &level)) log::setLevel(level);
  log::installLibeventLogCallback();
  if (config->allow_core_dumps) {
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    TLOG_WARN("daemon",
              "security.allow_core_dumps is true: a core dump may contain keys and tokens");
  } else if (!no_dumps) {
    TLOG_WARN("daemon", "could not disable core dumps (prctl PR_SET_DUMPABLE)");
  }
  if (!secure_heap)
    TLOG_WARN("daemon",
              "no secure heap (mlock refused, raise LimitMEMLOCK): secrets live in ordinary "
              "memory, still excluded from core dumps by PR_SET_DUMPABLE");

  signal(SIGPIPE, SIG_IGN);  // writes to closed sockets must fail, not kill the daemon
  evthread_use_pthreads();   // the reload thread hands its result to the loop
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fprintf(stderr, "curl_global_init failed\n");
    return 1;
  }
  int rc = 0;
  try {
    Daemon daemon(std::move(config).value(),
                  drain_spool ? Daemon::Mode::kDrainSpool : Daemon::Mode::kServe);
    rc = daemon.run();
  } catch (const std::exception& e) {
    TLOG_ERROR("daemon", "start-up failed: %s", e.what());
    rc = 1;
  }
  curl_global_cleanup();
  return rc;
}
