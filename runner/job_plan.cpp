#include "runner/job_plan.h"

#include <algorithm>

#include "common/encoding.h"

namespace triggerd {
namespace {

bool isAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool hasNul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

Error invalid(std::string field, std::string message) {
  return Error::unprocessable(std::move(field), std::move(message));
}

// A path inside the checkout: relative, no ".." component, not read as a flag.
Status checkRelativePath(std::string_view field, std::string_view path) {
  std::string f(field);
  if (path.empty()) return invalid(f, "must not be empty");
  if (path.front() == '/') return invalid(f, "must be relative to the repository root");
  if (path.front() == '-') return invalid(f, "must not start with '-'");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") {
      return invalid(f, "must stay inside the repository (no \"..\" component)");
    }
    start = end + 1;
  }
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20)
      return invalid(f, "must not contain control characters");
  }
  return okStatus();
}

bool validTag(std::string_view t) {
  if (t.empty() || t.size() > 128 || !(isAlnum(t[0]) || t[0] == '_')) return false;
  return std::all_of(t.begin(), t.end(),
                     [](char c) { return isAlnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool validArgName(std::string_view n) {
  if (n.empty() || (n[0] >= '0' && n[0] <= '9')) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return isAlnum(c) || c == '_'; });
}

bool isLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string joinTags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) out += (out.empty() ? "" : " ") + t;
  return out;
}

ProcessSpec spec(std::string label, std::vector<std::string> argv, EnvList env, std::string cwd) {
  return ProcessSpec{std::move(label), std::move(argv), std::move(env), std::move(cwd)};
}

// git reads no system or user config (a credential.helper there could store the credential),
// never prompts, and speaks only http(s).
EnvList gitEnvironment(const EnvList& base) {
  EnvList env = base;
  env.emplace_back("GIT_TERMINAL_PROMPT", "0");
  env.emplace_back("GIT_CONFIG_NOSYSTEM", "1");
  env.emplace_back("GIT_CONFIG_GLOBAL", "/dev/null");
  env.emplace_back("GIT_ALLOW_PROTOCOL", "http:https");
  return env;
}

std::vector<ProcessSpec> expandAll(const std::vector<CommandTemplate>& templates,
                                   const CommandTemplate::Values& values, const char* what,
                                   const EnvList& env, const std::string& cwd) {
  std::vector<std::vector<std::string>> argvs;
  for (const auto& t : templates) {
    for (auto& argv : t.expand(values)) argvs.push_back(std::move(argv));
  }
  std::vector<ProcessSpec> out;
  for (size_t i = 0; i < argvs.size(); ++i) {
    std::string label =
        std::string(what) + " " + std::to_string(i + 1) + "/" + std::to_string(argvs.size());
    out.push_back(spec(std::move(label), std::move(argvs[i]), env, cwd));
  }
  return out;
}

}  // namespace

