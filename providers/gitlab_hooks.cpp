// GitLabApi's project hook calls: list (every page), create, update, delete, test, and the hook
// events API (list, resend) of GitLab 17.3+.
#include <algorithm>
#include <memory>
#include <utility>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/json.h"
#include "common/json_fields.h"
#include "common/log.h"
#include "providers/gitlab_api.h"
#include "providers/gitlab_common.h"
#include "providers/page_walk.h"

namespace triggerd {
namespace {

using gitlab::Context;
namespace ph = provider_http;

constexpr const char* kTokenField = "private_token";
constexpr int kMaxHookPages = 20;   // 2,000 hooks: far beyond GitLab's default limit of 100
constexpr int kMaxEventPages = 30;  // 3,000 events: GitLab keeps 7 days of them

Status checkHookId(std::string_view id, const char* field) {
  bool digits = !id.empty() && id.size() <= 20 &&
                std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) return okStatus();
  return Error::unprocessable(field,
                              "\"" + log::logValue(id, 40) + "\" is not a GitLab id (digits only)");
}

int64_t unixOf(std::string_view iso) {
  std::chrono::system_clock::time_point t;
  if (!parseIso8601(iso, &t)) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

RemoteHook parseHook(const rapidjson::Value& item) {
  RemoteHook h;
  h.id = json::getIdString(item, "id").value_or("");
  h.url = gitlab::stringOf(item, "url");
  h.project_id = json::getIdString(item, "project_id").value_or("");
  h.events_ok = json::getBool(item, "push_events").value_or(false) &&
                json::getBool(item, "tag_push_events").value_or(false);
  h.tls_verified = json::getBool(item, "enable_ssl_verification").value_or(true);
  // Servers before token_present existed cannot say; the token is then assumed set.
  h.secret_set = json::getBool(item, "token_present").value_or(true);
  if (auto signing = json::getBool(item, "signing_token_present")) h.signing_token_set = *signing;
  std::string alert = std::string(json::getString(item, "alert_status").value_or("executable"));
  h.active = alert == "executable";
  if (!h.active) {
    h.disabled_reason = "GitLab disabled the hook after failed deliveries (alert_status " +
                        log::logValue(alert, 40);
    if (auto until = json::getString(item, "disabled_until"))
      h.disabled_reason += ", disabled_until " + log::logValue(*until, 40);
    h.disabled_reason += ")";
  }
  return h;
}

std::string hookBody(const HookSpec& spec) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::kv(w, "url", spec.url);
    json::kv(w, "token", spec.secret);
    json::key(w, "push_events");
    w.Bool(true);
    json::key(w, "tag_push_events");
    w.Bool(true);
    json::key(w, "enable_ssl_verification");
    w.Bool(true);
    if (!spec.signing_token.empty()) json::kv(w, "signing_token", spec.signing_token);
    w.EndObject();
  });
}

// A failed hook call, its cause named.
Error hookError(const HttpResponse& r, const Context& ctx, std::string_view request,
                std::string_view what, std::string_view project, std::string_view url) {
  if (ph::rateLimitedFor(r, ph::clockOr(ctx.clock).unixSeconds()) || r.status >= 500 ||
      !gitlab::isGitlabApiAnswer(r)) {
    return gitlab::gitlabError(r, ctx, request, what);
  }
  std::string detail = ph::answerMessage(r.body);
  std::string lower = toLower(detail);
  std::string name(project);
  if (r.status == 400 || r.status == 422) {
    if (lower.find("url") != std::string::npos) {
      return Error::unprocessable(
          "server.public_base_url",
          "GitLab at " + ctx.root + " refused the webhook URL " + log::logValue(url, 200) + " (" +
              detail +
              "): GitLab sends no webhooks to local or private addresses unless its "
              "administrator allows them (Admin area > Settings > Network > Outbound "
              "requests); set server.public_base_url to an address GitLab may reach");
    }
    if (lower.find("maximum") != std::string::npos || lower.find("limit") != std::string::npos ||
        lower.find("exceeded") != std::string::npos) {
      return Error::unprocessable(
          "repository", "project " + name + " has as many webhooks as GitLab allows (" + detail +
                            "); remove webhooks it no longer needs first");
    }
    return Error::unprocessable("hook", "GitLab refused the webhook on " + name + ": " + detail);
  }
  if (r.status == 403) {
    if (lower.find("insufficient_scope") != std::string::npos) {
      return Error::credentialsRejected(kTokenField, "GitLab refused " + std::string(what) +
                                                         " (403 insufficient_scope): the token "
                                                         "needs the api scope");
    }
    return Error(Error::Kind::kForbidden, "repository",
                 "the GitLab account lacks the Maintainer role on " + name + " (403" +
                     (detail.empty() ? "" : ": " + detail) +
                     "): managing webhooks needs Maintainer or Owner");
  }
  if (r.status == 404) {
    return Error::notFound("repository", "GitLab at " + ctx.root + " has no project " + name +
                                             " that this account can see: it was deleted, "
                                             "moved or is private to others");
  }
  return gitlab::gitlabError(r, ctx, request, what);
}

