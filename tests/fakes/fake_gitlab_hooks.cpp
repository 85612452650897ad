// FakeGitLab's project hooks: the hooks API with its limits and URL checks, deliveries with the
// secret token and Standard Webhooks signatures, auto-disabling after failures, the test
// endpoint that re-enables, the hook events API with resend, and the rate-limit budget.
#include <algorithm>
#include <cstdio>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/json.h"
#include "tests/fakes/fake_gitlab.h"
#include "tests/fakes/fake_gitlab_common.h"
#include "webhook/signature.h"

namespace triggerd::testing {
namespace {

using fake_gitlab::gitlabMessage;
using fake_gitlab::hasAny;
using fake_gitlab::kInsufficientScope;
using fake_gitlab::tokenError;

constexpr int kDisableAfter = 4;       // consecutive failures before GitLab disables a hook
constexpr int kDisableForGood = 40;    // ... and for good
constexpr int64_t kFirstBackoff = 60;  // seconds, doubling, up to a day

std::string iso(int64_t unix_seconds) {
  return formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

bool isLocalUrl(const std::string& url) {
  size_t start = url.find("://");
  if (start == std::string::npos) return false;
  std::string host = url.substr(start + 3);
  host = host.substr(0, host.find_first_of("/?#"));
  if (!host.empty() && host[0] == '[') return host.rfind("[::1]", 0) == 0;
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host.rfind("127.", 0) == 0 || host.rfind("10.", 0) == 0 ||
         host.rfind("192.168.", 0) == 0;
}

std::string uuid(int64_t n, int64_t salt) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-8%03llx-%012llx",
                static_cast<unsigned long long>(salt & 0xffffffff),
                static_cast<unsigned long long>((n >> 16) & 0xffff),
                static_cast<unsigned long long>(n & 0xfff),
                static_cast<unsigned long long>((n >> 4) & 0xfff),
                static_cast<unsigned long long>((n * 2862933555777941757ULL) & 0xffffffffffffULL));
  return buf;
}

std::string headersJson(const HttpHeaders& headers) {
  std::string out = "{";
  for (size_t i = 0; i < headers.size(); ++i)
    out += (i ? "," : "") + jsonEscape(headers[i].first) + ":" + jsonEscape(headers[i].second);
  return out + "}";
}

}  // namespace

std::string FakeGitLabHook::alertStatus(int64_t now) const {
  if (permanently_disabled) return "disabled";
  if (disabled_until > now) return "temporarily_disabled";
  return "executable";
}

FakeGitLabProject* FakeGitLab::findProject(const std::string& id) {
  bool numeric =
      !id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
  for (auto& p : projects_) {
    if (numeric ? std::to_string(p.id) == id : equalsIgnoreCase(p.path_with_namespace, id))
      return &p;
  }
  return nullptr;
}

