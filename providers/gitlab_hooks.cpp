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
#include "providers/pagination.h"

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

struct HookCall {
  HttpClient* http = nullptr;
  HttpRequest request;
  Context ctx;
  std::string project;
  std::string url;
  std::string request_name;  // "GET /api/v4/projects/:id/hooks"
  std::string what;
};

struct HookLister {
  HookCall call;
  std::string base_url;
  std::vector<RemoteHook> hooks;
  int pages = 0;
  GitLabApi::HooksCallback done;

  static void onPage(const std::shared_ptr<HookLister>& s, Result<HttpResponse> r) {
    const HookCall& c = s->call;
    if (!r.ok()) return s->done(ph::transportError(r.error(), "GitLab", c.ctx.root));
    if (r->status != 200) {
      return s->done(hookError(*r, c.ctx, c.request_name, c.what, c.project, ""));
    }
    auto doc = gitlab::okJson(r, c.ctx, c.request_name, c.what);
    if (!doc.ok()) return s->done(doc.error());
    if (!doc->IsArray()) return s->done(Error{502, "", "GitLab's hook list is not a list"});
    for (const auto& item : doc->GetArray()) {
      RemoteHook h = parseHook(item);
      if (!h.id.empty()) s->hooks.push_back(std::move(h));
    }
    auto next = gitlab::nextOf(*r);
    if (!next) return s->done(std::move(s->hooks));
    if (++s->pages >= kMaxHookPages) {
      return s->done(Error{502, "",
                           "GitLab lists more than " + std::to_string(kMaxHookPages * 100) +
                               " webhooks on " + c.project + "; triggerd does not page further"});
    }
    auto query = pageTokenQuery(*next);
    if (!query.ok()) return s->done(Error{502, "", "GitLab's next hook page has no page number"});
    HttpRequest req = c.request;
    req.url = ph::appendQuery(s->base_url, *query);
    c.http->send(std::move(req), [s](Result<HttpResponse> page) { onPage(s, std::move(page)); });
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

struct EventLister {
  HookCall call;
  std::string base_url;
  int64_t since = 0;
  DeliveryLog log;
  int pages = 0;
  GitLabApi::EventsCallback done;

  static void onPage(const std::shared_ptr<EventLister>& s, Result<HttpResponse> r) {
    const HookCall& c = s->call;
    if (!r.ok()) return s->done(ph::transportError(r.error(), "GitLab", c.ctx.root));
    if (isUnknownRoute(*r)) {
      DeliveryLog none;
      none.available = false;
      none.note = "GitLab at " + c.ctx.root +
                  " has no hook events API (GitLab 17.3 added it): missed deliveries cannot be "
                  "listed or resent";
      return s->done(std::move(none));
    }
    if (isMissingHook(*r)) {
      return s->done(Error::notFound("hook", "GitLab has no such webhook on " + c.project));
    }
    if (r->status != 200) {
      return s->done(hookError(*r, c.ctx, c.request_name, c.what, c.project, ""));
    }
    auto doc = gitlab::okJson(r, c.ctx, c.request_name, c.what);
    if (!doc.ok()) return s->done(doc.error());
    if (!doc->IsArray()) return s->done(Error{502, "", "GitLab's hook events are not a list"});
    bool older_seen = false;
    for (const auto& item : doc->GetArray()) {
      HookDelivery d;
      d.id = json::getIdString(item, "id").value_or("");
      d.delivered_at = unixOf(json::getString(item, "created_at").value_or(""));
      d.status_code = statusOf(item);
      d.succeeded = d.status_code >= 200 && d.status_code < 300;
      d.guid = d.id;
      if (const auto* headers = json::member(item, "request_headers");
          headers && headers->IsObject()) {
        if (auto key = json::getString(*headers, "Idempotency-Key")) d.guid = std::string(*key);
      }
      if (d.id.empty()) continue;
      if (d.delivered_at < s->since) {
        older_seen = true;
        continue;
      }
      s->log.deliveries.push_back(std::move(d));
    }
    auto next = gitlab::nextOf(*r);
    if (older_seen || !next || ++s->pages >= kMaxEventPages) return s->done(std::move(s->log));
    auto query = pageTokenQuery(*next);
    if (!query.ok()) return s->done(Error{502, "", "GitLab's next events page has no page number"});
    HttpRequest req = c.request;
    req.url = ph::appendQuery(s->base_url, *query);
    c.http->send(std::move(req), [s](Result<HttpResponse> page) { onPage(s, std::move(page)); });
  }
};

void onHookWritten(const HookCall& c, int expected_status, const GitLabApi::HookCallback& cb,
                   Result<HttpResponse> r) {
  if (!r.ok()) return cb(ph::transportError(r.error(), "GitLab", c.ctx.root));
  if (expected_status == 200 && isMissingHook(*r)) {
    return cb(Error::notFound("hook", "GitLab has no such webhook on " + c.project));
  }
  if (r->status != expected_status) {
    return cb(hookError(*r, c.ctx, c.request_name, c.what, c.project, c.url));
  }
  auto doc = json::parse(r->body);
  if (!gitlab::isGitlabApiAnswer(*r) || !doc.ok() || !doc->IsObject())
    return cb(Error{502, "", "GitLab's answer to " + c.what + " is not a hook"});
  RemoteHook hook = parseHook(*doc);
  if (hook.id.empty()) return cb(Error{502, "", "GitLab's answer to " + c.what + " has no id"});
  cb(std::move(hook));
}

}  // namespace

ApiCall GitLabApi::listHooks(std::string_view token, std::string_view project, HooksCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  auto s = std::make_shared<HookLister>();
  std::string path = "/projects/" + *segment + "/hooks?per_page=100";
  s->call = HookCall{&http_,
                     apiRequest(path, token),
                     {options_.server_root, options_.clock},
                     std::string(project),
                     "",
                     "GET /api/v4/projects/:id/hooks",
                     "listing the webhooks of " + std::string(project)};
  s->base_url = s->call.request.url;
  s->done = std::move(cb);
  return http_.send(s->call.request,
                    [s](Result<HttpResponse> r) { HookLister::onPage(s, std::move(r)); });
}

ApiCall GitLabApi::createHook(std::string_view token, std::string_view project,
                              const HookSpec& spec, HookCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  HookCall c{&http_,
             apiRequest("/projects/" + *segment + "/hooks", token),
             {options_.server_root, options_.clock},
             std::string(project),
             spec.url,
             "POST /api/v4/projects/:id/hooks",
             "creating a webhook on " + std::string(project)};
  HttpRequest req = c.request;
  req.method = "POST";
  req.body = hookBody(spec);
  req.headers.emplace_back("Content-Type", "application/json");
  return http_.send(std::move(req), [c = std::move(c), cb = std::move(cb)](Result<HttpResponse> r) {
    onHookWritten(c, 201, cb, std::move(r));
  });
}

ApiCall GitLabApi::updateHook(std::string_view token, std::string_view project,
                              std::string_view hook_id, const HookSpec& spec, HookCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  if (auto st = checkHookId(hook_id, "hook_id"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  HookCall c{&http_,
             apiRequest("/projects/" + *segment + "/hooks/" + std::string(hook_id), token),
             {options_.server_root, options_.clock},
             std::string(project),
             spec.url,
             "PUT /api/v4/projects/:id/hooks/:hook_id",
             "updating webhook " + std::string(hook_id) + " of " + std::string(project)};
  HttpRequest req = c.request;
  req.method = "PUT";
  req.body = hookBody(spec);
  req.headers.emplace_back("Content-Type", "application/json");
  return http_.send(std::move(req), [c = std::move(c), cb = std::move(cb)](Result<HttpResponse> r) {
    onHookWritten(c, 200, cb, std::move(r));
  });
}

ApiCall GitLabApi::deleteHook(std::string_view token, std::string_view project,
                              std::string_view hook_id, DoneCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  if (auto st = checkHookId(hook_id, "hook_id"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  HttpRequest req = apiRequest("/projects/" + *segment + "/hooks/" + std::string(hook_id), token);
  req.method = "DELETE";
  Context ctx{options_.server_root, options_.clock};
  std::string what = "deleting webhook " + std::string(hook_id) + " of " + std::string(project);
  return http_.send(std::move(req), [ctx, what, name = std::string(project),
                                     cb = std::move(cb)](Result<HttpResponse> r) {
    if (!r.ok()) return cb(ph::transportError(r.error(), "GitLab", ctx.root));
    // Gone already (or the project with it): what deleting wanted.
    if (r->status == 204 || r->status == 200 || (r->status == 404 && gitlab::isGitlabApiAnswer(*r)))
      return cb(okStatus());
    cb(hookError(*r, ctx, "DELETE /api/v4/projects/:id/hooks/:hook_id", what, name, ""));
  });
}

ApiCall GitLabApi::testHook(std::string_view token, std::string_view project,
                            std::string_view hook_id, DoneCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  if (auto st = checkHookId(hook_id, "hook_id"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  HttpRequest req = apiRequest(
      "/projects/" + *segment + "/hooks/" + std::string(hook_id) + "/test/push_events", token);
  req.method = "POST";
  Context ctx{options_.server_root, options_.clock};
  std::string what = "testing webhook " + std::string(hook_id) + " of " + std::string(project);
  return http_.send(std::move(req), [ctx, what, name = std::string(project),
                                     cb = std::move(cb)](Result<HttpResponse> r) {
    if (!r.ok()) return cb(ph::transportError(r.error(), "GitLab", ctx.root));
    if (r->status == 201 || r->status == 200) return cb(okStatus());
    if (isMissingHook(*r))
      return cb(Error::notFound("hook", "GitLab has no such webhook on " + name));
    if (r->status == 422 && gitlab::isGitlabApiAnswer(*r)) {
      // The test ran and the hook's URL did not answer 2xx: GitLab keeps it disabled.
      return cb(Error{502, "hook",
                      "GitLab's test delivery to the webhook failed (" +
                          ph::answerMessage(r->body) + "); the hook stays disabled"});
    }
    cb(hookError(*r, ctx, "POST /api/v4/projects/:id/hooks/:hook_id/test/push_events", what, name,
                 ""));
  });
}

ApiCall GitLabApi::listHookEvents(std::string_view token, std::string_view project,
                                  std::string_view hook_id, int64_t since_unix, EventsCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  if (auto st = checkHookId(hook_id, "hook_id"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  auto s = std::make_shared<EventLister>();
  s->call = HookCall{
      &http_,
      apiRequest(
          "/projects/" + *segment + "/hooks/" + std::string(hook_id) + "/events?per_page=100",
          token),
      {options_.server_root, options_.clock},
      std::string(project),
      "",
      "GET /api/v4/projects/:id/hooks/:hook_id/events",
      "listing the events of webhook " + std::string(hook_id) + " of " + std::string(project)};
  s->base_url = s->call.request.url;
  s->since = since_unix;
  s->done = std::move(cb);
  return http_.send(s->call.request,
                    [s](Result<HttpResponse> r) { EventLister::onPage(s, std::move(r)); });
}

ApiCall GitLabApi::resendHookEvent(std::string_view token, std::string_view project,
                                   std::string_view hook_id, std::string_view event_id,
                                   DoneCallback cb) {
  if (auto st = ph::checkToken(token, kTokenField, "GitLab"); !st) return st.error();
  if (auto st = checkHookId(hook_id, "hook_id"); !st) return st.error();
  if (auto st = checkHookId(event_id, "event_id"); !st) return st.error();
  auto segment = gitlabProjectSegment(project);
  if (!segment.ok()) return segment.error();
  HttpRequest req = apiRequest("/projects/" + *segment + "/hooks/" + std::string(hook_id) +
                                   "/events/" + std::string(event_id) + "/resend",
                               token);
  req.method = "POST";
  Context ctx{options_.server_root, options_.clock};
  std::string what = "resending event " + std::string(event_id) + " of " + std::string(project);
  return http_.send(std::move(req), [ctx, what, name = std::string(project),
                                     cb = std::move(cb)](Result<HttpResponse> r) {
    if (!r.ok()) return cb(ph::transportError(r.error(), "GitLab", ctx.root));
    if (r->status == 201 || r->status == 200 || r->status == 202) return cb(okStatus());
    if (isMissingHook(*r))
      return cb(Error::notFound("delivery", "GitLab no longer has that event of " + name));
    cb(hookError(*r, ctx, "POST /api/v4/projects/:id/hooks/:hook_id/events/:id/resend", what, name,
                 ""));
  });
}

}  // namespace triggerd