// GitLab's "404 Not Found" for a hook id (a JSON message) against the project's own 404.
bool isMissingHook(const HttpResponse& r) {
  std::string message = toLower(ph::answerMessage(r.body));
  return r.status == 404 && gitlab::isGitlabApiAnswer(r) &&
         message.find("project") == std::string::npos;
}

// An unknown route: GitLab answers {"error": "404 Not Found"} (no "message").
bool isUnknownRoute(const HttpResponse& r) {
  if (r.status != 404 || !gitlab::isGitlabApiAnswer(r)) return false;
  auto doc = json::parse(r.body);
  return doc.ok() && doc->IsObject() && json::member(*doc, "message") == nullptr &&
         json::member(*doc, "error") != nullptr;
}

// What a hook call keeps for its answer: words for messages.
struct HookCall {
  Context ctx;
  std::string project;
  std::string url;           // the hook URL sent, for messages
  std::string request_name;  // "POST /api/v4/projects/:id/hooks"
  std::string what;

  Error fail(const Result<HttpResponse>& r) const {
    if (!r.ok()) return ph::transportError(r.error(), "GitLab", ctx.root);
    return hookError(*r, ctx, request_name, what, project, url);
  }
};

int statusOf(const rapidjson::Value& item) {
  // response_status is "200" (a string) or a word such as "internal error".
  std::string status = json::getIdString(item, "response_status").value_or("");
  bool digits =
      !status.empty() && status.size() <= 3 &&
      std::all_of(status.begin(), status.end(), [](char c) { return c >= '0' && c <= '9'; });
  return digits ? std::stoi(status) : 0;
}

HookDelivery parseEvent(const rapidjson::Value& item) {
  HookDelivery d;
  d.id = json::getIdString(item, "id").value_or("");
  d.delivered_at = unixOf(json::getString(item, "created_at").value_or(""));
  d.status_code = statusOf(item);
  d.succeeded = d.status_code >= 200 && d.status_code < 300;
  d.guid = d.id;
  if (const auto* headers = json::member(item, "request_headers"); headers && headers->IsObject()) {
    if (auto key = json::getString(*headers, "Idempotency-Key")) d.guid = std::string(*key);
  }
  return d;
}

// A 2xx page of a list: its items, or why there are none.
Result<const rapidjson::Value*> listItems(const HttpResponse& r, rapidjson::Document& doc,
                                          const std::string& what) {
  auto parsed = json::parse(r.body);
  if (!gitlab::isGitlabApiAnswer(r) || !parsed.ok() || !parsed->IsArray())
    return Error{502, "", "GitLab's answer to " + what + " is not a list"};
  doc = std::move(parsed).value();
  return &doc;
}

void onHookWritten(const HookCall& c, int expected_status, const GitLabApi::HookCallback& cb,
                   Result<HttpResponse> r) {
  if (r.ok() && expected_status == 200 && isMissingHook(*r)) {
    return cb(Error::notFound("hook", "GitLab has no such webhook on " + c.project));
  }
  if (!r.ok() || r->status != expected_status) return cb(c.fail(r));
  auto doc = json::parse(r->body);
  if (!gitlab::isGitlabApiAnswer(*r) || !doc.ok() || !doc->IsObject())
    return cb(Error{502, "", "GitLab's answer to " + c.what + " is not a hook"});
  RemoteHook hook = parseHook(*doc);
  if (hook.id.empty()) return cb(Error{502, "", "GitLab's answer to " + c.what + " has no id"});
  cb(std::move(hook));
}

}  // namespace

Result<HttpRequest> GitLabApi::hookRequest(std::string_view token, std::string_view project,
                                           std::string_view hook_id, std::string_view path) const {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  if (!hook_id.empty()) {
    if (auto st = checkHookId(hook_id, "hook_id"); !st) return st.error();
  }
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  std::string hook = hook_id.empty() ? "" : "/" + std::string(hook_id);
  return apiRequest("/projects/" + *segment + "/hooks" + hook + std::string(path), token);
}

