// What the runner executes for one job, worked out before anything runs: the checkout
// (git init, fetch of the job's commit, checkout), the build commands expanded from their
// templates, and the cleanup. Pure: no I/O; every process is described, none started here.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "queue/job.h"
#include "runner/command_template.h"

namespace triggerd {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// One process to run: argv[0] is looked up in PATH; the environment is exactly `env`.
struct ProcessSpec {
  std::string label;  // for logs and the job's log stream: "fetch", "build 1/2", ...
  std::vector<std::string> argv;
  EnvList env;
  std::string cwd;  // empty: the runner's own
};

struct PlanSettings {
  std::string work_dir;  // absolute; the job gets <work_dir>/<job id>
  std::vector<CommandTemplate> commands;
  std::vector<CommandTemplate> cleanup;
  EnvList base_env;  // passed through from the runner's environment (build.pass_environment)
};

struct JobPlan {
  std::string job_dir;  // <work_dir>/<job id>, removed at the end
  std::string src_dir;  // <job_dir>/src, the checkout; build commands run here
  std::vector<ProcessSpec> checkout;
  size_t fetch_step = 0;  // index in `checkout` of the one step that talks to the git server
  std::vector<ProcessSpec> build;
  std::vector<ProcessSpec> cleanup;  // build.cleanup, then removing job_dir
};

// Refuses a job the runner must not build as it stands: a job id that is not a plain token (it
// names a directory), a clone URL that is not http(s) (git's ext:: transport runs commands),
// a Dockerfile or context outside the checkout, values that would read as flags, NUL bytes.
// Error kind kInvalid, naming the job field.
Status checkJobBuildable(const Job& job);

// The plan for a job checked by checkJobBuildable().
JobPlan planJob(const Job& job, const PlanSettings& settings);

// The environment that hands a clone credential to git for one process only: an
// "Authorization: Basic" header through GIT_CONFIG_COUNT/KEY/VALUE, so it is never written to
// .git/config, to disk, or into a command line.
EnvList gitCredentialEnv(const std::string& username, const std::string& password);

// The job's local image name for build commands, unique per job so concurrent jobs that push
// the same tags never swap images: "localhost/triggerd-job-<job id in lower case>".
std::string localImageName(const Job& job);

// The TRIGGERD_* variables every build command gets (docs/runner.md lists them).
EnvList jobEnvironment(const Job& job, const JobPlan& plan);

}  // namespace triggerd
