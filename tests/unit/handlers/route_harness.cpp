#include "tests/unit/handlers/route_harness.h"

#include <gtest/gtest.h>

#include <optional>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/json.h"
#include "http/request_context.h"
#include "tests/support/json_doc.h"
#include "tests/support/loop_runner.h"
#include "tests/support/loopback_http.h"

namespace triggerd::testing {
namespace {

SourcesOptions sourcesOptions(const RouteHarnessOptions& o) {
  SourcesOptions s;
  s.public_base_url = RouteHarness::kPublicBaseUrl;
  s.github_api_url = o.github_api_url;
  s.github_oauth_url = o.github_oauth_url;
  s.github_client_id = o.github_client_id;
  s.github_client_secret = o.github_client_secret;
  s.github_oauth_handoff_url = o.github_oauth_handoff_url;
  return s;
}

// "a=1&b=x%20y" as decoded (name, value) pairs.
HeaderList parseQuery(std::string_view query) {
  HeaderList out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    auto name = urlDecode(pair.substr(0, eq), true);
    auto value = urlDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (name && value) out.emplace_back(*name, *value);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

HookEnv hookEnv(RouteHarness& h, EventLoop& loop, RedisClient& redis, HttpClient& http,
                const Clock& clock, Random& rng) {
  HookEnv env;
  env.loop = &loop;
  env.redis = &redis;
  env.triggers = &h.triggers();
  env.http = &http;
  env.clock = &clock;
  env.rng = &rng;
  env.metrics = &h.metrics();
  env.keys = h.keys();
  env.lease_owner = "route-harness";
  return env;
}

HookOptions hookOptions() {
  HookOptions o;
  o.public_base_url = RouteHarness::kPublicBaseUrl;
  return o;
}

}  // namespace

std::string RouteReply::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (equalsIgnoreCase(k, name)) return v;
  return "";
}

std::string RouteReply::errorField() const {
  auto doc = json::parse(body);  // pages and metrics are not JSON, and carry no field
  if (!doc.ok()) return "";
  return std::string(json::getString(*doc, "field").value_or(""));
}

RouteHarness::RouteHarness(RouteHarnessOptions options)
    : keyring_(keyringOf(options.master_key, options.previous_master_keys)),
      http_(loop_, loopbackClientOptions()),
      auth_(tokens_, {sha256Hex(kAdminToken)}),
      console_(sessions_, auth_, tokens_, metrics_, clock_, rng_, ConsoleOptions{}),
      hook_service_(hookEnv(*this, loop_, redis_, http_, clock_, rng_), sources_, hookOptions()),
      sources_api_(sources_, triggers_, hook_service_, http_, clock_, sourcesOptions(options)) {
  services_.hooks = &hooks_api_;
  services_.runs = &runs_api_;
  services_.jobs = &jobs_api_;
  services_.credentials = &credentials_;
  services_.ingest = &ingest_;
  services_.triggers = &triggers_api_;
  services_.sources = &sources_api_;
  services_.oauth = &oauth_;
  services_.auth = &auth_;
  services_.console = &console_;
  services_.tokens = &tokens_;
  services_.resealer = &resealer_;
  services_.token_checker = &token_checker_;
  services_.metrics = &metrics_;
  services_.rng = &rng_;
  services_.ready = [this] { return redis_.connected(); };
  services_.not_ready_reason = [] { return std::string("redis is not connected"); };
  registerRoutes(public_router_, Listener::kPublic, services_);
  registerRoutes(admin_router_, Listener::kAdmin, services_);
}

RouteHarness::~RouteHarness() {
  // Work still posted (a reply nobody waited for) must not outlive the components it uses.
  runFor(loop_, std::chrono::milliseconds(1));
}

RouteReply RouteHarness::call(const std::string& method, const std::string& target,
                              const std::string& token, const std::string& body,
                              Listener listener) {
  HeaderList headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return request(method, target, std::move(headers), body, listener);
}

RouteReply RouteHarness::request(const std::string& method, const std::string& target,
                                 HeaderList headers, const std::string& body, Listener listener) {
  size_t question = target.find('?');
  std::string path = target.substr(0, question);
  Router::Match match = router(listener).match(method, path);
  if (match.kind != Router::Match::Kind::kFound) {
    ADD_FAILURE() << "no route for " << method << " " << path;
    return RouteReply{};
  }
  RequestContext::TestRequest request;
  request.method = method;
  request.path = path;
  request.params = match.params;
  if (question != std::string::npos) request.query = parseQuery(target.substr(question + 1));
  request.headers = std::move(headers);
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;
  request.listener = listener == Listener::kAdmin ? "admin" : "public";

  // Shared with the context: an answer that comes after we gave up must have somewhere to go.
  auto reply = std::make_shared<std::optional<RouteReply>>();
  {
    RequestPtr ctx = RequestContext::makeForTest(
        loop_, std::move(request), [reply](const RequestContext::CapturedReply& r) {
          *reply = RouteReply{r.status, r.content_type, r.body, r.headers};
        });
    match.route->handler(ctx);
  }
  if (!runUntil(loop_, [&] { return reply->has_value(); })) {
    ADD_FAILURE() << method << " " << target << " was not answered";
    return RouteReply{};
  }
  return std::move(**reply);
}

std::string RouteHarness::mintToken(const std::string& user, const std::string& role) {
  auto minted = await<Result<MintedToken>>(
      loop_, [&](auto cb) { tokens_.mint(user, "test", role, rng_, cb); });
  EXPECT_TRUE(minted.ok()) << minted.error().message;
  return minted.ok() ? minted->token : "";
}

RouteHarness::ConsoleLogin RouteHarness::signIn(const std::string& user) {
  std::string token = mintToken(user);
  auto r = request("POST", "/console/api/session", {}, R"({"token": ")" + token + "\"}");
  EXPECT_EQ(r.status, 201) << r.body;
  std::string set_cookie = r.header("Set-Cookie");
  return ConsoleLogin{set_cookie.substr(0, set_cookie.find(';')),
                      jsonString(parseJson(r.body), "/csrf_token")};
}

std::string RouteHarness::createTrigger(const std::string& user) {
  auto r = admin("POST", "/api/v1/users/" + user + "/triggers",
                 R"({"provider": "github", "repository": "octo/app", "install_hook": false, )"
                 R"("image": "registry.example.com/team/app", )"
                 R"("rules": [{"kind": "branch", "match": "main", "tags": ["latest"]}]})");
  EXPECT_EQ(r.status, 201) << r.body;
  return jsonString(parseJson(r.body), "/trigger/id");
}

}  // namespace triggerd::testing