ApiCall GitLabApi::listHooks(std::string_view token, std::string_view project, HooksCallback cb) {
  auto request = hookRequest(token, project, "", "?per_page=100");
  if (!request.ok()) return request.error();
  HookCall c{{options_.server_root, options_.clock},
             std::string(project),
             "",
             "GET /api/v4/projects/:id/hooks",
             "listing the webhooks of " + std::string(project)};
  auto hooks = std::make_shared<std::vector<RemoteHook>>();
  auto walk = std::make_shared<PageWalk>();
  walk->http = &http_;
  walk->first = std::move(request).value();
  walk->max_pages = kMaxHookPages;
  walk->provider = "GitLab";
  walk->what = "the webhooks of " + c.project;
  walk->on_page = [hooks, what = c.what](const HttpResponse& r) -> Result<bool> {
    rapidjson::Document doc;
    auto items = listItems(r, doc, what);
    if (!items.ok()) return items.error();
    for (const auto& item : (*items)->GetArray()) {
      RemoteHook h = parseHook(item);
      if (!h.id.empty()) hooks->push_back(std::move(h));
    }
    return true;
  };
  walk->on_failure = [c](Result<HttpResponse> r, std::function<void(Status)> finish) {
    finish(c.fail(r));
  };
  walk->done = [hooks, cb = std::move(cb)](Status st) {
    if (!st.ok()) return cb(st.error());
    cb(std::move(*hooks));
  };
  return walkPages(walk);
}

ApiCall GitLabApi::createHook(std::string_view token, std::string_view project,
                              const HookSpec& spec, HookCallback cb) {
  auto request = hookRequest(token, project, "", "");
  if (!request.ok()) return request.error();
  HookCall c{{options_.server_root, options_.clock},
             std::string(project),
             spec.url,
             "POST /api/v4/projects/:id/hooks",
             "creating a webhook on " + std::string(project)};
  HttpRequest req = std::move(request).value();
  req.method = "POST";
  req.body = hookBody(spec);
  req.headers.emplace_back("Content-Type", "application/json");
  return http_.send(std::move(req), [c = std::move(c), cb = std::move(cb)](Result<HttpResponse> r) {
    onHookWritten(c, 201, cb, std::move(r));
  });
}

ApiCall GitLabApi::updateHook(std::string_view token, std::string_view project,
                              std::string_view hook_id, const HookSpec& spec, HookCallback cb) {
  auto request = hookRequest(token, project, hook_id, "");
  if (!request.ok()) return request.error();
  HookCall c{{options_.server_root, options_.clock},
             std::string(project),
             spec.url,
             "PUT /api/v4/projects/:id/hooks/:hook_id",
             "updating webhook " + std::string(hook_id) + " of " + std::string(project)};
  HttpRequest req = std::move(request).value();
  req.method = "PUT";
  req.body = hookBody(spec);
  req.headers.emplace_back("Content-Type", "application/json");
  return http_.send(std::move(req), [c = std::move(c), cb = std::move(cb)](Result<HttpResponse> r) {
    onHookWritten(c, 200, cb, std::move(r));
  });
}

ApiCall GitLabApi::deleteHook(std::string_view token, std::string_view project,
                              std::string_view hook_id, DoneCallback cb) {
  auto request = hookRequest(token, project, hook_id, "");
  if (!request.ok()) return request.error();
  HookCall c{{options_.server_root, options_.clock},
             std::string(project),
             "",
             "DELETE /api/v4/projects/:id/hooks/:hook_id",
             "deleting webhook " + std::string(hook_id) + " of " + std::string(project)};
  HttpRequest req = std::move(request).value();
  req.method = "DELETE";
  return http_.send(std::move(req), [c = std::move(c), cb = std::move(cb)](Result<HttpResponse> r) {
    // Gone already (or the project with it): what deleting wanted.
    bool gone = r.ok() && (r->status == 204 || r->status == 200 ||
                           (r->status == 404 && gitlab::isGitlabApiAnswer(*r)));
    if (gone) return cb(okStatus());
    cb(c.fail(r));
  });
}

