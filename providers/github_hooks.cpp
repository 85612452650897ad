// GitHubApi's repository hook calls: list (every page), create, update, delete, and the
// deliveries API (list, redeliver).
#include <algorithm>
#include <memory>
#include <utility>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/json.h"
#include "common/json_fields.h"
#include "common/log.h"
#include "providers/github_api.h"
#include "providers/github_common.h"
#include "providers/page_walk.h"
#include "providers/scopes.h"

namespace triggerd {
namespace {

using github::Context;
namespace ph = provider_http;

constexpr int kMaxHookPages = 20;      // 2,000 hooks: far beyond GitHub's 20 per event
constexpr int kMaxDeliveryPages = 30;  // 3,000 attempts: GitHub keeps a few days of them

// The scopes each kind of hook call needs (scope implication applies: repo covers them all).
constexpr const char* kReadScope = "read:repo_hook";
constexpr const char* kWriteScope = "write:repo_hook";
constexpr const char* kDeleteScope = "admin:repo_hook";

bool allDigits(std::string_view s) {
  return !s.empty() && s.size() <= 20 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status checkNumericId(std::string_view id, const char* field, const char* what) {
  if (allDigits(id)) return okStatus();
  return Error::unprocessable(
      field, "\"" + log::logValue(id, 40) + "\" is not a GitHub " + what + " id (digits only)");
}

int64_t unixOf(std::string_view iso) {
  std::chrono::system_clock::time_point t;
  if (!parseIso8601(iso, &t)) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

RemoteHook parseHook(const rapidjson::Value& item) {
  RemoteHook h;
  h.id = github::idOf(item);
  h.active = json::getBool(item, "active").value_or(false);
  if (!h.active) h.disabled_reason = "the hook is deactivated on GitHub (active: false)";
  if (const auto* events = json::member(item, "events"); events && events->IsArray()) {
    for (const auto& e : events->GetArray()) {
      if (!e.IsString()) continue;
      std::string_view name(e.GetString(), e.GetStringLength());
      if (name == "push" || name == "*") h.events_ok = true;
    }
  }
  if (const auto* config = json::member(item, "config"); config && config->IsObject()) {
    h.url = github::stringOf(*config, "url");
    h.json_content = github::stringOf(*config, "content_type") == "json";
    // insecure_ssl is "0" or "1", and sometimes a number.
    h.tls_verified = json::getIdString(*config, "insecure_ssl").value_or("0") == "0";
    // GitHub shows a set secret masked ("********") and leaves the key out otherwise.
    h.secret_set = !github::stringOf(*config, "secret").empty();
  }
  return h;
}

// The whole hook: on an update GitHub drops a secret that is not sent again.
std::string hookBody(const HookSpec& spec, bool create) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    if (create) json::kv(w, "name", "web");
    json::key(w, "active");
    w.Bool(true);
    json::key(w, "events");
    w.StartArray();
    json::str(w, "push");  // tag pushes are push events too
    w.EndArray();
    json::key(w, "config");
    w.StartObject();
    json::kv(w, "url", spec.url);
    json::kv(w, "content_type", "json");  // GitHub's default is form
    json::kv(w, "secret", spec.secret);
    json::kv(w, "insecure_ssl", "0");
    w.EndObject();
    w.EndObject();
  });
}

// GitHub's validation errors: {"message": "Validation Failed", "errors": [{"message": ...}]}.
std::string validationDetail(const std::string& body) {
  std::string out = ph::answerMessage(body);
  auto doc = json::parse(body);
  if (!doc.ok() || !doc->IsObject()) return out;
  if (const auto* errors = json::member(*doc, "errors"); errors && errors->IsArray()) {
    for (const auto& e : errors->GetArray()) {
      std::string m = e.IsObject() ? github::stringOf(e, "message") : "";
      if (m.empty() && e.IsObject()) m = github::stringOf(e, "code");
      if (!m.empty()) out += (out.empty() ? "" : ": ") + log::logValue(m, 200);
    }
  }
  return out;
}

// A failed hook call other than 404 (which explainNotFound handles).
Error hookError(const HttpResponse& r, const Context& ctx, std::string_view what,
                std::string_view full_name, std::string_view url) {
  bool limited = ph::rateLimitedFor(r, ph::clockOr(ctx.clock).unixSeconds()).has_value();
  std::string detail = validationDetail(r.body);
  std::string lower = toLower(detail);
  std::string repo(full_name);
  if (r.status == 422) {
    if (lower.find("already exists") != std::string::npos) {
      return Error::conflict(
          "hook", "GitHub says the webhook already exists on " + repo + " (" + detail + ")");
    }
    // "The "push" event cannot have more than 20 hooks"
    if (lower.find("limit") != std::string::npos || lower.find("more than") != std::string::npos) {
      return Error::unprocessable("repository", repo + " has as many webhooks as GitHub allows (" +
                                                    detail +
                                                    "); remove webhooks it no longer needs first");
    }
    if (lower.find("url") != std::string::npos) {
      return Error::unprocessable(
          "server.public_base_url",
          "GitHub refused the webhook URL " + log::logValue(url, 200) + " (" + detail +
              "): GitHub must be able to reach it; set server.public_base_url to an address "
              "GitHub can reach");
    }
    return Error::unprocessable("hook", "GitHub refused the webhook on " + repo + ": " + detail);
  }
  if (r.status == 403 && !limited) {
    if (lower.find("admin") != std::string::npos) {
      return Error(Error::Kind::kForbidden, "repository",
                   "the GitHub account has no admin rights on " + repo + " (" + detail +
                       "): only repository admins may manage webhooks");
    }
    if (lower.find("not accessible") != std::string::npos) {
      return Error::credentialsRejected(
          "token", "GitHub refused " + std::string(what) + " (" + detail +
                       "): the token lacks hook access; fine-grained tokens need the Webhooks "
                       "permission (read and write), classic tokens the repo scope");
    }
  }
  return github::githubError(r, ctx, what);
}

// GitHub answers 404 alike for the hooks of a repository that is gone and of one the account
// does not administer. The token's scopes (X-OAuth-Scopes on the answer) and GET
// /repos/{owner}/{name} tell which.
void explainNotFound(HttpClient& http, HttpRequest repo_request, const Context& ctx,
                     const std::string& full_name, const char* needed_scope,
                     const HttpResponse& answer, std::function<void(Error)> done) {
  if (auto header = answer.header("x-oauth-scopes")) {
    auto granted = parseScopeList(*header);
    if (!githubScopeSatisfied(granted, needed_scope)) {
      return done(Error::credentialsRejected(
          "token", "the GitHub token lacks the " + std::string(needed_scope) + " scope (it has: " +
                       (granted.empty() ? std::string("none") : joinScopes(granted)) +
                       "); managing webhooks needs repo or admin:repo_hook; authorize triggerd "
                       "again or use a token with the repo scope"));
    }
  }
  http.send(
      std::move(repo_request), [ctx, full_name, done = std::move(done)](Result<HttpResponse> r) {
        std::string what = "reading the repository " + full_name;
        if (!r.ok()) return done(ph::transportError(r.error(), "GitHub", ctx.api_base_url));
        if (r->status == 404) {
          return done(Error::notFound("repository", "GitHub has no repository " + full_name +
                                                        " that this account can see: it was "
                                                        "deleted, renamed or made private"));
        }
        if (r->status != 200) return done(github::githubError(*r, ctx, what));
        auto doc = github::jsonBody(*r, what);
        if (!doc.ok()) return done(doc.error());
        const auto* permissions = json::member(*doc, "permissions");
        if (!permissions || !json::getBool(*permissions, "admin").value_or(false)) {
          return done(Error(Error::Kind::kForbidden, "repository",
                            "the GitHub account has no admin rights on " + full_name +
                                ": only repository admins may manage webhooks; ask for the admin "
                                "role, or create the trigger with install_hook false and have an "
                                "admin add the webhook"));
        }
        done(Error::credentialsRejected(
            "token", "GitHub hid the webhooks of " + full_name +
                         " from the token although the account administers the repository: the "
                         "token lacks hook access (classic tokens: the repo or admin:repo_hook "
                         "scope; fine-grained tokens: the Webhooks permission, read and write)"));
      });
}

// What a hook call keeps for its answer: how to ask about a 404, and words for messages.
struct HookCall {
  HttpClient* http = nullptr;
  HttpRequest repo_request;  // GET /repos/{owner}/{name}
  Context ctx;
  std::string full_name;
  std::string url;  // the hook URL sent, for messages
  const char* scope = kReadScope;
  std::string what;

