// FakeGitHub's repositories, webhooks and deliveries: GET /repos/{owner}/{name}, the hook
// endpoints, pings, the deliveries API with cursor pages and redelivery that really sends the
// delivery again, and the rate-limit budget.
#include <algorithm>
#include <cstdio>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/json.h"
#include "providers/scopes.h"
#include "tests/fakes/fake_github.h"
#include "tests/fakes/fake_github_common.h"
#include "webhook/signature.h"

namespace triggerd::testing {
namespace {

using fake_github::githubMessage;
using fake_github::nowUnix;
using fake_github::permissionRank;

constexpr const char* kHookDocs = "https://docs.github.com/rest/repos/webhooks";

std::string iso(int64_t unix_seconds) {
  return formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

FakeApiResponse validationFailed(const std::string& message) {
  return jsonAnswer(422,
                    "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Hook\","
                    "\"code\":\"custom\",\"message\":" +
                        jsonEscape(message) + "}],\"documentation_url\":" + jsonEscape(kHookDocs) +
                        ",\"status\":\"422\"}");
}

bool isLoopbackUrl(const std::string& url) {
  size_t start = url.find("://");
  if (start == std::string::npos) return false;
  std::string host = url.substr(start + 3);
  host = host.substr(0, host.find_first_of("/?#"));
  if (!host.empty() && host[0] == '[') return host.rfind("[::1]", 0) == 0;
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host.rfind("127.", 0) == 0;
}

bool overlaps(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& x : a)
    for (const auto& y : b)
      if (x == y || x == "*" || y == "*") return true;
  return false;
}

std::vector<std::string> stringList(const rapidjson::Value& v) {
  std::vector<std::string> out;
  if (!v.IsArray()) return out;
  for (const auto& item : v.GetArray())
    if (item.IsString()) out.emplace_back(item.GetString(), item.GetStringLength());
  return out;
}

// 8-4-4-4-12 hex, unique within the process.
std::string newGuid() {
  static uint64_t counter = 0;
  uint64_t n = ++counter;
  uint64_t t = static_cast<uint64_t>(nowUnix());
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-a%03llx-%012llx",
                static_cast<unsigned long long>(t & 0xffffffffULL),
                static_cast<unsigned long long>((n >> 32) & 0xffff),
                static_cast<unsigned long long>((n >> 20) & 0xfff),
                static_cast<unsigned long long>((n >> 8) & 0xfff),
                static_cast<unsigned long long>(n * 2654435761ULL & 0xffffffffffffULL));
  return buf;
}

}  // namespace

