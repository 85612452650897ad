#include "tests/integration/jobs_fixture.h"

#include <stdexcept>

#include "common/digest.h"
#include "common/json.h"
#include "webhook/signature.h"

namespace triggerd::testing {

std::string JobsWorld::githubSha(int variant) {
  return variant == 0 ? kGithubSha : sha256Hex(std::to_string(variant)).substr(0, 40);
}

JobsWorld::JobsWorld(JobsWorldOptions options) {
  github_.addUser(21031067, "Codertocat", "Codertocat");
  github_.addToken(kGithubToken, "Codertocat", {"repo"});
  FakeGitHubRepo repo;
  repo.id = 186853002;
  repo.owner = "Codertocat";
  repo.name = "Hello-World";
  repo.is_private = false;
  repo.default_branch = "master";
  repo.permissions["Codertocat"] = "admin";
  github_.addRepo(repo);
  for (int v = 0; v < 10; ++v) github_.addCommit(kGithubRepo, {githubSha(v)});
  github_.addCommit(kGithubRepo, {githubSha(0), "Update README.md"}, "master", "v1.2.0");

  gitlab_.addUser(4, "bob", "Bob");
  gitlab_.addToken(kGitlabToken, "bob", {"api"});
  FakeGitLabProject p;
  p.id = kGitlabProject;
  p.path_with_namespace = "mike/diaspora";
  p.default_branch = "master";
  p.members["bob"] = 40;
  gitlab_.addProject(p);
  gitlab_.addCommit(kGitlabProject, {kGitlabSha, "Update Catalan translation"}, "master", "v2.0.0");

  TriggerdOptions o;
  o.security_extra = "allowed_networks = [\"127.0.0.0/8\"]";
  o.github_extra = "api_url = \"" + github_.apiBaseUrl() + "\"";
  o.extra_toml = "\n[queue]\n" + options.queue_toml +
                 "\n[statuses]\nretry_delay = \"100ms\"\n"
                 "target_url = \"https://console.example.com/jobs/{job}\"\n" +
                 options.extra_toml;
  tri_ = std::make_unique<TriggerdInstance>(o);

  auto bound = tri_->admin("PUT", "/api/v1/users/alice/sources/github",
                           std::string("{\"token\": \"") + kGithubToken + "\"}");
  if (bound.status != 201) throw std::runtime_error("bind github: " + bound.body);
  bound = tri_->admin("PUT", "/api/v1/users/bob/sources/gitlab",
                      "{\"service_address\": \"" + gitlab_.serverRoot() +
                          "\", \"private_token\": \"" + kGitlabToken + "\"}");
  if (bound.status != 201) throw std::runtime_error("bind gitlab: " + bound.body);
  std::tie(github_trigger_, github_secret_) =
      tri_->createTrigger("alice", "github", kGithubRepo, kJobsRules);
  std::tie(gitlab_trigger_, gitlab_secret_) =
      tri_->createTrigger("bob", "gitlab", "mike/diaspora", kJobsRules);
}

rapidjson::Document JobsWorld::parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

namespace {

std::vector<std::string> idsOf(const HttpCallResult& r) {
  std::vector<std::string> out;
  auto d = JobsWorld::parse(r.body);
  if (d.IsObject() && d.HasMember("jobs") && d["jobs"].IsArray())
    for (const auto& id : d["jobs"].GetArray()) out.emplace_back(id.GetString());
  return out;
}

}  // namespace

std::vector<std::string> JobsWorld::pushGithub(int variant, const std::string& delivery,
                                               const std::string& branch) {
  std::string body = githubPush("github/push.json", variant);
  const std::string ref = "\"ref\": \"refs/heads/master\"";
  body.replace(body.find(ref), ref.size(), "\"ref\": \"refs/heads/" + branch + "\"");
  return deliverGithub(body, delivery);
}

std::vector<std::string> JobsWorld::deliverGithub(const std::string& body,
                                                  const std::string& delivery) {
  std::string id = delivery.empty() ? "d-" + std::to_string(++deliveries_) : delivery;
  Headers h{{"Content-Type", "application/json"},
            {"X-GitHub-Event", "push"},
            {"X-GitHub-Delivery", id},
            {"User-Agent", "GitHub-Hookshot/044aadd"},
            {"X-Hub-Signature-256", githubSignature(github_secret_, body)}};
  auto r = tri_->post("/webhooks/github/" + github_trigger_, body, h);
  EXPECT_EQ(r.status, 202) << r.body;
  return idsOf(r);
}

std::vector<std::string> JobsWorld::pushGitlab() {
  Headers h{{"Content-Type", "application/json"},
            {"X-Gitlab-Event", "Push Hook"},
            {"X-Gitlab-Token", gitlab_secret_},
            {"Idempotency-Key", "gl-" + std::to_string(++deliveries_)},
            {"User-Agent", "GitLab/17.1.0-pre"}};
  auto r = tri_->post("/webhooks/gitlab/" + gitlab_trigger_, fixture("gitlab/push.json"), h);
  EXPECT_EQ(r.status, 202) << r.body;
  return idsOf(r);
}

bool JobsWorld::waitGithubStatuses(size_t count) {
  return waitUntil([&] { return github_.statuses().size() >= count; });
}

bool JobsWorld::waitGitlabStatuses(size_t count) {
  return waitUntil([&] { return gitlab_.statuses().size() >= count; });
}

std::string JobsWorld::waitJobState(const std::string& user, const std::string& id,
                                    const std::string& state) {
  std::string seen;
  waitUntil([&] {
    auto r = tri_->admin("GET", "/api/v1/users/" + user + "/jobs/" + id);
    if (r.status != 200) return false;
    auto d = parse(r.body);
    seen = d["job"]["state"].GetString();
    return seen == state;
  });
  return seen == state ? seen : "";
}

}  // namespace triggerd::testing
