// ConnectProxy: a minimal HTTP CONNECT proxy on a loopback address for tests of outbound calls
// through a proxy. It records every CONNECT target, then either relays bytes both ways or
// refuses with a configured status and body. Serves from its own thread.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace triggerd::testing {

class ConnectProxy {
 public:
  // Listens on `address` (e.g. "127.0.0.2"), a free port.
  explicit ConnectProxy(const std::string& address = "127.0.0.1");
  ~ConnectProxy();
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  std::string url() const;  // http://address:port
  // Answer every CONNECT with this status line and body instead of tunnelling.
  void refuseWith(int status, std::string body);
  // The host:port of every CONNECT received, in order.
  std::vector<std::string> targets() const;
  size_t connections() const { return connections_.load(); }

 private:
  void serve();
  void handle(int client);

  std::string address_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> connections_{0};
  mutable std::mutex mu_;
  std::vector<std::string> targets_;  // guarded by mu_
  int refuse_status_ = 0;             // guarded by mu_
  std::string refuse_body_;           // guarded by mu_
  std::thread thread_;
  std::vector<std::thread> workers_;
};

}  // namespace triggerd::testing
