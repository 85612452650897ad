#include "tests/support/connect_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace triggerd::testing {
namespace {

bool writeAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Copies bytes both ways until either side closes.
void relay(int a, int b) {
  char buf[16384];
  pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  while (poll(fds, 2, 10000) > 0) {
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
      if (n <= 0 || !writeAll(fds[1 - i].fd, std::string(buf, static_cast<size_t>(n)))) return;
    }
  }
}

}  // namespace

ConnectProxy::ConnectProxy(const std::string& address) : address_(address) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::listen(listen_fd_, 16) != 0)
    throw std::runtime_error("ConnectProxy: cannot listen on " + address);
  socklen_t len = sizeof sa;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
  port_ = ntohs(sa.sin_port);
  thread_ = std::thread([this] { serve(); });
}

ConnectProxy::~ConnectProxy() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  for (auto& w : workers_) w.join();
  ::close(listen_fd_);
}

std::string ConnectProxy::url() const {
  return "http://" + address_ + ":" + std::to_string(port_);
}

void ConnectProxy::refuseWith(int status, std::string body) {
  std::lock_guard<std::mutex> lock(mu_);
  refuse_status_ = status;
  refuse_body_ = std::move(body);
}

std::vector<std::string> ConnectProxy::targets() const {
  std::lock_guard<std::mutex> lock(mu_);
  return targets_;
}

void ConnectProxy::serve() {
  while (!stop_) {
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    ++connections_;
    workers_.emplace_back([this, client] { handle(client); });
  }
}

void ConnectProxy::handle(int client) {
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192 &&
         ::recv(client, &c, 1, 0) == 1)
    head += c;
  // "CONNECT host:port HTTP/1.1"
  std::string target;
  if (head.rfind("CONNECT ", 0) == 0) target = head.substr(8, head.find(' ', 8) - 8);
  int status;
  std::string body;
  {
    std::lock_guard<std::mutex> lock(mu_);
    targets_.push_back(target);
    status = refuse_status_;
    body = refuse_body_;
  }
  if (target.empty() || status != 0) {
    if (status == 0) status = 405;
    writeAll(client, "HTTP/1.1 " + std::to_string(status) + " Refused\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    ::close(client);
    return;
  }
  size_t colon = target.rfind(':');
  std::string host = target.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(target.substr(colon + 1))));
  int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  // Only IP literals: a test proxy must not resolve names (that is what triggerd must avoid).
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1 ||
      ::connect(upstream, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    writeAll(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
  } else {
    writeAll(client, "HTTP/1.1 200 Connection established\r\n\r\n");
    relay(client, upstream);
  }
  ::close(upstream);
  ::close(client);
}

}  // namespace triggerd::testing
