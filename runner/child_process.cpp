#include "runner/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/log.h"

namespace triggerd {
namespace {

// After the leader exits, how long output may still arrive from a process that left the group.
constexpr std::chrono::milliseconds kOutputDrain{2000};
constexpr size_t kReadBytes = 64 * 1024;

bool hasNul(const std::string& s) {
  return s.find('\0') != std::string::npos;
}

}  // namespace

// ---- ChildReaper ----

ChildReaper::ChildReaper(EventLoop& loop)
    : sigchld_(evsignal_new(loop.base(), SIGCHLD, &ChildReaper::onSignal, this)) {
  evsignal_add(sigchld_.get(), nullptr);
}

ChildReaper::~ChildReaper() = default;

void ChildReaper::watch(pid_t pid, std::function<void(int)> on_exit) {
  children_[pid] = std::move(on_exit);
  reap();  // it may have exited before it was watched
}

void ChildReaper::forget(pid_t pid) {
  children_.erase(pid);
}

void ChildReaper::onSignal(evutil_socket_t, short, void* arg) noexcept {
  try {
    static_cast<ChildReaper*>(arg)->reap();
  } catch (const std::exception& e) {
    TLOG_ERROR("process", "reaping failed: %s", e.what());
  }
}

void ChildReaper::reap() {
  std::vector<std::pair<std::function<void(int)>, int>> exited;
  for (auto it = children_.begin(); it != children_.end();) {
    pid_t pid = it->first;
    siginfo_t info{};
    // WNOWAIT: look without reaping, so the zombie keeps the group id while the rest of the
    // group is killed.
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid != pid) {
      ++it;
      continue;
    }
    kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    exited.emplace_back(std::move(it->second), status);
    it = children_.erase(it);
  }
  for (auto& [cb, status] : exited) cb(status);
}

// ---- ChildProcess ----

std::string ChildProcess::Outcome::describe() const {
  std::string out;
  if (signal != 0) {
    out = "killed by signal " + std::to_string(signal);
  } else {
    out = "exit code " + std::to_string(exit_code);
  }
  return stopped ? out + " (stopped)" : out;
}

ChildProcess::ChildProcess(EventLoop& loop, ChildReaper& reaper, OutputFn on_output, DoneFn on_done)
    : loop_(loop),
      reaper_(reaper),
      on_output_(std::move(on_output)),
      on_done_(std::move(on_done)),
      deadline_timer_(loop.createTimer([this] { stop(); })),
      kill_timer_(loop.createTimer([this] { signalGroup(SIGKILL); })),
      drain_timer_(loop.createTimer([this] {
        if (paused_) return drain_timer_->arm(kOutputDrain);
        closePipe();
        maybeFinish();
      })) {}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exited_) {
    // Still running: kill the group; the reaper collects the zombie on its SIGCHLD, with
    // nobody left to tell.
    kill(-pid_, SIGKILL);
    reaper_.watch(pid_, [](int) {});
  }
  closePipe();
}

Status ChildProcess::start(const ProcessSpec& spec, std::chrono::milliseconds deadline,
                           std::chrono::milliseconds kill_grace) {
  if (spec.argv.empty()) return Error::internal("empty command");
  for (const auto& a : spec.argv) {
    if (hasNul(a)) return Error::internal("an argument contains a NUL byte");
  }
  std::vector<std::string> env_text;
  for (const auto& [k, v] : spec.env) {
    if (hasNul(k) || hasNul(v) || k.find('=') != std::string::npos)
      return Error::internal("environment variable " + log::logValue(k, 60) + " is malformed");
    env_text.push_back(k + "=" + v);
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Error::internal(std::string("pipe: ") + strerror(errno));

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  // Its own process group (so a deadline stops everything it started), an empty signal mask,
  // and default dispositions for what the runner ignores (SIGPIPE) or handles.
  sigset_t mask, defaults;
  sigemptyset(&mask);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &mask);
  posix_spawnattr_setsigdefault(&attr, &defaults);

  std::vector<char*> argv, envp;
  std::vector<std::string> args = spec.argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    std::string where = spec.cwd.empty() ? "" : " in " + spec.cwd;
    return Error::internal("cannot run " + log::logValue(spec.argv[0], 100) + where + ": " +
                           strerror(rc));
  }
  pid_ = pid;
  pipe_fd_ = fds[0];
  fcntl(pipe_fd_, F_SETFL, fcntl(pipe_fd_, F_GETFL) | O_NONBLOCK);
  read_event_.reset(
      event_new(loop_.base(), pipe_fd_, EV_READ | EV_PERSIST, &ChildProcess::onReadable, this));
  event_add(read_event_.get(), nullptr);
  kill_grace_ = kill_grace;
  deadline_timer_->arm(deadline);
  reaper_.watch(pid_, [this](int status) { onExit(status); });
  return okStatus();
}

void ChildProcess::signalGroup(int sig) {
  if (pid_ > 0 && !exited_) kill(-pid_, sig);
}

void ChildProcess::stop() {
  if (pid_ <= 0 || exited_ || outcome_.stopped) return;
  outcome_.stopped = true;
  deadline_timer_->disarm();
  signalGroup(SIGTERM);
  kill_timer_->arm(kill_grace_);
}

void ChildProcess::pauseOutput() {
  if (paused_ || !read_event_) return;
  paused_ = true;
  event_del(read_event_.get());
}

void ChildProcess::resumeOutput() {
  if (!paused_) return;
  paused_ = false;
  if (read_event_) event_add(read_event_.get(), nullptr);
}

void ChildProcess::onReadable(evutil_socket_t, short, void* arg) noexcept {
  try {
    static_cast<ChildProcess*>(arg)->readOutput();
  } catch (const std::exception& e) {
    TLOG_ERROR("process", "output callback threw: %s", e.what());
  }
}

void ChildProcess::readOutput() {
  char buf[kReadBytes];
  ssize_t n = read(pipe_fd_, buf, sizeof buf);
  if (n > 0) {
    on_output_(std::string_view(buf, static_cast<size_t>(n)));
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  closePipe();  // EOF (or an error, which ends the output all the same)
  maybeFinish();
}

void ChildProcess::onExit(int status) {
  exited_ = true;
  deadline_timer_->disarm();
  kill_timer_->disarm();
  if (WIFEXITED(status)) outcome_.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome_.signal = WTERMSIG(status);
  if (pipe_fd_ >= 0) drain_timer_->arm(kOutputDrain);
  maybeFinish();
}

void ChildProcess::closePipe() {
  read_event_.reset();
  if (pipe_fd_ >= 0) close(pipe_fd_);
  pipe_fd_ = -1;
}

void ChildProcess::maybeFinish() {
  if (done_ || !exited_ || pipe_fd_ >= 0) return;
  done_ = true;
  drain_timer_->disarm();
  auto cb = std::move(on_done_);
  cb(outcome_);  // last statement: the owner may hand this object to deferredDelete
}

}  // namespace triggerd