  // A failed answer: a transport error, a 404 explained, or hookError.
  void fail(Result<HttpResponse> r, std::function<void(Error)> done) const {
    if (!r.ok()) return done(ph::transportError(r.error(), "GitHub", ctx.api_base_url));
    if (r->status == 404)
      return explainNotFound(*http, repo_request, ctx, full_name, scope, *r, std::move(done));
    done(hookError(*r, ctx, what, full_name, url));
  }
};

HookDelivery parseDelivery(const rapidjson::Value& item) {
  HookDelivery d;
  d.id = github::idOf(item);
  d.guid = github::stringOf(item, "guid");
  d.delivered_at = unixOf(json::getString(item, "delivered_at").value_or(""));
  d.status_code = static_cast<int>(json::getInt(item, "status_code").value_or(0));
  d.succeeded = d.status_code >= 200 && d.status_code < 300;
  d.redelivery = json::getBool(item, "redelivery").value_or(false);
  return d;
}

// Create and update share their answer: the hook as GitHub now has it.
void onHookWritten(const HookCall& c, int expected_status, const GitHubApi::HookCallback& cb,
                   Result<HttpResponse> r) {
  if (r.ok() && r->status == 404 && expected_status == 200) {
    // The repository answered for the list a moment ago: the hook itself is gone.
    return cb(Error::notFound("hook", "GitHub has no such webhook on " + c.full_name));
  }
  if (!r.ok() || r->status != expected_status)
    return c.fail(std::move(r), [cb](Error e) { cb(std::move(e)); });
  auto doc = github::jsonBody(*r, c.what);
  if (!doc.ok()) return cb(doc.error());
  RemoteHook hook = parseHook(*doc);
  if (hook.id.empty()) return cb(github::unreadable(*r, c.what, "no hook id"));
  cb(std::move(hook));
}

}  // namespace