std::optional<FakeApiResponse> FakeGitHub::repoApi(const Token& token,
                                                   const FakeApiRequest& request,
                                                   const std::vector<std::string>& seg) {
  if (seg.size() < 3 || seg[0] != "repos") return std::nullopt;
  if (seg.size() == 4 && (seg[3] == "branches" || seg[3] == "tags")) return std::nullopt;
  FakeGitHubRepo* repo = nullptr;
  for (auto& r : repos_) {
    if (equalsIgnoreCase(r.owner, seg[1]) && equalsIgnoreCase(r.name, seg[2])) repo = &r;
  }
  if (seg.size() == 3) {
    if (request.method != "GET" || !repo || !canRead(token, *repo))
      return githubMessage(404, "Not Found", "https://docs.github.com/rest/repos/repos");
    return repoAnswer(token, *repo);
  }
  if (seg[3] != "hooks") return std::nullopt;  // repoRoutes: branches, commits, statuses
  // Only administrators may see hooks, with a token holding a hook scope; GitHub hides the
  // rest behind 404.
  bool admin = false;
  if (repo && canRead(token, *repo)) {
    auto permission = repo->permissions.find(token.login);
    admin = permission != repo->permissions.end() && permissionRank(permission->second) >= 5;
  }
  const char* scope = request.method == "GET"      ? "read:repo_hook"
                      : request.method == "DELETE" ? "admin:repo_hook"
                                                   : "write:repo_hook";
  if (!admin || !githubScopeSatisfied(token.scopes, scope))
    return githubMessage(404, "Not Found", kHookDocs);
  if (seg.size() == 4) {
    if (request.method == "GET") return hookList(request, *repo);
    if (request.method == "POST") return hookCreate(request, *repo);
    return githubMessage(404, "Not Found", kHookDocs);
  }
  auto hook = std::find_if(hooks_.begin(), hooks_.end(), [&](const FakeGitHubHook& h) {
    return std::to_string(h.id) == seg[4] && equalsIgnoreCase(h.repo, repo->fullName());
  });
  if (hook == hooks_.end()) return githubMessage(404, "Not Found", kHookDocs);
  if (seg.size() == 5) {
    if (request.method == "GET") return jsonAnswer(200, hookJson(*hook));
    if (request.method == "PATCH") return hookUpdate(request, *hook);
    if (request.method == "DELETE") {
      hooks_.erase(hook);
      return FakeApiResponse{204, {}, ""};
    }
  }
  if (seg.size() == 6 && seg[5] == "pings" && request.method == "POST") {
    sendToHook(*hook, "ping",
               "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":" + std::to_string(hook->id) +
                   ",\"hook\":" + hookJson(*hook) + "}",
               newGuid(), false);
    return FakeApiResponse{204, {}, ""};
  }
  if (seg.size() == 6 && seg[5] == "deliveries" && request.method == "GET")
    return deliveryList(request, *hook);
  if (seg.size() == 8 && seg[5] == "deliveries" && seg[7] == "attempts" &&
      request.method == "POST") {
    return redeliver(*hook, std::atoll(seg[6].c_str()));
  }
  return githubMessage(404, "Not Found", kHookDocs);
}

FakeApiResponse FakeGitHub::repoAnswer(const Token& token, const FakeGitHubRepo& repo) const {
  auto permission = repo.permissions.find(token.login);
  int rank = permission == repo.permissions.end() ? 1 : permissionRank(permission->second);
  auto flag = [&](int need) { return rank >= need ? "true" : "false"; };
  std::string html = "https://github.com/" + repo.fullName();
  return jsonAnswer(
      200, "{\"id\":" + std::to_string(repo.id) + ",\"node_id\":\"R_kgDO" +
               std::to_string(repo.id) + "\",\"name\":" + jsonEscape(repo.name) +
               ",\"full_name\":" + jsonEscape(repo.fullName()) +
               ",\"private\":" + (repo.is_private ? "true" : "false") + ",\"owner\":{\"login\":" +
               jsonEscape(repo.owner) + ",\"type\":\"User\"},\"html_url\":" + jsonEscape(html) +
               ",\"clone_url\":" + jsonEscape(html + ".git") +
               ",\"ssh_url\":" + jsonEscape("git@github.com:" + repo.fullName() + ".git") +
               ",\"default_branch\":" + jsonEscape(repo.default_branch) +
               ",\"visibility\":" + jsonEscape(repo.is_private ? "private" : "public") +
               ",\"permissions\":{\"admin\":" + flag(5) + ",\"maintain\":" + flag(4) +
               ",\"push\":" + flag(3) + ",\"triage\":" + flag(2) + ",\"pull\":" + flag(1) + "}}");
}

std::string FakeGitHub::hookJson(const FakeGitHubHook& hook) const {
  std::string api =
      "https://api.github.com/repos/" + hook.repo + "/hooks/" + std::to_string(hook.id);
  std::string events;
  for (const auto& e : hook.events) events += (events.empty() ? "" : ",") + jsonEscape(e);
  std::string config = "{\"content_type\":" + jsonEscape(hook.content_type) +
                       ",\"insecure_ssl\":" + jsonEscape(hook.insecure_ssl) +
                       ",\"url\":" + jsonEscape(hook.url);
  if (!hook.secret.empty()) config += ",\"secret\":\"********\"";
  config += "}";
  return "{\"type\":\"Repository\",\"id\":" + std::to_string(hook.id) +
         ",\"name\":\"web\",\"active\":" + (hook.active ? "true" : "false") + ",\"events\":[" +
         events + "],\"config\":" + config +
         ",\"updated_at\":\"2026-11-25T10:00:00Z\",\"created_at\":\"2026-11-25T10:00:00Z\","
         "\"url\":" +
         jsonEscape(api) + ",\"test_url\":" + jsonEscape(api + "/test") +
         ",\"ping_url\":" + jsonEscape(api + "/pings") +
         ",\"deliveries_url\":" + jsonEscape(api + "/deliveries") +
         ",\"last_response\":{\"code\":null,\"status\":\"unused\",\"message\":null}}";
}