Status checkJobBuildable(const Job& job) {
  if (job.id.empty() || job.id.size() > 64 || !std::all_of(job.id.begin(), job.id.end(), isAlnum))
    return invalid("id", "must be letters and digits only (it names the job's directory)");
  const std::string& url = job.repository.clone_url;
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
    return invalid("repository.clone_url", "must be an http:// or https:// URL");
  if (std::any_of(url.begin(), url.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20; }))
    return invalid("repository.clone_url", "must not contain spaces or control characters");
  const std::string& sha = job.commit.sha;
  if ((sha.size() != 40 && sha.size() != 64) || !isLowerHex(sha))
    return invalid("commit.sha", "must be a full commit id (40 or 64 lower-case hex digits)");
  if (job.image.empty() || job.image.front() == '-' ||
      std::any_of(job.image.begin(), job.image.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
    return invalid("image", "must be an image name without blanks, not starting with '-'");
  if (job.tags.empty()) return invalid("tags", "must list at least one tag");
  for (size_t i = 0; i < job.tags.size(); ++i) {
    if (!validTag(job.tags[i]))
      return invalid("tags[" + std::to_string(i) + "]",
                     "must be a valid image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})");
  }
  if (auto st = checkRelativePath("dockerfile", job.dockerfile); !st.ok()) return st;
  if (job.context != ".") {
    if (auto st = checkRelativePath("context", job.context); !st.ok()) return st;
  }
  for (const auto& [name, value] : job.build_args) {
    if (!validArgName(name))
      return invalid("build_args." + name, "a build argument name is [A-Za-z_][A-Za-z0-9_]*");
    if (hasNul(value)) return invalid("build_args." + name, "must not contain NUL");
  }
  for (auto [field, value] :
       {std::pair{"ref", &job.ref}, std::pair{"ref_name", &job.ref_name},
        std::pair{"trigger_id", &job.trigger_id}, std::pair{"user", &job.user},
        std::pair{"repository.full_name", &job.repository.full_name}}) {
    if (hasNul(*value)) return invalid(field, "must not contain NUL");
  }
  return okStatus();
}

std::string localImageName(const Job& job) {
  return "localhost/triggerd-job-" + toLower(job.id);
}

EnvList jobEnvironment(const Job& job, const JobPlan& plan) {
  std::string args;
  for (const auto& [name, value] : job.build_args) args += name + "=" + value + "\n";
  return {
      {"TRIGGERD_JOB_ID", job.id},
      {"TRIGGERD_ATTEMPT", std::to_string(job.attempt)},
      {"TRIGGERD_TRIGGER_ID", job.trigger_id},
      {"TRIGGERD_USER", job.user},
      {"TRIGGERD_PROVIDER", providerName(job.provider)},
      {"TRIGGERD_REPOSITORY", job.repository.full_name},
      {"TRIGGERD_CLONE_URL", job.repository.clone_url},
      {"TRIGGERD_COMMIT_SHA", job.commit.sha},
      {"TRIGGERD_REF", job.ref},
      {"TRIGGERD_REF_NAME", job.ref_name},
      {"TRIGGERD_REF_TYPE", job.ref_type == RefType::kTag ? "tag" : "branch"},
      {"TRIGGERD_IMAGE", job.image},
      {"TRIGGERD_TAGS", joinTags(job.tags)},
      {"TRIGGERD_DOCKERFILE", job.dockerfile},
      {"TRIGGERD_CONTEXT", job.context},
      {"TRIGGERD_BUILD_ARGS", args},
      {"TRIGGERD_LOCAL_IMAGE", localImageName(job)},
      {"TRIGGERD_WORK_DIR", plan.job_dir},
      {"TRIGGERD_JOB_JSON", encodeJob(job)},
  };
}

JobPlan planJob(const Job& job, const PlanSettings& settings) {
  JobPlan plan;
  plan.job_dir = settings.work_dir + "/" + job.id;
  plan.src_dir = plan.job_dir + "/src";

  EnvList git = gitEnvironment(settings.base_env);
  plan.checkout.push_back(
      spec("prepare", {"rm", "-rf", "--", plan.job_dir}, settings.base_env, ""));
  plan.checkout.push_back(spec(
      "init", {"git", "-c", "init.defaultBranch=build", "init", "--quiet", plan.src_dir}, git, ""));
  plan.fetch_step = plan.checkout.size();
  // By commit id, one commit deep: protocol v2 servers (GitHub, GitLab, git >= 2.18) serve it
  // even when the ref has moved on since the push.
  plan.checkout.push_back(spec(
      "fetch",
      {"git", "fetch", "--no-tags", "--depth=1", "--", job.repository.clone_url, job.commit.sha},
      git, plan.src_dir));
  plan.checkout.push_back(spec(
      "checkout", {"git", "checkout", "--quiet", "--detach", job.commit.sha}, git, plan.src_dir));

  CommandTemplate::Values values;
  std::string short_sha = job.commit.sha.substr(0, 7);
  values.scalars = {{"job_id", job.id},
                    {"attempt", std::to_string(job.attempt)},
                    {"trigger_id", job.trigger_id},
                    {"user", job.user},
                    {"repository", job.repository.full_name},
                    {"sha", job.commit.sha},
                    {"short_sha", short_sha},
                    {"ref", job.ref},
                    {"ref_name", job.ref_name},
                    {"ref_type", job.ref_type == RefType::kTag ? "tag" : "branch"},
                    {"image", job.image},
                    {"dockerfile", job.dockerfile},
                    {"context", job.context},
                    {"local_image", localImageName(job)},
                    {"work_dir", plan.job_dir}};
  values.image = job.image;
  values.tags = job.tags;
  values.build_args = job.build_args;

  EnvList env = settings.base_env;
  for (auto& kv : jobEnvironment(job, plan)) env.push_back(std::move(kv));
  plan.build = expandAll(settings.commands, values, "build", env, plan.src_dir);
  plan.cleanup = expandAll(settings.cleanup, values, "cleanup", env, plan.src_dir);
  // The checkout may be gone or never made: the removal runs from the runner's directory.
  for (auto& s : plan.cleanup) s.cwd = settings.work_dir;
  plan.cleanup.push_back(spec("remove", {"rm", "-rf", "--", plan.job_dir}, settings.base_env, ""));
  return plan;
}

EnvList gitCredentialEnv(const std::string& username, const std::string& password) {
  return {
      {"GIT_CONFIG_COUNT", "1"},
      {"GIT_CONFIG_KEY_0", "http.extraHeader"},
      {"GIT_CONFIG_VALUE_0", "Authorization: Basic " + base64Encode(username + ":" + password)}};
}

}  // namespace triggerd
