#include "triggers/trigger.h"

#include <algorithm>
#include <chrono>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/log.h"

namespace triggerd {

namespace {

constexpr std::string_view kCreateKeys[] = {"provider",     "repository", "image",        "rules",
                                            "install_hook", "enabled",    "signing_token"};
constexpr std::string_view kPatchKeys[] = {"image", "rules", "enabled"};
// Keys of the API view that a client may echo back in a PATCH but can never set.
constexpr std::string_view kReadOnlyKeys[] = {"id", "user", "hook", "created_at", "updated_at"};
constexpr std::string_view kImageExample = "registry.example.com/team/app";
constexpr size_t kMaxImageLength = 255;  // Docker's limit on a whole repository name
constexpr size_t kMaxRepositoryLength = 1024;
constexpr size_t kMaxGitlabDepth = 21;  // 20 nested groups and the project

bool isLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool isAlnum(char c) {
  return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), isDigit);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

// Docker's path-component grammar: [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*
bool isPathComponent(std::string_view c) {
  if (c.empty() || !isLowerAlnum(c.front()) || !isLowerAlnum(c.back())) return false;
  size_t i = 0;
  while (i < c.size()) {
    if (isLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < c.size() && !isLowerAlnum(c[i])) ++i;
    std::string_view sep = c.substr(start, i - start);
    bool dashes = std::all_of(sep.begin(), sep.end(), [](char x) { return x == '-'; });
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
  }
  return true;
}

// A DNS label: letters, digits and inner hyphens.
bool isHostLabel(std::string_view l) {
  if (l.empty() || l.size() > 63 || !isAlnum(l.front()) || !isAlnum(l.back())) return false;
  return std::all_of(l.begin(), l.end(), [](char c) { return isAlnum(c) || c == '-'; });
}

bool isPort(std::string_view p) {
  if (!allDigits(p) || p.size() > 5) return false;
  int v = std::stoi(std::string(p));
  return v >= 1 && v <= 65535;
}

// host[:port], where host is a DNS name, "localhost", an IPv4 address or a bracketed IPv6 one.
bool isRegistryHost(std::string_view d) {
  std::string_view host = d;
  std::string_view port;
  if (!d.empty() && d.front() == '[') {
    size_t close = d.find(']');
    if (close == std::string_view::npos) return false;
    host = d.substr(1, close - 1);
    std::string_view rest = d.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (!isPort(port)) return false;
    }
    return host.find(':') != std::string_view::npos &&
           std::all_of(host.begin(), host.end(), [](char c) {
             return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
                    c == '.';
           });
  }
  size_t colon = d.find(':');
  if (colon != std::string_view::npos) {
    host = d.substr(0, colon);
    port = d.substr(colon + 1);
    if (!isPort(port)) return false;
  }
  for (std::string_view label : split(host, '.')) {
    if (!isHostLabel(label)) return false;
  }
  return true;
}

Error imageError(const std::string& field, std::string what) {
  return Error::unprocessable(field,
                              std::move(what) + ", e.g. \"" + std::string(kImageExample) + "\"");
}