FakeApiResponse FakeGitHub::hookList(const FakeApiRequest& request, const FakeGitHubRepo& repo) {
  std::vector<const FakeGitHubHook*> list;
  for (const auto& h : hooks_)
    if (equalsIgnoreCase(h.repo, repo.fullName())) list.push_back(&h);
  PageSlice slice = slicePage(list.size(), request, 30);
  std::string body = "[";
  for (size_t i = slice.begin; i < slice.end; ++i)
    body += (i > slice.begin ? "," : "") + hookJson(*list[i]);
  body += "]";
  FakeApiResponse response = jsonAnswer(200, std::move(body));
  paginate(response, request, slice);
  return response;
}

FakeApiResponse FakeGitHub::hookCreate(const FakeApiRequest& request, const FakeGitHubRepo& repo) {
  auto doc = json::parse(request.body);
  if (!doc.ok() || !doc->IsObject()) return githubMessage(400, "Problems parsing JSON");
  FakeGitHubHook hook;
  hook.repo = repo.fullName();
  if (const auto* events = json::member(*doc, "events")) hook.events = stringList(*events);
  hook.active = json::getBool(*doc, "active").value_or(true);
  const auto* config = json::member(*doc, "config");
  if (!config || !config->IsObject() || !json::getString(*config, "url"))
    return validationFailed("Config must contain url for webhook hook");
  hook.url = std::string(*json::getString(*config, "url"));
  hook.content_type = std::string(json::getString(*config, "content_type").value_or("form"));
  hook.secret = std::string(json::getString(*config, "secret").value_or(""));
  hook.insecure_ssl = json::getIdString(*config, "insecure_ssl").value_or("0");
  if (!options_.allow_local_hook_urls && isLoopbackUrl(hook.url)) {
    return validationFailed(
        "url is not supported because it isn't reachable over the public Internet (localhost)");
  }
  size_t same_event = 0;
  for (const auto& other : hooks_) {
    if (!equalsIgnoreCase(other.repo, hook.repo)) continue;
    if (other.url == hook.url && overlaps(other.events, hook.events))
      return validationFailed("Hook already exists on this repository");
    if (overlaps(other.events, {"push"})) ++same_event;
  }
  if (same_event >= static_cast<size_t>(options_.hook_limit)) {
    return validationFailed("The \"push\" event cannot have more than " +
                            std::to_string(options_.hook_limit) + " hooks");
  }
  hook.id = next_hook_id_++;
  hooks_.push_back(hook);
  // GitHub pings a new hook.
  if (hook.active) {
    sendToHook(hook, "ping",
               "{\"zen\":\"Design for failure.\",\"hook_id\":" + std::to_string(hook.id) +
                   ",\"hook\":" + hookJson(hook) + "}",
               newGuid(), false);
  }
  FakeApiResponse response = jsonAnswer(201, hookJson(hook));
  response.headers.push_back({"Location", "https://api.github.com/repos/" + hook.repo + "/hooks/" +
                                              std::to_string(hook.id)});
  return response;
}

FakeApiResponse FakeGitHub::hookUpdate(const FakeApiRequest& request, FakeGitHubHook& hook) {
  auto doc = json::parse(request.body);
  if (!doc.ok() || !doc->IsObject()) return githubMessage(400, "Problems parsing JSON");
  if (const auto* config = json::member(*doc, "config"); config && config->IsObject()) {
    // The config is replaced as a whole: a secret not sent again is gone.
    if (auto url = json::getString(*config, "url")) hook.url = std::string(*url);
    hook.content_type = std::string(json::getString(*config, "content_type").value_or("form"));
    hook.secret = std::string(json::getString(*config, "secret").value_or(""));
    hook.insecure_ssl = json::getIdString(*config, "insecure_ssl").value_or("0");
  }
  if (const auto* events = json::member(*doc, "events")) hook.events = stringList(*events);
  if (auto active = json::getBool(*doc, "active")) hook.active = *active;
  return jsonAnswer(200, hookJson(hook));
}

