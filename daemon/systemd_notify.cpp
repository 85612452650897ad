#include "daemon/systemd_notify.h"

#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>

#include "common/log.h"

namespace triggerd {

SystemdNotifier::SystemdNotifier() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
    watchdog_interval_ = std::chrono::milliseconds(usec / 2000);
}

void SystemdNotifier::ready(const std::string& s) {
  sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%lu", s.c_str(), static_cast<unsigned long>(getpid()));
}

void SystemdNotifier::reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t usec =
      static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
  sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", static_cast<unsigned long long>(usec));
}

void SystemdNotifier::reloaded(const std::string& s) {
  sd_notifyf(0, "READY=1\nSTATUS=%s", s.c_str());
}

void SystemdNotifier::stopping() {
  sd_notify(0, "STOPPING=1");
}

void SystemdNotifier::status(const std::string& s) {
  sd_notifyf(0, "STATUS=%s", s.c_str());
}

void SystemdNotifier::watchdogPing() {
  sd_notify(0, "WATCHDOG=1");
}

std::map<std::string, int> adoptListenFds() {
  std::map<std::string, int> out;
  char** names = nullptr;
  int n = sd_listen_fds_with_names(1, &names);
  if (n <= 0) return out;
  const char* fallback[] = {"public", "admin"};
  for (int i = 0; i < n; ++i) {
    std::string name = names && names[i] ? names[i] : "";
    if (name.empty() || name == "unknown" || name == "triggerd.socket")
      name = i < 2 ? fallback[i] : "extra" + std::to_string(i);
    out[name] = SD_LISTEN_FDS_START + i;
    TLOG_INFO("systemd", "fd=%d name=%s adopted socket", SD_LISTEN_FDS_START + i, name.c_str());
  }
  if (names) {
    for (int i = 0; i < n; ++i) free(names[i]);
    free(names);
  }
  return out;
}

}  // namespace triggerd