std::optional<FakeApiResponse> FakeGitLab::hookApi(const Token& token, const User& user,
                                                   const FakeApiRequest& request,
                                                   const std::vector<std::string>& route) {
  if (route.size() < 3 || route[0] != "projects" || route[2] != "hooks") return std::nullopt;
  FakeGitLabProject* project = findProject(route[1]);
  if (!project || (project->visibility == "private" && !project->members.count(user.username)))
    return gitlabMessage(404, "404 Project Not Found");
  bool reading = request.method == "GET";
  if (!hasAny(token.scopes, reading ? std::initializer_list<const char*>{"api", "read_api"}
                                    : std::initializer_list<const char*>{"api"})) {
    return tokenError(403, "insufficient_scope", kInsufficientScope, "api");
  }
  auto member = project->members.find(user.username);
  if (member == project->members.end() || member->second < 40)
    return gitlabMessage(403, "403 Forbidden");
  if (route.size() == 3) {
    if (reading) {
      std::vector<const FakeGitLabHook*> list;
      for (const auto& h : hooks_)
        if (h.project_id == project->id) list.push_back(&h);
      PageSlice slice = slicePage(list.size(), request, 20);
      std::string body = "[";
      for (size_t i = slice.begin; i < slice.end; ++i)
        body += (i > slice.begin ? "," : "") + hookJson(*list[i]);
      body += "]";
      FakeApiResponse response = jsonAnswer(200, std::move(body));
      paginate(response, request, slice, list.size());
      return response;
    }
    if (request.method == "POST") return hookCreate(request, *project);
    return jsonAnswer(405, "{\"error\":\"405 Method Not Allowed\"}");
  }
  auto hook = std::find_if(hooks_.begin(), hooks_.end(), [&](const FakeGitLabHook& h) {
    return std::to_string(h.id) == route[3] && h.project_id == project->id;
  });
  if (hook == hooks_.end()) return gitlabMessage(404, "404 Not found");
  if (route.size() == 4) {
    if (reading) return jsonAnswer(200, hookJson(*hook));
    if (request.method == "PUT") return hookUpdate(request, *hook);
    if (request.method == "DELETE") {
      hooks_.erase(hook);
      return FakeApiResponse{204, {}, ""};
    }
  }
  if (route.size() == 6 && route[4] == "test" && request.method == "POST") return hookTest(*hook);
  if (route.size() >= 5 && route[4] == "events") {
    if (!options_.hook_events_api) return jsonAnswer(404, "{\"error\":\"404 Not Found\"}");
    if (route.size() == 5 && reading) return hookEvents(request, *hook);
    if (route.size() == 7 && route[6] == "resend" && request.method == "POST")
      return hookResend(*hook, std::atoll(route[5].c_str()));
  }
  return jsonAnswer(404, "{\"error\":\"404 Not Found\"}");
}

std::string FakeGitLab::hookJson(const FakeGitLabHook& h) const {
  std::string status = h.alertStatus(now());
  std::string body =
      "{\"id\":" + std::to_string(h.id) + ",\"url\":" + jsonEscape(h.url) +
      ",\"name\":\"\",\"description\":\"\",\"project_id\":" + std::to_string(h.project_id) +
      ",\"push_events\":" + (h.push_events ? "true" : "false") +
      ",\"push_events_branch_filter\":\"\",\"tag_push_events\":" +
      (h.tag_push_events ? "true" : "false") +
      ",\"merge_requests_events\":false,\"issues_events\":false,\"note_events\":false,"
      "\"job_events\":false,\"pipeline_events\":false,\"wiki_page_events\":false,"
      "\"enable_ssl_verification\":" +
      (h.enable_ssl_verification ? "true" : "false") + ",\"alert_status\":" + jsonEscape(status) +
      ",\"disabled_until\":" +
      (status == "temporarily_disabled" ? jsonEscape(iso(h.disabled_until)) : "null") +
      ",\"url_variables\":[],\"created_at\":\"2026-11-25T10:00:00.000Z\","
      "\"custom_webhook_template\":\"\",\"custom_headers\":[],\"token_present\":" +
      (h.token.empty() ? "false" : "true");
  if (options_.signing_tokens)
    body +=
        std::string(",\"signing_token_present\":") + (h.signing_token.empty() ? "false" : "true");
  return body + "}";
}

