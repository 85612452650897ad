#include "handlers/console_sessions.h"

#include <memory>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/log.h"

namespace triggerd {
namespace {

Error noSession(std::string message) {
  return Error(Error::Kind::kUnauthenticated, "Cookie", std::move(message));
}

bool changesState(std::string_view method) {
  return method != "GET" && method != "HEAD";
}

// The browser's own word on where a request comes from (Fetch Metadata); absent in old browsers
// and non-browser clients, which the CSRF token still covers.
bool crossSite(const RequestContext& request) {
  auto site = request.header("Sec-Fetch-Site");
  return site && *site != "same-origin" && *site != "none";
}

std::string rfc3339(int64_t unix_seconds) {
  return formatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

}  // namespace

// POST /console/api/session as named steps: check the request, find the token's record, open
// a session, answer with the cookie.
class SignInFlow : public std::enable_shared_from_this<SignInFlow> {
 public:
  SignInFlow(ConsoleSessions& console, SessionStore& store, ApiTokenStore& tokens, Metrics& metrics,
             const Clock& clock, Random& rng, ApiDone done)
      : console_(console),
        store_(store),
        tokens_(tokens),
        metrics_(metrics),
        clock_(clock),
        rng_(rng),
        done_(std::move(done)) {}

  void start(std::string token, std::optional<std::string> previous_cookie) {
    previous_ = std::move(previous_cookie);
    token_sha256_ = sha256Hex(token);
    auto self = shared_from_this();
    tokens_.lookup(token_sha256_, [self](Result<std::optional<ApiTokenRecord>> r) {
      if (!r.ok()) return self->done_(ApiReply::error(r.error()));
      if (!r->has_value())
        return self->refuse(Error(Error::Kind::kUnauthenticated, "token",
                                  "unknown or revoked token; ask your triggerd admin for a user "
                                  "token (triggerctl token mint <user>)"));
      if ((*r)->role != "user")
        return self->refuse(Error(Error::Kind::kForbidden, "token",
                                  "a " + (*r)->role + " token cannot sign in; use a user token"));
      self->open(**r);
    });
  }

  void refuse(const Error& e) {
    metrics_.inc("triggerd_console_sign_ins_total", {{"outcome", "refused"}});
    TLOG_INFO("console", "reason=%s sign-in refused", log::logValue(e.message, 60).c_str());
    done_(ApiReply::error(e));
  }

 private:
  void open(const ApiTokenRecord& token) {
    SessionRecord record;
    record.user = token.user;
    record.token_sha256 = token_sha256_;
    record.created_at = clock_.unixSeconds();
    record.expires_at = record.created_at + console_.options().lifetime.count();
    token_id_ = token.id;
    auto self = shared_from_this();
    store_.create(record, console_.options().idle_timeout, rng_, [self](Result<NewSession> s) {
      if (!s.ok()) return self->done_(ApiReply::error(s.error()));
      self->opened(std::move(s).value());
    });
  }

  void opened(const NewSession& session) {
    // A cookie the browser still had is replaced: end its session too.
    if (previous_) store_.remove(*previous_, [](Status) {});
    metrics_.inc("triggerd_console_sign_ins_total", {{"outcome", "signed_in"}});
    TLOG_INFO("console", "user=%s token=%s session=%.12s signed in", session.record.user.c_str(),
              token_id_.c_str(), SessionStore::hashOf(session.id).c_str());
    ApiReply reply = console_.sessionReply(201, session.record);
    reply.headers.emplace_back("Set-Cookie", console_.setCookie(session.id));
    done_(std::move(reply));
  }

  ConsoleSessions& console_;
  SessionStore& store_;
  ApiTokenStore& tokens_;
  Metrics& metrics_;
  const Clock& clock_;
  Random& rng_;
  ApiDone done_;
  std::string token_sha256_;
  std::string token_id_;
  std::optional<std::string> previous_;
};

ConsoleSessions::ConsoleSessions(SessionStore& store, ApiAuth& auth, ApiTokenStore& tokens,
                                 Metrics& metrics, const Clock& clock, Random& rng,
                                 ConsoleOptions options)
    : store_(store),
      auth_(auth),
      tokens_(tokens),
      metrics_(metrics),
      clock_(clock),
      rng_(rng),
      options_(options),
      cookie_name_(options.secure_cookie ? "__Host-triggerd_session" : "triggerd_session") {}

std::string ConsoleSessions::setCookie(const std::string& id) const {
  std::string cookie = cookie_name_ + "=" + id + "; Path=/; Max-Age=" +
                       std::to_string(id.empty() ? 0 : options_.lifetime.count()) +
                       "; HttpOnly; SameSite=Lax";
  if (options_.secure_cookie) cookie += "; Secure";
  return cookie;
}

std::optional<std::string> ConsoleSessions::cookieValue(const RequestContext& request) const {
  auto header = request.header("Cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view pair = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == cookie_name_) {
      std::string value(trim(pair.substr(eq + 1)));
      if (SessionStore::wellFormed(value)) return value;
    }
  }
  return std::nullopt;
}

ApiReply ConsoleSessions::sessionReply(int status, const SessionRecord& record) const {
  return ApiReply{status,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::kv(w, "user", record.user);
                    json::kv(w, "csrf_token", record.csrf_token);
                    json::kv(w, "expires_at", rfc3339(record.expires_at));
                    json::key(w, "idle_timeout_seconds");
                    w.Int64(options_.idle_timeout.count());
                    w.EndObject();
                  }),
                  {}};
}

