// What the hook integration tests share: a triggerd whose public base URL is its own listener
// (so the fake providers' deliveries reach it), bound to a fake GitHub or GitLab account, and
// helpers to create triggers and read answers.
#pragma once

#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <string>

#include "tests/fakes/fake_github.h"
#include "tests/fakes/fake_gitlab.h"
#include "tests/integration/triggerd_fixture.h"

namespace triggerd::testing {

inline constexpr const char* kGithubToken = "ghp_hooksIntegration000000000000000000001";
inline constexpr const char* kGitlabToken = "glpat-hooks-integration-0001";
// The repository of the GitHub push fixture, and the project of the GitLab one.
inline constexpr const char* kGithubRepo = "Codertocat/Hello-World";
inline constexpr const char* kGitlabRepo = "mike/diaspora";
inline constexpr int64_t kGitlabProject = 15;
inline constexpr const char* kGithubRules =
    R"([{"kind": "branch", "match": ".*", "tags": ["{branch}-{sha:7}"]}])";
inline constexpr const char* kGitlabRules =
    R"([{"kind": "branch", "match": "master", "tags": ["{branch}-{sha:8}"]}])";

inline rapidjson::Document parseJson(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

inline std::string fieldOf(const HttpCallResult& r) {
  auto d = parseJson(r.body);
  return d.IsObject() && d.HasMember("field") ? d["field"].GetString() : "";
}

// Options for a triggerd that fake providers on loopback can call and be called by.
inline TriggerdOptions hookOptions(const std::string& github_api_url = "",
                                   const std::string& hooks_toml = "") {
  TriggerdOptions o;
  o.public_base_url_is_listener = true;
  o.security_extra = "allowed_networks = [\"127.0.0.0/8\"]";
  if (!github_api_url.empty()) o.github_extra = "api_url = \"" + github_api_url + "\"";
  // Nothing runs behind a test's back unless it asks for it.
  o.extra_toml =
      "\n[hooks]\n" + (hooks_toml.empty() ? std::string("startup_delay = \"1h\"\n") : hooks_toml);
  return o;
}

inline void prepareGithub(FakeGitHub& github, const std::string& repo = kGithubRepo) {
  github.addUser(21031067, "Codertocat", "Codertocat");
  github.addToken(kGithubToken, "Codertocat", {"repo"});
  FakeGitHubRepo r;
  r.owner = repo.substr(0, repo.find('/'));
  r.name = repo.substr(repo.find('/') + 1);
  r.permissions = {{"Codertocat", "admin"}};
  github.addRepo(r);
}

inline void prepareGitlab(FakeGitLab& gitlab) {
  gitlab.addUser(4, "jsmith", "John Smith");
  gitlab.addToken(kGitlabToken, "jsmith", {"api"});
  FakeGitLabProject p;
  p.id = kGitlabProject;
  p.path_with_namespace = kGitlabRepo;
  p.members["jsmith"] = 40;
  gitlab.addProject(p);
}

inline void bindGithub(TriggerdInstance& tri, const std::string& user = "alice") {
  auto r = tri.admin("PUT", "/api/v1/users/" + user + "/sources/github",
                     std::string(R"({"token": ")") + kGithubToken + "\"}");
  ASSERT_EQ(r.status, 201) << r.body << tri.log();
}

inline void bindGitlab(TriggerdInstance& tri, const FakeGitLab& gitlab,
                       const std::string& user = "alice") {
  auto r = tri.admin("PUT", "/api/v1/users/" + user + "/sources/gitlab",
                     R"({"service_address": ")" + gitlab.serverRoot() + R"(", "private_token": ")" +
                         kGitlabToken + "\"}");
  ASSERT_EQ(r.status, 201) << r.body << tri.log();
}

// POST .../triggers with the hook installed (the default): the answer.
inline HttpCallResult createTrigger(TriggerdInstance& tri, const std::string& provider,
                                    const std::string& repository, const std::string& rules,
                                    const std::string& user = "alice",
                                    const std::string& extra = "") {
  std::string body = R"({"provider": ")" + provider + R"(", "repository": ")" + repository +
                     R"(", "image": "registry.example.com/team/app", "rules": )" + rules + extra +
                     "}";
  return tri.admin("POST", "/api/v1/users/" + user + "/triggers", body);
}

inline std::string createdId(const HttpCallResult& r) {
  auto d = parseJson(r.body);
  return d.IsObject() && d.HasMember("trigger") ? d["trigger"]["id"].GetString() : "";
}

inline rapidjson::Document getTrigger(TriggerdInstance& tri, const std::string& id,
                                      const std::string& user = "alice") {
  auto r = tri.admin("GET", "/api/v1/users/" + user + "/triggers/" + id);
  EXPECT_EQ(r.status, 200) << r.body;
  auto d = parseJson(r.body);
  rapidjson::Document out;
  if (d.IsObject() && d.HasMember("trigger")) out.CopyFrom(d["trigger"], out.GetAllocator());
  return out;
}

inline std::string webhookUrl(TriggerdInstance& tri, const std::string& provider,
                              const std::string& id) {
  return tri.publicUrl("/webhooks/" + provider + "/" + id);
}

}  // namespace triggerd::testing