Result<GitHubApi::HookRequests> GitHubApi::hookRequests(std::string_view token,
                                                        std::string_view full_name,
                                                        std::string_view hook_id,
                                                        std::string_view path) const {
  if (auto st = ph::checkToken(token, "token", "GitHub"); !st) return st.error();
  if (auto st = validateGithubFullName(full_name); !st) return st.error();
  if (!hook_id.empty()) {
    if (auto st = checkNumericId(hook_id, "hook_id", "webhook"); !st) return st.error();
  }
  std::string repo = options_.api_base_url + github::repoPath(full_name);
  return HookRequests{apiRequest(repo + std::string(path), token), apiRequest(repo, token)};
}

ApiCall GitHubApi::listHooks(std::string_view token, std::string_view full_name, HooksCallback cb) {
  auto requests = hookRequests(token, full_name, "", "/hooks?per_page=100");
  if (!requests.ok()) return requests.error();
  HookCall c{&http_,
             requests->repo,
             {options_.api_base_url, options_.oauth_base_url, options_.clock},
             std::string(full_name),
             "",
             kReadScope,
             "listing the webhooks of " + std::string(full_name)};
  auto hooks = std::make_shared<std::vector<RemoteHook>>();
  auto walk = std::make_shared<PageWalk>();
  walk->http = &http_;
  walk->first = requests->call;
  walk->max_pages = kMaxHookPages;
  walk->provider = "GitHub";
  walk->what = "the webhooks of " + c.full_name;
  walk->on_page = [hooks, what = c.what](const HttpResponse& r) -> Result<bool> {
    auto doc = github::jsonBody(r, what);
    if (!doc.ok()) return doc.error();
    if (!doc->IsArray()) return github::unreadable(r, what, "not a list");
    for (const auto& item : doc->GetArray()) {
      RemoteHook h = parseHook(item);
      if (!h.id.empty()) hooks->push_back(std::move(h));
    }
    return true;
  };
  walk->on_failure = [c](Result<HttpResponse> r, std::function<void(Status)> finish) {
    c.fail(std::move(r), [finish](Error e) { finish(std::move(e)); });
  };
  walk->done = [hooks, cb = std::move(cb)](Status st) {
    if (!st.ok()) return cb(st.error());
    cb(std::move(*hooks));
  };
  return walkPages(walk);
}

ApiCall GitHubApi::createHook(std::string_view token, std::string_view full_name,
                              const HookSpec& spec, HookCallback cb) {
  auto requests = hookRequests(token, full_name, "", "/hooks");
  if (!requests.ok()) return requests.error();
  HookCall c{&http_,
             requests->repo,
             {options_.api_base_url, options_.oauth_base_url, options_.clock},
             std::string(full_name),
             spec.url,
             kWriteScope,
             "creating a webhook on " + std::string(full_name)};
  HttpRequest req = std::move(requests->call);
  req.method = "POST";
  req.body = hookBody(spec, true);
  req.headers.emplace_back("Content-Type", "application/json");
  return http_.send(std::move(req), [c = std::move(c), cb = std::move(cb)](Result<HttpResponse> r) {
    onHookWritten(c, 201, cb, std::move(r));
  });
}

ApiCall GitHubApi::updateHook(std::string_view token, std::string_view full_name,
                              std::string_view hook_id, const HookSpec& spec, HookCallback cb) {
  auto requests = hookRequests(token, full_name, hook_id, "/hooks/" + std::string(hook_id));
  if (!requests.ok()) return requests.error();
  HookCall c{&http_,
             requests->repo,
             {options_.api_base_url, options_.oauth_base_url, options_.clock},
             std::string(full_name),
             spec.url,
             kWriteScope,
             "updating webhook " + std::string(hook_id) + " of " + std::string(full_name)};
  HttpRequest req = std::move(requests->call);
  req.method = "PATCH";
  req.body = hookBody(spec, false);
  req.headers.emplace_back("Content-Type", "application/json");
  return http_.send(std::move(req), [c = std::move(c), cb = std::move(cb)](Result<HttpResponse> r) {
    onHookWritten(c, 200, cb, std::move(r));
  });
}