void ConsoleSessions::signIn(const RequestContext& request, ApiDone done) {
  auto flow =
      std::make_shared<SignInFlow>(*this, store_, tokens_, metrics_, clock_, rng_, std::move(done));
  // JSON only: a cross-site HTML form cannot send it without a CORS preflight, which triggerd
  // never grants, so no other site can sign a browser in to an account of its choosing.
  auto type = request.header("Content-Type").value_or("");
  if (type.substr(0, type.find(';')) != "application/json")
    return flow->refuse(Error(Error::Kind::kUnsupportedMediaType, "Content-Type",
                              "sign in with a JSON body (Content-Type: application/json)"));
  if (crossSite(request))
    return flow->refuse(
        Error(Error::Kind::kForbidden, "Sec-Fetch-Site", "sign in from triggerd's own console"));
  static constexpr std::string_view kFields[] = {"token"};
  auto doc = parseObjectBody(request.body(), kFields);
  if (!doc.ok()) return flow->refuse(doc.error());
  auto token = requiredString(*doc, "token", "your triggerd user token (tdu_...)");
  if (!token.ok()) return flow->refuse(token.error());
  // Admin tokens act for every user; a console session acts for one, and a token that opens
  // everything should not be typed into a browser on the public listener.
  if (auth_.isAdminToken(*token))
    return flow->refuse(Error(Error::Kind::kForbidden, "token",
                              "an admin token cannot sign in to the console, which acts for one "
                              "user; mint a user token (triggerctl token mint <user>)"));
  flow->start(std::move(token).value(), cookieValue(request));
}

void ConsoleSessions::current(const RequestContext& request,
                              std::function<void(Result<std::optional<ConsoleSession>>)> cb) {
  auto id = cookieValue(request);
  if (!id) return cb(std::optional<ConsoleSession>{});
  std::string hash = SessionStore::hashOf(*id);
  store_.lookup(*id, clock_.unixSeconds(), options_.idle_timeout,
                [hash, cb = std::move(cb)](Result<std::optional<SessionRecord>> r) {
                  if (!r.ok()) return cb(r.error());
                  if (!r->has_value()) return cb(std::optional<ConsoleSession>{});
                  cb(std::optional<ConsoleSession>(ConsoleSession{hash, std::move(**r)}));
                });
}

void ConsoleSessions::authorize(const RequestContext& request, const std::string& user,
                                std::function<void(Result<Principal>)> cb) {
  bool changes = changesState(request.method());
  std::string csrf(request.header("X-CSRF-Token").value_or(""));
  if (changes && crossSite(request))
    return cb(Error(Error::Kind::kForbidden, "Sec-Fetch-Site",
                    "this request came from another site; use triggerd's console"));
  bool had_cookie = cookieValue(request).has_value();
  current(request, [changes, csrf, user, had_cookie,
                    cb = std::move(cb)](Result<std::optional<ConsoleSession>> s) {
    if (!s.ok()) return cb(s.error());
    if (!s->has_value())
      return cb(noSession(had_cookie ? "your console session has ended; sign in again"
                                     : "not signed in; sign in to the console first"));
    const ConsoleSession& session = **s;
    if (changes && !constantTimeEquals(csrf, session.record.csrf_token))
      return cb(Error(Error::Kind::kForbidden, "X-CSRF-Token",
                      "missing or wrong CSRF token; reload the console and try again"));
    if (!user.empty() && user != session.record.user)
      return cb(Error(Error::Kind::kForbidden, "user",
                      "this session acts only for user '" + session.record.user + "'"));
    cb(Principal{false, session.record.user, "user", session.id_hash});
  });
}

void ConsoleSessions::describe(const RequestContext& request, ApiDone done) {
  current(request, [this, done = std::move(done)](Result<std::optional<ConsoleSession>> s) {
    if (!s.ok()) return done(ApiReply::error(s.error()));
    if (!s->has_value()) return done(ApiReply::error(noSession("not signed in")));
    done(sessionReply(200, (*s)->record));
  });
}

void ConsoleSessions::signOut(const RequestContext& request, ApiDone done) {
  auto id = cookieValue(request);
  if (!id) return done(ApiReply{204, "", {{"Set-Cookie", setCookie("")}}});
  store_.remove(*id, [this, hash = SessionStore::hashOf(*id), done = std::move(done)](Status st) {
    if (!st.ok()) return done(ApiReply::error(st.error()));
    metrics_.inc("triggerd_console_sign_ins_total", {{"outcome", "signed_out"}});
    TLOG_INFO("console", "session=%.12s signed out", hash.c_str());
    done(ApiReply{204, "", {{"Set-Cookie", setCookie("")}}});
  });
}

}  // namespace triggerd
