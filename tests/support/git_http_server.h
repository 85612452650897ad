// A real Git server for tests: bare repositories in a temp dir, served over HTTP on loopback by
// `git http-backend` (Git's own smart-HTTP CGI program) behind a FakeHttpServer, so a job's
// clone_url is a URL git really clones from. Optionally every request needs HTTP Basic
// credentials, as a private repository on GitHub or GitLab does.
//
//   GitHttpServer git;
//   std::string sha = git.createRepo("app", {{"Dockerfile", "FROM scratch\n"}});
//   job.repository.clone_url = git.cloneUrl("app");
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"
#include "tests/support/tls_server.h"

namespace triggerd::testing {

class GitHttpServer {
 public:
  struct Options {
    std::string username;  // when set, requests without these Basic credentials get 401
    std::string password;
  };
  GitHttpServer();
  explicit GitHttpServer(Options options);

  // A bare repository "<name>.git" whose branch main holds `files` in one commit; returns the
  // commit id. Calling it again for the same name adds a commit on main.
  std::string commit(const std::string& name, const std::map<std::string, std::string>& files);
  std::string cloneUrl(const std::string& name) const;

  // Requests that carried the expected credentials, and those refused for lacking them.
  size_t authorizedRequests() const;
  size_t refusedRequests() const;
  std::vector<FakeRequest> requests() const { return server_.requests(); }

 private:
  FakeResponse serve(const FakeRequest& request);

  Options options_;
  TempDir dir_;
  std::atomic<size_t> authorized_{0};  // counted on the server thread
  std::atomic<size_t> refused_{0};
  FakeHttpServer server_;  // last: it serves as soon as it is constructed
};

// Runs a program to completion (tests only: it blocks). Returns its exit code; its output
// (stdout and stderr) goes to *output when given. Throws when it cannot be started.
int runProgram(const std::vector<std::string>& argv, const std::string& cwd = "",
               std::string* output = nullptr, const std::string& stdin_data = "",
               const std::map<std::string, std::string>& env = {});

}  // namespace triggerd::testing
