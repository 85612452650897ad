// systemd integration: readiness/reload/stop notifications, the watchdog, socket activation.
// Every call is a no-op outside systemd (no NOTIFY_SOCKET / LISTEN_FDS).
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace triggerd {

class SystemdNotifier {
 public:
  SystemdNotifier();
  void ready(const std::string& status);
  void reloading();
  void reloaded(const std::string& status);
  void stopping();
  void status(const std::string& status);
  void watchdogPing();
  // Half the watchdog interval systemd asked for, or zero when the watchdog is off.
  std::chrono::milliseconds watchdogInterval() const { return watchdog_interval_; }

 private:
  std::chrono::milliseconds watchdog_interval_{0};
};

// Sockets passed by systemd (triggerd.socket), by FileDescriptorName ("public", "admin").
// Unnamed sockets are returned under "public" first, then "admin".
std::map<std::string, int> adoptListenFds();

}  // namespace triggerd