FakeApiResponse FakeGitHub::deliveryList(const FakeApiRequest& request,
                                         const FakeGitHubHook& hook) {
  std::vector<const FakeGitHubDelivery*> list;  // newest first
  int64_t before = INT64_MAX;
  if (auto cursor = request.query("cursor"); cursor && cursor->rfind("v1_", 0) == 0)
    before = std::atoll(cursor->c_str() + 3);
  for (auto it = deliveries_.rbegin(); it != deliveries_.rend(); ++it)
    if (it->hook_id == hook.id && it->id < before) list.push_back(&*it);
  int per_page = std::clamp(std::atoi(request.query("per_page").value_or("30").c_str()), 1, 100);
  size_t end = std::min(list.size(), static_cast<size_t>(per_page));
  int64_t repo_id = 0;
  for (const auto& r : repos_)
    if (equalsIgnoreCase(r.fullName(), hook.repo)) repo_id = r.id;
  std::string body = "[";
  for (size_t i = 0; i < end; ++i) {
    const FakeGitHubDelivery& d = *list[i];
    body +=
        std::string(i ? "," : "") + "{\"id\":" + std::to_string(d.id) +
        ",\"guid\":" + jsonEscape(d.guid) + ",\"delivered_at\":" + jsonEscape(iso(d.delivered_at)) +
        ",\"redelivery\":" + (d.redelivery ? "true" : "false") +
        ",\"duration\":" + std::to_string(d.duration) + ",\"status\":" + jsonEscape(d.status) +
        ",\"status_code\":" + std::to_string(d.status_code) + ",\"event\":" + jsonEscape(d.event) +
        ",\"action\":null,\"installation_id\":null,\"repository_id\":" + std::to_string(repo_id) +
        ",\"throttled_at\":null}";
  }
  body += "]";
  FakeApiResponse response = jsonAnswer(200, std::move(body));
  if (end < list.size()) {
    std::string next =
        withQueryParam(request.target, "cursor", "v1_" + std::to_string(list[end - 1]->id));
    response.headers.push_back({"Link", linkHeader({{serverUrl() + next, "next"}})});
  }
  return response;
}

FakeApiResponse FakeGitHub::redeliver(const FakeGitHubHook& hook, int64_t delivery_id) {
  for (const auto& d : deliveries_) {
    if (d.id != delivery_id || d.hook_id != hook.id) continue;
    sendToHook(hook, d.event, d.payload, d.guid, true);
    return jsonAnswer(202, "{}");
  }
  return githubMessage(404, "Not Found", kHookDocs);
}