Status validateGithubRepository(std::string_view repo, const std::string& field) {
  const std::string fix = "; use the GitHub \"owner/name\" form, e.g. \"octo/app\"";
  std::vector<std::string_view> parts = split(repo, '/');
  if (parts.size() != 2) {
    return Error::unprocessable(
        field, "repository \"" + log::logValue(repo, 80) + "\" is not an owner/name pair" + fix);
  }
  std::string_view owner = parts[0], name = parts[1];
  // Owners: letters, digits, '-' (and '_' for Enterprise managed users), 1-39 characters.
  bool owner_ok = !owner.empty() && owner.size() <= 39 && isAlnum(owner.front()) &&
                  std::all_of(owner.begin(), owner.end(),
                              [](char c) { return isAlnum(c) || c == '-' || c == '_'; });
  if (!owner_ok) {
    return Error::unprocessable(field, "repository owner \"" + log::logValue(owner, 60) +
                                           "\" is not a valid GitHub user or organization" + fix);
  }
  bool name_ok = !name.empty() && name.size() <= 100 && name != "." && name != ".." &&
                 std::all_of(name.begin(), name.end(),
                             [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
  if (!name_ok) {
    return Error::unprocessable(field, "repository name \"" + log::logValue(name, 60) +
                                           "\" is not a valid GitHub repository name" + fix);
  }
  return okStatus();
}

Status validateGitlabRepository(std::string_view repo, const std::string& field) {
  const std::string fix =
      "; use the project path, e.g. \"group/subgroup/project\", or the numeric project id, e.g. "
      "\"12345\"";
  if (allDigits(repo)) {
    if (repo.front() == '0' || repo.size() > 19) {
      return Error::unprocessable(
          field, "GitLab project id \"" + log::logValue(repo, 40) + "\" is out of range" + fix);
    }
    return okStatus();
  }
  std::vector<std::string_view> parts = split(repo, '/');
  if (parts.size() < 2 || parts.size() > kMaxGitlabDepth) {
    return Error::unprocessable(
        field, "repository \"" + log::logValue(repo, 80) + "\" is not a GitLab project path" + fix);
  }
  for (std::string_view part : parts) {
    // GitLab paths: letters, digits, '_', '-', '.'; not starting with '-' or '.', not ending in
    // ".git" or ".atom".
    bool ok = !part.empty() && part.size() <= 255 && part.front() != '-' && part.front() != '.' &&
              !part.ends_with(".git") && !part.ends_with(".atom") &&
              std::all_of(part.begin(), part.end(),
                          [](char c) { return isAlnum(c) || c == '_' || c == '-' || c == '.'; });
    if (!ok) {
      return Error::unprocessable(field, "repository path segment \"" + log::logValue(part, 60) +
                                             "\" is not a valid GitLab group or project path" +
                                             fix);
    }
  }
  return okStatus();
}

Error typeError(const std::string& field, std::string_view expected, const rapidjson::Value& got,
                std::string_view fix) {
  return Error::unprocessable(field, field + " must be " + std::string(expected) + ", got " +
                                         jsonTypeName(got) + "; " + std::string(fix));
}

Status checkBodyIsObject(const rapidjson::Value& body) {
  if (!body.IsObject()) {
    return Error::unprocessable("body", std::string("the request body must be a JSON object, "
                                                    "got ") +
                                            jsonTypeName(body) +
                                            "; send e.g. {\"provider\": \"github\", "
                                            "\"repository\": \"octo/app\", \"image\": \"" +
                                            std::string(kImageExample) + "\", \"rules\": [...]}");
  }
  return okStatus();
}

Status readImage(const rapidjson::Value& v, std::string* out) {
  if (!v.IsString()) {
    return typeError("image", "a string", v,
                     "give the image repository, e.g. \"" + std::string(kImageExample) + "\"");
  }
  std::string_view image(v.GetString(), v.GetStringLength());
  if (auto st = validateImageName(image, "image"); !st.ok()) return st;
  *out = std::string(image);
  return okStatus();
}

Status readBool(const rapidjson::Value& v, const std::string& field, bool* out) {
  if (!v.IsBool()) return typeError(field, "true or false", v, "write it without quotes");
  *out = v.GetBool();
  return okStatus();
}

}  // namespace

Status validateImageName(std::string_view image, const std::string& field) {
  if (image.empty()) {
    return imageError(field, "image must not be empty; give the image repository to push to");
  }
  if (image.size() > kMaxImageLength) {
    return imageError(field, "image is " + std::to_string(image.size()) +
                                 " characters long, at most 255 are allowed; use a shorter "
                                 "repository name");
  }
  if (image.find("://") != std::string_view::npos) {
    return imageError(field,
                      "image must not start with a scheme such as \"https://\"; give the "
                      "registry host and path only");
  }
  if (image.find('@') != std::string_view::npos) {
    return imageError(field,
                      "image must not carry a digest (\"@sha256:...\"): tags come from the "
                      "rules; give the repository only");
  }
  std::vector<std::string_view> parts = split(image, '/');
  for (std::string_view part : parts) {
    if (part.empty()) {
      return imageError(field,
                        "image has an empty path component (a leading, trailing or "
                        "doubled '/'); remove the extra '/'");
    }
  }
  // Docker's rule: the first component is a registry host when more follow and it has a '.' or a
  // ':' or is "localhost"; otherwise it is part of the path (Docker Hub).
  size_t first_path = 0;
  std::string_view first = parts.front();
  if (parts.size() > 1 && (first.find_first_of(".:") != std::string_view::npos ||
                           first == "localhost" || first.front() == '[')) {
    if (!isRegistryHost(first)) {
      return imageError(field, "image registry \"" + log::logValue(first, 80) +
                                   "\" is not a valid host[:port]; use a host name or address "
                                   "with an optional port");
    }
    first_path = 1;
  }
  if (parts.back().find(':') != std::string_view::npos) {
    return imageError(field,
                      "image must not carry a tag (\":" +
                          log::logValue(parts.back().substr(parts.back().find(':') + 1), 40) +
                          "\"): tags come from the rules' tag templates; give the "
                          "repository only");
  }
  for (size_t i = first_path; i < parts.size(); ++i) {
    std::string_view c = parts[i];
    if (isPathComponent(c)) continue;
    std::string lowered = toLower(c);
    if (lowered != c && isPathComponent(lowered)) {
      return imageError(field, "image path component \"" + log::logValue(c, 60) +
                                   "\" has upper-case letters; image paths are lower case, "
                                   "write \"" +
                                   lowered + "\"");
    }
    return imageError(field, "image path component \"" + log::logValue(c, 60) +
                                 "\" is not valid; use lower-case letters and digits, separated "
                                 "by '.', '_', '__' or '-'");
  }
  return okStatus();
}

Status validateRepository(Provider provider, std::string_view repository,
                          const std::string& field) {
  if (repository.empty()) {
    return Error::unprocessable(field, "repository must not be empty; give e.g. \"octo/app\"");
  }
  if (repository.size() > kMaxRepositoryLength) {
    return Error::unprocessable(field, "repository is " + std::to_string(repository.size()) +
                                           " characters long, at most " +
                                           std::to_string(kMaxRepositoryLength) +
                                           " are allowed; give the repository path only");
  }
  // A pasted web or clone URL is the commonest mistake: name it rather than a bad character.
  if (repository.find("://") != std::string_view::npos || repository.starts_with("git@")) {
    return Error::unprocessable(
        field, "repository must be the repository path, not a URL; write e.g. \"" +
                   std::string(provider == Provider::kGitlab ? "group/project" : "octo/app") +
                   "\" instead of \"" + log::logValue(repository, 80) + "\"");
  }
  if (provider == Provider::kGitlab) return validateGitlabRepository(repository, field);
  return validateGithubRepository(repository, field);
}

Result<Trigger> parseTriggerCreate(const rapidjson::Value& body, TriggerCreateOptions* options) {
  if (auto st = checkBodyIsObject(body); !st.ok()) return st.error();
  if (auto st = checkObjectKeys(body, "", kCreateKeys); !st.ok()) return st.error();

  Trigger t;
  const auto* provider = json::member(body, "provider");
  if (!provider) {
    return Error::unprocessable("provider",
                                "provider is required; set it to \"github\" or \"gitlab\"");
  }
  if (!provider->IsString()) {
    return typeError("provider", "a string", *provider, "set it to \"github\" or \"gitlab\"");
  }
  std::string_view provider_name(provider->GetString(), provider->GetStringLength());
  auto known = parseProvider(provider_name);
  if (!known) {
    return Error::unprocessable("provider", "provider \"" + log::logValue(provider_name, 40) +
                                                "\" is not supported; use \"github\" or "
                                                "\"gitlab\"");
  }
  t.provider = *known;

  const auto* repository = json::member(body, "repository");
  if (!repository) {
    return Error::unprocessable(
        "repository", "repository is required; give " +
                          std::string(t.provider == Provider::kGitlab
                                          ? "the project path, e.g. \"group/project\", or its "
                                            "numeric id"
                                          : "the \"owner/name\" of the repository, e.g. "
                                            "\"octo/app\""));
  }
  if (!repository->IsString()) {
    return typeError("repository", "a string", *repository,
                     t.provider == Provider::kGitlab
                         ? "give the project path or the project id in quotes, e.g. \"12345\""
                         : "give \"owner/name\", e.g. \"octo/app\"");
  }
  std::string_view repo(repository->GetString(), repository->GetStringLength());
  if (auto st = validateRepository(t.provider, repo, "repository"); !st.ok()) return st.error();
  if (t.provider == Provider::kGitlab && allDigits(repo)) {
    t.repository_id = std::string(repo);
  } else {
    t.repository_full_name = std::string(repo);
  }

  const auto* image = json::member(body, "image");
  if (!image) {
    return Error::unprocessable("image",
                                "image is required; give the image repository to push "
                                "to, e.g. \"" +
                                    std::string(kImageExample) + "\"");
  }
  if (auto st = readImage(*image, &t.image); !st.ok()) return st.error();

  const auto* rules = json::member(body, "rules");
  if (!rules) {
    return Error::unprocessable("rules",
                                "rules is required; give at least one rule, e.g. "
                                "[{\"kind\": \"branch\", \"match\": \"main\", "
                                "\"tags\": [\"latest\"]}]");
  }
  auto parsed = parseRules(*rules);
  if (!parsed.ok()) return parsed.error();
  t.rules = std::move(parsed).value();

  t.install_hook = true;
  if (const auto* install = json::member(body, "install_hook")) {
    if (auto st = readBool(*install, "install_hook", &t.install_hook); !st.ok()) return st.error();
  }
  TriggerCreateOptions wanted;
  if (const auto* signing = json::member(body, "signing_token")) {
    if (auto st = readBool(*signing, "signing_token", &wanted.signing_token); !st.ok())
      return st.error();
    if (t.provider != Provider::kGitlab && wanted.signing_token) {
      return Error::unprocessable("signing_token",
                                  "signing_token is for GitLab hooks; GitHub signs every "
                                  "delivery with the secret already: leave it out");
    }
  }
  if (options) *options = wanted;
  if (const auto* enabled = json::member(body, "enabled")) {
    if (auto st = readBool(*enabled, "enabled", &t.enabled); !st.ok()) return st.error();
  }
  return t;
}

Result<Trigger> applyTriggerPatch(const Trigger& current, const rapidjson::Value& body) {
  if (!body.IsObject()) {
    return Error::unprocessable("body", std::string("the request body must be a JSON object, "
                                                    "got ") +
                                            jsonTypeName(body) +
                                            "; send only the keys to change, e.g. "
                                            "{\"enabled\": false}");
  }
  // Name the real reason for keys a client may reasonably try, before the generic check.
  for (auto it = body.MemberBegin(); it != body.MemberEnd(); ++it) {
    std::string_view key(it->name.GetString(), it->name.GetStringLength());
    if (key == "provider" || key == "repository" || key == "install_hook") {
      return Error::unprocessable(std::string(key),
                                  std::string(key) +
                                      " cannot be changed on an existing trigger; delete the "
                                      "trigger and create a new one instead");
    }
    if (std::find(std::begin(kReadOnlyKeys), std::end(kReadOnlyKeys), key) !=
        std::end(kReadOnlyKeys)) {
      return Error::unprocessable(std::string(key),
                                  std::string(key) +
                                      " is read-only; leave it out and send only image, rules "
                                      "or enabled");
    }
  }
  if (auto st = checkObjectKeys(body, "", kPatchKeys); !st.ok()) return st.error();

  Trigger t = current;
  if (const auto* image = json::member(body, "image")) {
    if (auto st = readImage(*image, &t.image); !st.ok()) return st.error();
  }
  if (const auto* rules = json::member(body, "rules")) {
    auto parsed = parseRules(*rules);
    if (!parsed.ok()) return parsed.error();
    t.rules = std::move(parsed).value();
  }
  if (const auto* enabled = json::member(body, "enabled")) {
    if (auto st = readBool(*enabled, "enabled", &t.enabled); !st.ok()) return st.error();
  }
  return t;
}

void writeTriggerPublic(json::Writer& w, const Trigger& t) {
  auto rfc3339 = [](int64_t unix_seconds) {
    return formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
  };
  w.StartObject();
  json::kv(w, "id", t.id);
  json::kv(w, "user", t.user);
  json::kv(w, "provider", providerName(t.provider));
  json::key(w, "repository");
  w.StartObject();
  json::kv(w, "id", t.repository_id);
  json::kv(w, "full_name", t.repository_full_name);
  w.EndObject();
  json::key(w, "hook");
  w.StartObject();
  json::kv(w, "id", t.hook_id);
  json::key(w, "installed");
  w.Bool(t.install_hook);
  json::key(w, "verified");
  w.Bool(t.hook_verified);
  json::key(w, "active");
  if (t.install_hook)
    w.Bool(t.hook_active);
  else
    w.Null();  // a hand-made hook: triggerd cannot see it
  json::key(w, "signed");
  w.Bool(!t.signing_key.empty() && t.signing_required);
  json::key(w, "last_checked_at");
  if (t.hook_checked_at > 0)
    json::str(w, rfc3339(t.hook_checked_at));
  else
    w.Null();
  auto textOrNull = [&w](const char* name, const std::string& text) {
    json::key(w, name);
    if (text.empty())
      w.Null();
    else
      json::str(w, text);
  };
  textOrNull("last_error", t.hook_error);
  textOrNull("last_repair", t.hook_note);
  json::key(w, "missed_pushes");
  w.StartArray();
  for (const auto& m : t.missed_pushes) json::str(w, m);
  w.EndArray();
  w.EndObject();
  json::kv(w, "image", t.image);
  json::key(w, "rules");
  writeRules(w, t.rules);
  json::key(w, "enabled");
  w.Bool(t.enabled);
  json::kv(w, "created_at", rfc3339(t.created_at));
  json::kv(w, "updated_at", rfc3339(t.updated_at));
  w.EndObject();
}

}  // namespace triggerd