FakeApiResponse FakeGitLab::hookCreate(const FakeApiRequest& request,
                                       const FakeGitLabProject& project) {
  auto doc = json::parse(request.body);
  if (!doc.ok() || !doc->IsObject()) return jsonAnswer(400, "{\"error\":\"400 Bad request\"}");
  auto url = json::getString(*doc, "url");
  if (!url || url->empty()) return jsonAnswer(400, "{\"error\":\"url is missing\"}");
  FakeGitLabHook hook;
  hook.url = std::string(*url);
  if (hook.url.rfind("http://", 0) != 0 && hook.url.rfind("https://", 0) != 0)
    return jsonAnswer(422, "{\"error\":\"Invalid url given\"}");
  if (!options_.allow_local_requests && isLocalUrl(hook.url))
    return jsonAnswer(422, "{\"error\":\"Invalid url given\"}");
  size_t count = std::count_if(hooks_.begin(), hooks_.end(),
                               [&](const FakeGitLabHook& h) { return h.project_id == project.id; });
  if (count >= static_cast<size_t>(options_.hook_limit)) {
    return jsonAnswer(422, "{\"message\":{\"base\":[\"Maximum number of project hooks (" +
                               std::to_string(options_.hook_limit) + ") exceeded\"]}}");
  }
  hook.project_id = project.id;
  hook.token = std::string(json::getString(*doc, "token").value_or(""));
  hook.push_events = json::getBool(*doc, "push_events").value_or(true);
  hook.tag_push_events = json::getBool(*doc, "tag_push_events").value_or(false);
  hook.enable_ssl_verification = json::getBool(*doc, "enable_ssl_verification").value_or(true);
  // Without the webhook_signing_token feature, GitLab ignores the field.
  if (options_.signing_tokens)
    hook.signing_token = std::string(json::getString(*doc, "signing_token").value_or(""));
  hook.id = next_hook_id_++;
  hooks_.push_back(hook);
  return jsonAnswer(201, hookJson(hook));
}

FakeApiResponse FakeGitLab::hookUpdate(const FakeApiRequest& request, FakeGitLabHook& hook) {
  auto doc = json::parse(request.body);
  if (!doc.ok() || !doc->IsObject()) return jsonAnswer(400, "{\"error\":\"400 Bad request\"}");
  auto url = json::getString(*doc, "url");
  if (!url || url->empty()) return jsonAnswer(400, "{\"error\":\"url is missing\"}");
  if (!options_.allow_local_requests && isLocalUrl(std::string(*url)))
    return jsonAnswer(422, "{\"error\":\"Invalid url given\"}");
  // GitLab clears the token when the URL changes and no new token comes with it.
  if (std::string(*url) != hook.url) hook.token.clear();
  hook.url = std::string(*url);
  if (auto token = json::getString(*doc, "token")) hook.token = std::string(*token);
  if (auto v = json::getBool(*doc, "push_events")) hook.push_events = *v;
  if (auto v = json::getBool(*doc, "tag_push_events")) hook.tag_push_events = *v;
  if (auto v = json::getBool(*doc, "enable_ssl_verification")) hook.enable_ssl_verification = *v;
  if (options_.signing_tokens) {
    if (auto v = json::getString(*doc, "signing_token")) hook.signing_token = std::string(*v);
  }
  return jsonAnswer(200, hookJson(hook));
}

OutgoingDelivery FakeGitLab::deliveryFor(const FakeGitLabHook& hook, FakeGitLabEvent& e) const {
  e.hook_id = hook.id;
  if (e.event_uuid.empty()) e.event_uuid = uuid(e.id, 0x6e7e);
  if (e.idempotency_key.empty()) e.idempotency_key = uuid(e.id, 0x1d3e);
  OutgoingDelivery out;
  out.url = hook.url;
  out.body = e.payload;
  out.headers = {{"Content-Type", "application/json"},
                 {"User-Agent", "GitLab/" + options_.version},
                 {"Idempotency-Key", e.idempotency_key},
                 {"X-Gitlab-Event", e.gitlab_event},
                 {"X-Gitlab-Webhook-UUID", uuid(hook.id, 0x400c)},
                 {"X-Gitlab-Instance", serverRoot()},
                 {"X-Gitlab-Event-UUID", e.event_uuid}};
  if (!hook.token.empty()) out.headers.emplace_back("X-Gitlab-Token", hook.token);
  if (!hook.signing_token.empty()) {
    auto key = base64Decode(std::string_view(hook.signing_token).substr(6));  // after "whsec_"
    std::string timestamp = std::to_string(now());
    out.headers.emplace_back("webhook-id", e.idempotency_key);
    out.headers.emplace_back("webhook-timestamp", timestamp);
    out.headers.emplace_back(
        "webhook-signature",
        standardWebhookSignature(key.value_or(""), e.idempotency_key, timestamp, e.payload));
  }
  e.request_headers = out.headers;
  for (auto& [name, value] : e.request_headers)
    if (name == "X-Gitlab-Token") value = "[REDACTED]";
  return out;
}