ApiCall GitLabApi::testHook(std::string_view token, std::string_view project,
                            std::string_view hook_id, DoneCallback cb) {
  auto request = hookRequest(token, project, hook_id, "/test/push_events");
  if (!request.ok()) return request.error();
  HookCall c{{options_.server_root, options_.clock},
             std::string(project),
             "",
             "POST /api/v4/projects/:id/hooks/:hook_id/test/push_events",
             "testing webhook " + std::string(hook_id) + " of " + std::string(project)};
  HttpRequest req = std::move(request).value();
  req.method = "POST";
  return http_.send(std::move(req), [c = std::move(c), cb = std::move(cb)](Result<HttpResponse> r) {
    if (r.ok() && (r->status == 201 || r->status == 200)) return cb(okStatus());
    if (r.ok() && isMissingHook(*r))
      return cb(Error::notFound("hook", "GitLab has no such webhook on " + c.project));
    if (r.ok() && r->status == 422 && gitlab::isGitlabApiAnswer(*r)) {
      // The test ran and the hook's URL did not answer 2xx: GitLab keeps it disabled.
      return cb(Error{502, "hook",
                      "GitLab's test delivery to the webhook failed (" +
                          ph::answerMessage(r->body) + "); the hook stays disabled"});
    }
    cb(c.fail(r));
  });
}

ApiCall GitLabApi::listHookEvents(std::string_view token, std::string_view project,
                                  std::string_view hook_id, int64_t since_unix, EventsCallback cb) {
  auto request = hookRequest(token, project, hook_id, "/events?per_page=100");
  if (!request.ok()) return request.error();
  HookCall c{
      {options_.server_root, options_.clock},
      std::string(project),
      "",
      "GET /api/v4/projects/:id/hooks/:hook_id/events",
      "listing the events of webhook " + std::string(hook_id) + " of " + std::string(project)};
  auto log = std::make_shared<DeliveryLog>();
  auto walk = std::make_shared<PageWalk>();
  walk->http = &http_;
  walk->first = std::move(request).value();
  walk->max_pages = kMaxEventPages;
  walk->provider = "GitLab";
  walk->what = "events of webhook " + std::string(hook_id);
  // Newest first: the walk stops at the first event older than `since`.
  walk->on_page = [log, since_unix, what = c.what](const HttpResponse& r) -> Result<bool> {
    rapidjson::Document doc;
    auto items = listItems(r, doc, what);
    if (!items.ok()) return items.error();
    for (const auto& item : (*items)->GetArray()) {
      HookDelivery d = parseEvent(item);
      if (d.id.empty()) continue;
      if (d.delivered_at < since_unix) return false;
      log->deliveries.push_back(std::move(d));
    }
    return true;
  };
  walk->on_failure = [c, log](Result<HttpResponse> r, std::function<void(Status)> finish) {
    if (r.ok() && isUnknownRoute(*r)) {
      log->available = false;
      log->note = "GitLab at " + c.ctx.root +
                  " has no hook events API (GitLab 17.3 added it): missed deliveries cannot be "
                  "listed or resent";
      return finish(okStatus());
    }
    if (r.ok() && isMissingHook(*r))
      return finish(Error::notFound("hook", "GitLab has no such webhook on " + c.project));
    finish(c.fail(r));
  };
  walk->done = [log, cb = std::move(cb)](Status st) {
    if (!st.ok()) return cb(st.error());
    cb(std::move(*log));
  };
  return walkPages(walk);
}

ApiCall GitLabApi::resendHookEvent(std::string_view token, std::string_view project,
                                   std::string_view hook_id, std::string_view event_id,
                                   DoneCallback cb) {
  if (auto st = checkHookId(event_id, "event_id"); !st) return st.error();
  auto request =
      hookRequest(token, project, hook_id, "/events/" + std::string(event_id) + "/resend");
  if (!request.ok()) return request.error();
  HookCall c{{options_.server_root, options_.clock},
             std::string(project),
             "",
             "POST /api/v4/projects/:id/hooks/:hook_id/events/:id/resend",
             "resending event " + std::string(event_id) + " of " + std::string(project)};
  HttpRequest req = std::move(request).value();
  req.method = "POST";
  return http_.send(std::move(req), [c = std::move(c), cb = std::move(cb)](Result<HttpResponse> r) {
    if (r.ok() && r->status >= 200 && r->status < 300) return cb(okStatus());
    if (r.ok() && isMissingHook(*r))
      return cb(Error::notFound("delivery", "GitLab no longer has that event of " + c.project));
    cb(c.fail(r));
  });
}

}  // namespace triggerd
