#include "http/listen_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace triggerd {
namespace {

std::string errnoText(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace

Result<ListenSocket> listenTcp(const std::string& host, uint16_t port, bool reuse_port) {
  std::string addr = host.empty() ? "0.0.0.0" : host;
  if (addr.size() > 2 && addr.front() == '[' && addr.back() == ']')
    addr = addr.substr(1, addr.size() - 2);
  std::string spec =
      (addr.find(':') != std::string::npos ? "[" + addr + "]" : addr) + ":" + std::to_string(port);
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  } else {
    return Error::internal("listen address " + spec + " is not an IP literal");
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::internal(errnoText("socket for " + spec));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    auto e = Error::internal(errnoText("SO_REUSEPORT for " + spec));
    close(fd);
    return e;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, kListenBacklog) != 0) {
    auto e = Error::internal(errnoText("listen on " + spec));
    close(fd);
    return e;
  }
  ListenSocket s;
  s.fd = fd;
  return s;
}

Result<ListenSocket> listenUnix(const std::string& path) {
  sockaddr_un sun{};
  if (path.empty() || path.size() >= sizeof sun.sun_path)
    return Error::internal("unix socket path is empty or longer than " +
                           std::to_string(sizeof sun.sun_path - 1) + " bytes: " + path);
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.data(), path.size());

  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return Error::internal(path + " exists and is not a socket; refusing to replace it");
    // A socket file is stale when nobody accepts on it (a crash or kill -9 left it behind).
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (probe < 0) return Error::internal(errnoText("socket"));
    int rc = connect(probe, reinterpret_cast<sockaddr*>(&sun), sizeof sun);
    int err = errno;
    close(probe);
    if (rc == 0 || err == EAGAIN || err == EINPROGRESS)
      return Error::internal("another process is listening on " + path);
    if (err != ECONNREFUSED)
      return Error::internal(path + ": cannot probe existing socket: " + std::strerror(err));
    if (unlink(path.c_str()) != 0 && errno != ENOENT)
      return Error::internal(errnoText("remove stale socket " + path));
    TLOG_INFO("http", "removed stale socket %s", path.c_str());
  }

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::internal(errnoText("socket"));
  if (bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) {
    auto e = Error::internal(errnoText("bind " + path));
    close(fd);
    return e;
  }
  // Before listen(): until then a connect() is refused, so no client sees a wider mode.
  if (chmod(path.c_str(), 0660) != 0 || listen(fd, kListenBacklog) != 0 ||
      stat(path.c_str(), &st) != 0) {
    auto e = Error::internal(errnoText("prepare " + path));
    close(fd);
    unlink(path.c_str());
    return e;
  }
  ListenSocket s;
  s.fd = fd;
  s.is_unix = true;
  s.unix_path = path;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  return s;
}

Result<ListenSocket> adoptListenSocket(int fd) {
  int type = 0, listening = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
    return Error::internal("fd " + std::to_string(fd) + " is not a stream socket");
  len = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
    return Error::internal("fd " + std::to_string(fd) + " is not a listening socket");
  sockaddr_storage ss{};
  socklen_t sslen = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &sslen) != 0)
    return Error::internal(errnoText("getsockname"));
  // The accept loop runs until EAGAIN: the socket must not block.
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
      fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
    return Error::internal(errnoText("fd " + std::to_string(fd) + " flags"));
  ListenSocket s;
  s.fd = fd;
  s.is_unix = ss.ss_family == AF_UNIX;  // the socket file belongs to systemd: never removed
  return s;
}

void closeListenSocket(ListenSocket& socket) {
  if (socket.fd >= 0) close(socket.fd);
  socket.fd = -1;
  if (!socket.unix_path.empty()) {
    // Only remove the file we created: a successor may already have bound the same path.
    struct stat st {};
    if (stat(socket.unix_path.c_str(), &st) == 0 && st.st_dev == socket.dev &&
        st.st_ino == socket.ino)
      unlink(socket.unix_path.c_str());
    socket.unix_path.clear();
  }
}

uint16_t localPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

}  // namespace triggerd
