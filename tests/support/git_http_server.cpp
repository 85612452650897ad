#include "tests/support/git_http_server.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "common/encoding.h"

extern char** environ;

namespace triggerd::testing {
namespace {

std::string tempFile(const std::string& content) {
  const char* base = getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/triggerd-run-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  int fd = mkstemp(buf.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  size_t at = 0;
  while (at < content.size()) {
    ssize_t n = write(fd, content.data() + at, content.size() - at);
    if (n <= 0) break;
    at += static_cast<size_t>(n);
  }
  close(fd);
  return buf.data();
}

// git for the test's own repositories: no user or system config, a fixed identity.
std::map<std::string, std::string> gitEnv() {
  const char* path = getenv("PATH");
  return {{"PATH", path ? path : "/usr/bin:/bin"},
          {"HOME", "/nonexistent"},
          {"GIT_CONFIG_NOSYSTEM", "1"},
          {"GIT_CONFIG_GLOBAL", "/dev/null"},
          {"GIT_AUTHOR_NAME", "Test"},
          {"GIT_AUTHOR_EMAIL", "test@example.com"},
          {"GIT_COMMITTER_NAME", "Test"},
          {"GIT_COMMITTER_EMAIL", "test@example.com"}};
}

void git(const std::vector<std::string>& args, const std::string& cwd, std::string* out = nullptr) {
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string output;
  int rc = runProgram(argv, cwd, &output, "", gitEnv());
  if (rc != 0) throw std::runtime_error("git " + args.front() + " failed: " + output);
  if (out) *out = output;
}

}  // namespace

int runProgram(const std::vector<std::string>& argv, const std::string& cwd, std::string* output,
               const std::string& stdin_data, const std::map<std::string, std::string>& env) {
  std::string in_path = tempFile(stdin_data);
  std::string out_path = tempFile("");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_TRUNC, 0);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::vector<std::string> env_text;
  for (const auto& [k, v] : env) env_text.push_back(k + "=" + v);
  std::vector<char*> cenv;
  for (auto& e : env_text) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, cargv[0], &actions, nullptr, cargv.data(),
                        env.empty() ? environ : cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  unlink(in_path.c_str());
  if (rc != 0) {
    unlink(out_path.c_str());
    throw std::runtime_error("cannot run " + argv.front() + ": " + strerror(rc));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (output) *output = readFile(out_path);
  unlink(out_path.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

GitHttpServer::GitHttpServer() : GitHttpServer(Options{}) {}

GitHttpServer::GitHttpServer(Options options)
    : options_(std::move(options)), server_([this](const FakeRequest& r) { return serve(r); }) {
  std::filesystem::create_directories(dir_.file("repos"));
  std::filesystem::create_directories(dir_.file("work"));
}

std::string GitHttpServer::cloneUrl(const std::string& name) const {
  return server_.url("/" + name + ".git");
}

std::string GitHttpServer::commit(const std::string& name,
                                  const std::map<std::string, std::string>& files) {
  std::string work = dir_.file("work/" + name);
  std::string bare = dir_.file("repos/" + name + ".git");
  if (!std::filesystem::exists(bare)) {
    git({"init", "--quiet", "--bare", "--initial-branch=main", bare}, "");
    git({"init", "--quiet", "--initial-branch=main", work}, "");
  }
  for (const auto& [path, content] : files) {
    std::filesystem::path p = std::filesystem::path(work) / path;
    std::filesystem::create_directories(p.parent_path());
    std::string full = p.string();
    FILE* f = fopen(full.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot write " + full);
    fwrite(content.data(), 1, content.size(), f);
    fclose(f);
  }
  git({"add", "--all"}, work);
  git({"commit", "--quiet", "--allow-empty", "-m", "commit " + name}, work);
  git({"push", "--quiet", bare, "main"}, work);
  std::string sha;
  git({"rev-parse", "HEAD"}, work, &sha);
  while (!sha.empty() && (sha.back() == '\n' || sha.back() == '\r')) sha.pop_back();
  return sha;
}

size_t GitHttpServer::authorizedRequests() const {
  return authorized_.load();
}

size_t GitHttpServer::refusedRequests() const {
  return refused_.load();
}

FakeResponse GitHttpServer::serve(const FakeRequest& req) {
  std::string remote_user;
  if (!options_.username.empty()) {
    std::string expected = "Basic " + base64Encode(options_.username + ":" + options_.password);
    if (req.header("Authorization") != expected) {
      refused_++;
      FakeResponse r = FakeResponse::text(401, "credentials required\n");
      r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"git\"");
      return r;
    }
    authorized_++;
    remote_user = options_.username;
  }
  // The CGI environment git http-backend reads (RFC 3875 plus Git-Protocol for protocol v2).
  const char* path = getenv("PATH");
  std::map<std::string, std::string> env{
      {"PATH", path ? path : "/usr/bin:/bin"},
      {"GIT_PROJECT_ROOT", dir_.file("repos")},
      {"GIT_HTTP_EXPORT_ALL", "1"},
      {"GIT_CONFIG_NOSYSTEM", "1"},
      {"GIT_CONFIG_GLOBAL", "/dev/null"},
      {"PATH_INFO", req.path},
      {"QUERY_STRING", req.query},
      {"REQUEST_METHOD", req.method},
      {"CONTENT_TYPE", req.header("Content-Type")},
      {"CONTENT_LENGTH", std::to_string(req.body.size())},
      {"REMOTE_ADDR", "127.0.0.1"},
      {"REMOTE_USER", remote_user},
      {"HTTP_GIT_PROTOCOL", req.header("Git-Protocol")},
      {"HTTP_CONTENT_ENCODING", req.header("Content-Encoding")},
  };
  std::string out;
  int rc = runProgram({"git", "http-backend"}, "", &out, req.body, env);
  if (rc != 0 && out.find("\r\n\r\n") == std::string::npos && out.find("\n\n") == std::string::npos)
    return FakeResponse::text(500, "git http-backend failed: " + out);
  // CGI output: header lines, a blank line, the body.
  size_t sep = out.find("\r\n\r\n");
  size_t skip = 4;
  if (sep == std::string::npos || out.find("\n\n") < sep) {
    sep = out.find("\n\n");
    skip = 2;
  }
  FakeResponse r;
  r.status = 200;
  std::string head = out.substr(0, sep);
  r.body = out.substr(sep + skip);
  size_t at = 0;
  while (at < head.size()) {
    size_t end = head.find('\n', at);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::string value(trim(std::string_view(line).substr(colon + 1)));
    if (equalsIgnoreCase(name, "Status")) {
      r.status = std::atoi(value.c_str());
    } else {
      r.headers.emplace_back(name, value);
    }
  }
  return r;
}

}  // namespace triggerd::testing
