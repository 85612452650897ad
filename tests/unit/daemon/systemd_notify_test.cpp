// SystemdNotifier against a real notification socket, as systemd provides it (NOTIFY_SOCKET).
#include "daemon/systemd_notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace triggerd {
namespace {

class NotifySocket {
 public:
  NotifySocket() {
    path_ = "/tmp/triggerd-notify-" + std::to_string(getpid()) + ".sock";
    unlink(path_.c_str());
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ADD_FAILURE() << "bind";
    timeval tv{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~NotifySocket() {
    unsetenv("NOTIFY_SOCKET");
    close(fd_);
    unlink(path_.c_str());
  }
  std::string receive() {
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST(SystemdNotifier, ReadyCarriesStatusAndMainPid) {
  NotifySocket sock;
  SystemdNotifier n;
  n.ready("ready");
  EXPECT_EQ(sock.receive(), "READY=1\nSTATUS=ready\nMAINPID=" + std::to_string(getpid()));
}

TEST(SystemdNotifier, ReloadAnnouncesMonotonicTimeThenReadyAgain) {
  NotifySocket sock;
  SystemdNotifier n;
  n.reloading();
  std::string msg = sock.receive();
  EXPECT_EQ(msg.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u) << msg;
  n.reloaded("ready");
  EXPECT_EQ(sock.receive(), "READY=1\nSTATUS=ready");
  n.stopping();
  EXPECT_EQ(sock.receive(), "STOPPING=1");
  n.watchdogPing();
  EXPECT_EQ(sock.receive(), "WATCHDOG=1");
}

TEST(SystemdNotifier, WatchdogIntervalIsHalfOfWhatSystemdAsks) {
  setenv("WATCHDOG_USEC", "20000000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  SystemdNotifier n;
  EXPECT_EQ(n.watchdogInterval(), std::chrono::milliseconds(10000));
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
  SystemdNotifier off;
  EXPECT_EQ(off.watchdogInterval(), std::chrono::milliseconds(0));
}

TEST(SystemdNotifier, OutsideSystemdNothingIsAdopted) {
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_PID");
  EXPECT_TRUE(adoptListenFds().empty());
}

}  // namespace
}  // namespace triggerd
