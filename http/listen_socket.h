// Listening sockets for HttpServer: TCP on an IP literal, unix sockets (mode 0660, a stale file
// replaced, the file removed again on close), and sockets systemd passes (socket activation).
// Every socket returned is non-blocking, close-on-exec and listening.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/result.h"

namespace triggerd {

struct ListenSocket {
  int fd = -1;
  bool is_unix = false;
  std::string unix_path;  // set when triggerd created the socket file (and must remove it)
  dev_t dev = 0;          // identity of that file, so that a successor's file is never removed
  ino_t ino = 0;
};

inline constexpr int kListenBacklog = 4096;  // the kernel caps it at net.core.somaxconn

// host: an IP literal ("0.0.0.0", "::1", "[::1]"); "" means 0.0.0.0. port 0 picks a free port.
// reuse_port: SO_REUSEPORT, so that other processes (of the same user) may listen on the same
// address and port; the kernel spreads new connections over their sockets.
Result<ListenSocket> listenTcp(const std::string& host, uint16_t port, bool reuse_port = false);
// A live socket file (someone accepts on it) or a non-socket file is an error.
Result<ListenSocket> listenUnix(const std::string& path);
// A stream socket that is already listening; made non-blocking and close-on-exec.
Result<ListenSocket> adoptListenSocket(int fd);
// Closes the socket and removes its file if triggerd created it and it is still that file.
void closeListenSocket(ListenSocket& socket);
// The local TCP port of a listening socket, 0 for a unix socket.
uint16_t localPort(int fd);

}  // namespace triggerd
