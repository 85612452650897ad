// Test helpers to run real programs: spawn with captured output, stop, free ports, temp dirs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace triggerd::testing {

// A child process; its stdout+stderr go to log_path. The destructor sends SIGTERM, then SIGKILL.
class Subprocess {
 public:
  Subprocess(std::vector<std::string> argv, std::string log_path,
             std::map<std::string, std::string> extra_env = {});
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `sig` and waits up to `wait` for exit; returns the exit status (or -1 if still alive).
  int stop(int sig, std::chrono::milliseconds wait = std::chrono::milliseconds(5000));
  // Waits for exit without signalling; -1 on timeout. Exit code, or 128+signal.
  int wait(std::chrono::milliseconds wait);
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close).
int freePort();
// A fresh directory under $TMPDIR, removed recursively by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& content, int mode = 0600) const;

 private:
  std::string path_;
};

// Polls `ready` every 20 ms until true or timeout.
bool waitUntil(const std::function<bool()>& ready,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
// True when something accepts TCP connections on 127.0.0.1:port.
bool portOpen(int port);
// Absolute path of a file under the source tree (TRIGGERD_SOURCE_DIR).
std::string sourcePath(const std::string& relative);
std::string readFile(const std::string& path);

}  // namespace triggerd::testing