ApiCall GitHubApi::deleteHook(std::string_view token, std::string_view full_name,
                              std::string_view hook_id, DoneCallback cb) {
  auto requests = hookRequests(token, full_name, hook_id, "/hooks/" + std::string(hook_id));
  if (!requests.ok()) return requests.error();
  HookCall c{&http_,
             requests->repo,
             {options_.api_base_url, options_.oauth_base_url, options_.clock},
             std::string(full_name),
             "",
             kDeleteScope,
             "deleting webhook " + std::string(hook_id) + " of " + std::string(full_name)};
  HttpRequest req = std::move(requests->call);
  req.method = "DELETE";
  return http_.send(std::move(req), [c = std::move(c), cb = std::move(cb)](Result<HttpResponse> r) {
    // Gone already (or the repository with it): what deleting wanted.
    if (r.ok() && (r->status == 204 || r->status == 404)) return cb(okStatus());
    c.fail(std::move(r), [cb](Error e) { cb(std::move(e)); });
  });
}

ApiCall GitHubApi::listDeliveries(std::string_view token, std::string_view full_name,
                                  std::string_view hook_id, int64_t since_unix,
                                  DeliveriesCallback cb) {
  auto requests = hookRequests(token, full_name, hook_id,
                               "/hooks/" + std::string(hook_id) + "/deliveries?per_page=100");
  if (!requests.ok()) return requests.error();
  HookCall c{&http_,
             requests->repo,
             {options_.api_base_url, options_.oauth_base_url, options_.clock},
             std::string(full_name),
             "",
             kReadScope,
             "listing the deliveries of webhook " + std::string(hook_id) + " of " +
                 std::string(full_name)};
  auto log = std::make_shared<DeliveryLog>();
  auto walk = std::make_shared<PageWalk>();
  walk->http = &http_;
  walk->first = requests->call;
  walk->max_pages = kMaxDeliveryPages;
  walk->provider = "GitHub";
  walk->what = "deliveries of webhook " + std::string(hook_id);
  // Newest first: the walk stops at the first attempt older than `since`.
  walk->on_page = [log, since_unix, what = c.what](const HttpResponse& r) -> Result<bool> {
    auto doc = github::jsonBody(r, what);
    if (!doc.ok()) return doc.error();
    if (!doc->IsArray()) return github::unreadable(r, what, "not a list");
    for (const auto& item : doc->GetArray()) {
      HookDelivery d = parseDelivery(item);
      if (d.id.empty()) continue;
      if (d.delivered_at < since_unix) return false;
      log->deliveries.push_back(std::move(d));
    }
    return true;
  };
  walk->on_failure = [c](Result<HttpResponse> r, std::function<void(Status)> finish) {
    if (r.ok() && r->status == 404) {
      return finish(Error::notFound("hook", "GitHub has no such webhook on " + c.full_name));
    }
    c.fail(std::move(r), [finish](Error e) { finish(std::move(e)); });
  };
  walk->done = [log, cb = std::move(cb)](Status st) {
    if (!st.ok()) return cb(st.error());
    cb(std::move(*log));
  };
  return walkPages(walk);
}

ApiCall GitHubApi::redeliver(std::string_view token, std::string_view full_name,
                             std::string_view hook_id, std::string_view delivery_id,
                             DoneCallback cb) {
  if (auto st = checkNumericId(delivery_id, "delivery_id", "delivery"); !st) return st.error();
  auto requests = hookRequests(
      token, full_name, hook_id,
      "/hooks/" + std::string(hook_id) + "/deliveries/" + std::string(delivery_id) + "/attempts");
  if (!requests.ok()) return requests.error();
  HookCall c{&http_,
             requests->repo,
             {options_.api_base_url, options_.oauth_base_url, options_.clock},
             std::string(full_name),
             "",
             kWriteScope,
             "redelivering delivery " + std::string(delivery_id) + " of " + std::string(full_name)};
  HttpRequest req = std::move(requests->call);
  req.method = "POST";
  return http_.send(std::move(req), [c = std::move(c), cb = std::move(cb)](Result<HttpResponse> r) {
    if (r.ok() && r->status >= 200 && r->status < 300) return cb(okStatus());
    if (r.ok() && r->status == 404)
      return cb(
          Error::notFound("delivery", "GitHub no longer has that delivery of " + c.full_name));
    c.fail(std::move(r), [cb](Error e) { cb(std::move(e)); });
  });
}

}  // namespace triggerd