void FakeGitHub::sendToHook(const FakeGitHubHook& hook, const std::string& event,
                            const std::string& payload, const std::string& guid, bool redelivery) {
  int64_t repo_id = 0;
  for (const auto& r : repos_)
    if (equalsIgnoreCase(r.fullName(), hook.repo)) repo_id = r.id;
  OutgoingDelivery out;
  out.url = hook.url;
  bool form = hook.content_type == "form";
  out.body = form ? "payload=" + urlEncode(payload) : payload;
  out.headers = {{"Content-Type", form ? "application/x-www-form-urlencoded" : "application/json"},
                 {"User-Agent", "GitHub-Hookshot/f4k3d00"},
                 {"X-GitHub-Event", event},
                 {"X-GitHub-Delivery", guid},
                 {"X-GitHub-Hook-ID", std::to_string(hook.id)},
                 {"X-GitHub-Hook-Installation-Target-Type", "repository"},
                 {"X-GitHub-Hook-Installation-Target-ID", std::to_string(repo_id)}};
  // Signed with the hook's secret as it is now (a redelivery too).
  if (!hook.secret.empty())
    out.headers.emplace_back("X-Hub-Signature-256", githubSignature(hook.secret, out.body));
  FakeGitHubDelivery record;
  record.id = next_delivery_id_++;
  record.guid = guid;
  record.hook_id = hook.id;
  record.event = event;
  record.redelivery = redelivery;
  record.payload = payload;
  sender_.enqueue(std::move(out), [this, record](const DeliveryOutcome& outcome) mutable {
    record.status_code = outcome.status;
    record.delivered_at = nowUnix();
    record.duration = outcome.seconds;
    record.status = outcome.status == 0 ? "failed to connect: " + outcome.error
                    : outcome.status < 300
                        ? "OK"
                        : "Invalid HTTP Response: " + std::to_string(outcome.status);
    std::lock_guard lock(mu_);
    deliveries_.push_back(std::move(record));
    std::sort(deliveries_.begin(), deliveries_.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
  });
}

std::optional<FakeApiResponse> FakeGitHub::spendBudget(const Token& token) {
  int64_t now = nowUnix();
  if (!budget_.on() || budget_.spend(token.login, now)) return std::nullopt;
  FakeRateBudget::Count c = budget_.count(token.login, now);
  FakeApiResponse r = githubMessage(
      403,
      "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, "
      "please include the request ID.",
      "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api");
  r.headers.push_back({"x-ratelimit-limit", std::to_string(c.limit)});
  r.headers.push_back({"x-ratelimit-remaining", "0"});
  r.headers.push_back({"x-ratelimit-used", std::to_string(c.used)});
  r.headers.push_back({"x-ratelimit-reset", std::to_string(c.reset)});
  r.headers.push_back({"x-ratelimit-resource", "core"});
  return r;
}

// --- test-facing state ------------------------------------------------------------------------

std::vector<FakeGitHubHook> FakeGitHub::hooks(const std::string& full_name) const {
  std::lock_guard lock(mu_);
  std::vector<FakeGitHubHook> out;
  for (const auto& h : hooks_)
    if (equalsIgnoreCase(h.repo, full_name)) out.push_back(h);
  return out;
}

int64_t FakeGitHub::addHook(FakeGitHubHook hook) {
  std::lock_guard lock(mu_);
  hook.id = next_hook_id_++;
  hooks_.push_back(hook);
  return hook.id;
}

void FakeGitHub::removeHook(int64_t id) {
  std::lock_guard lock(mu_);
  hooks_.erase(std::remove_if(hooks_.begin(), hooks_.end(),
                              [id](const FakeGitHubHook& h) { return h.id == id; }),
               hooks_.end());
}

void FakeGitHub::setHookActive(int64_t id, bool active) {
  std::lock_guard lock(mu_);
  for (auto& h : hooks_)
    if (h.id == id) h.active = active;
}

std::vector<FakeGitHubDelivery> FakeGitHub::push(const std::string& full_name,
                                                 const std::string& payload) {
  std::string guid = newGuid();
  {
    std::lock_guard lock(mu_);
    for (const auto& h : hooks_) {
      if (equalsIgnoreCase(h.repo, full_name) && h.active && overlaps(h.events, {"push"}))
        sendToHook(h, "push", payload, guid, false);
    }
  }
  sender_.waitIdle();
  std::lock_guard lock(mu_);
  std::vector<FakeGitHubDelivery> out;
  for (const auto& d : deliveries_)
    if (d.guid == guid) out.push_back(d);
  return out;
}

std::vector<FakeGitHubDelivery> FakeGitHub::deliveries() const {
  std::lock_guard lock(mu_);
  return deliveries_;
}

bool FakeGitHub::waitForDeliveries(std::chrono::milliseconds timeout) {
  return sender_.waitIdle(timeout);
}

void FakeGitHub::setRateBudget(int limit, int64_t window_seconds) {
  std::lock_guard lock(mu_);
  budget_.set(limit, window_seconds);
}

int64_t FakeGitHub::rateLimitedAnswers() const {
  std::lock_guard lock(mu_);
  return budget_.refused();
}

}  // namespace triggerd::testing