void FakeGitLab::recordExecution(FakeGitLabEvent event, const DeliveryOutcome& outcome) {
  event.status = outcome.status;
  event.duration = outcome.seconds;
  event.created_at = now();
  for (auto& h : hooks_) {
    if (h.id != event.hook_id) continue;
    if (outcome.status >= 200 && outcome.status < 300) {
      h.recent_failures = 0;
      h.disabled_until = 0;
      h.permanently_disabled = false;
    } else if (++h.recent_failures >= kDisableForGood) {
      h.permanently_disabled = true;
    } else if (h.recent_failures >= kDisableAfter) {
      int64_t backoff = kFirstBackoff << std::min(h.recent_failures - kDisableAfter, 20);
      h.disabled_until = now() + std::min<int64_t>(backoff, 86400);
    }
  }
  events_.push_back(std::move(event));
  std::sort(events_.begin(), events_.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
}

void FakeGitLab::sendToHook(const FakeGitLabHook& hook, FakeGitLabEvent event) {
  OutgoingDelivery out = deliveryFor(hook, event);
  sender_.enqueue(std::move(out), [this, event](const DeliveryOutcome& outcome) {
    std::lock_guard lock(mu_);
    recordExecution(event, outcome);
  });
}

FakeApiResponse FakeGitLab::hookTest(FakeGitLabHook& hook) {
  auto last = last_push_.find(hook.project_id);
  if (last == last_push_.end())
    return gitlabMessage(400, "Ensure the project has at least one commit.");
  PendingTest test;
  test.hook_id = hook.id;
  test.event.id = next_event_id_++;
  test.event.gitlab_event = last->second.first;
  test.event.payload = last->second.second;
  test.delivery = deliveryFor(hook, test.event);
  pending_test_ = std::move(test);
  return FakeApiResponse{};  // replaced by finishTest once sent
}

FakeApiResponse FakeGitLab::finishTest(const PendingTest& test, const DeliveryOutcome& outcome) {
  recordExecution(test.event, outcome);
  if (outcome.status >= 200 && outcome.status < 300)
    return jsonAnswer(201, "{\"message\":\"201 Created\"}");
  std::string why = outcome.status == 0 ? outcome.error : std::to_string(outcome.status);
  return gitlabMessage(422, "[Hook execution failed: " + why + "]");
}

FakeApiResponse FakeGitLab::hookEvents(const FakeApiRequest& request, const FakeGitLabHook& hook) {
  std::vector<const FakeGitLabEvent*> list;  // newest first
  for (auto it = events_.rbegin(); it != events_.rend(); ++it)
    if (it->hook_id == hook.id) list.push_back(&*it);
  PageSlice slice = slicePage(list.size(), request, 20);
  std::string body = "[";
  for (size_t i = slice.begin; i < slice.end; ++i) {
    const FakeGitLabEvent& e = *list[i];
    std::string status = e.status == 0 ? "internal error" : std::to_string(e.status);
    body += std::string(i > slice.begin ? "," : "") + "{\"id\":" + std::to_string(e.id) +
            ",\"url\":" + jsonEscape(hook.url) + ",\"trigger\":" +
            jsonEscape(e.gitlab_event == "Tag Push Hook" ? "tag_push_hooks" : "push_hooks") +
            ",\"request_headers\":" + headersJson(e.request_headers) +
            ",\"request_data\":" + (e.payload.empty() ? "{}" : e.payload) +
            ",\"response_headers\":{},\"response_body\":\"\",\"execution_duration\":" +
            std::to_string(e.duration) + ",\"response_status\":" + jsonEscape(status) +
            ",\"created_at\":" + jsonEscape(iso(e.created_at)) + "}";
  }
  body += "]";
  FakeApiResponse response = jsonAnswer(200, std::move(body));
  paginate(response, request, slice, list.size());
  return response;
}

FakeApiResponse FakeGitLab::hookResend(FakeGitLabHook& hook, int64_t event_id) {
  for (const auto& e : events_) {
    if (e.id != event_id || e.hook_id != hook.id) continue;
    FakeGitLabEvent again;
    again.id = next_event_id_++;
    again.gitlab_event = e.gitlab_event;
    again.payload = e.payload;
    again.idempotency_key = e.idempotency_key;  // the same delivery, as GitLab resends it
    sendToHook(hook, std::move(again));
    return jsonAnswer(201, "{\"response_status\":\"queued\"}");
  }
  return gitlabMessage(404, "404 Not found");
}

std::optional<FakeApiResponse> FakeGitLab::spendBudget(const User& user) {
  if (!budget_.on()) return std::nullopt;
  int64_t t = now();
  bool allowed = budget_.spend(user.username, t);
  FakeRateBudget::Count c = budget_.count(user.username, t);
  budget_headers_ = {{"RateLimit-Name", "throttle_authenticated_api"},
                     {"RateLimit-Limit", std::to_string(c.limit)},
                     {"RateLimit-Observed", std::to_string(c.used)},
                     {"RateLimit-Remaining", std::to_string(std::max(c.limit - c.used, 0))},
                     {"RateLimit-Reset", std::to_string(c.reset)}};
  if (allowed) return std::nullopt;
  // Rack::Attack's throttle answer: plain text, with the limit headers (added in handle()).
  FakeApiResponse r{429, {{"Content-Type", "text/plain"}}, "Retry later\n"};
  r.headers.push_back({"Retry-After", std::to_string(std::max<int64_t>(c.reset - t, 1))});
  return r;
}

// --- test-facing state ------------------------------------------------------------------------

std::vector<FakeGitLabHook> FakeGitLab::hooks(int64_t project_id) const {
  std::lock_guard lock(mu_);
  std::vector<FakeGitLabHook> out;
  for (const auto& h : hooks_)
    if (h.project_id == project_id) out.push_back(h);
  return out;
}

int64_t FakeGitLab::addHook(FakeGitLabHook hook) {
  std::lock_guard lock(mu_);
  hook.id = next_hook_id_++;
  hooks_.push_back(hook);
  return hook.id;
}

void FakeGitLab::removeHook(int64_t id) {
  std::lock_guard lock(mu_);
  hooks_.erase(std::remove_if(hooks_.begin(), hooks_.end(),
                              [id](const FakeGitLabHook& h) { return h.id == id; }),
               hooks_.end());
}

std::vector<FakeGitLabEvent> FakeGitLab::push(int64_t project_id, const std::string& payload,
                                              const std::string& event) {
  std::vector<int64_t> ids;
  {
    std::lock_guard lock(mu_);
    last_push_[project_id] = {event, payload};
    for (const auto& h : hooks_) {
      if (h.project_id != project_id || h.alertStatus(now()) != "executable") continue;
      if (event == "Tag Push Hook" ? !h.tag_push_events : !h.push_events) continue;
      FakeGitLabEvent e;
      e.id = next_event_id_++;
      e.gitlab_event = event;
      e.payload = payload;
      ids.push_back(e.id);
      sendToHook(h, std::move(e));
    }
  }
  sender_.waitIdle();
  std::lock_guard lock(mu_);
  std::vector<FakeGitLabEvent> out;
  for (const auto& e : events_)
    if (std::find(ids.begin(), ids.end(), e.id) != ids.end()) out.push_back(e);
  return out;
}

std::vector<FakeGitLabEvent> FakeGitLab::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

bool FakeGitLab::waitForDeliveries(std::chrono::milliseconds timeout) {
  return sender_.waitIdle(timeout);
}

void FakeGitLab::setRateBudget(int limit, int64_t window_seconds) {
  std::lock_guard lock(mu_);
  budget_.set(limit, window_seconds);
}

int64_t FakeGitLab::rateLimitedAnswers() const {
  std::lock_guard lock(mu_);
  return budget_.refused();
}

}  // namespace triggerd::testing
