#include "runner/credentials_client.h"

#include <memory>

#include "common/encoding.h"
#include "common/json.h"
#include "common/json_fields.h"
#include "common/log.h"

namespace triggerd {
namespace {

// triggerd's own error message ({"error": ...}), clipped: it names what to fix.
std::string apiError(const HttpResponse& r) {
  auto doc = json::parse(r.body);
  if (doc.ok() && doc->IsObject()) {
    if (auto e = json::getString(*doc, "error")) return log::logValue(*e, 200);
  }
  return "HTTP " + std::to_string(r.status);
}

Result<CloneCredentials> parseAnswer(const HttpResponse& r, const std::string& path) {
  const std::string who = "triggerd (POST " + path + ")";
  switch (r.status) {
    case 200:
      break;
    case 401:
      return Error(Error::Kind::kUnauthenticated, "api.token_file",
                   who + " refused the runner token: " + apiError(r) + "; check api.token_file");
    case 403:
      return Error(Error::Kind::kForbidden, "api.token_file",
                   who + " does not let this token fetch credentials: " + apiError(r));
    case 404:
      return Error::notFound("id", who + ": no such job: " + apiError(r));
    case 409:
      return Error::conflict("id", who + ": the job is not running on this runner: " + apiError(r));
    default:
      return Error(Error::Kind::kUpstream, "", who + " failed: " + apiError(r));
  }
  // The body holds the password: parse errors never quote it.
  auto doc = json::parse(r.body);
  if (!doc.ok() || !doc->IsObject())
    return Error(Error::Kind::kUpstream, "", who + " answered 200 without a JSON object");
  CloneCredentials c;
  auto user = json::getString(*doc, "username");
  auto pass = json::getString(*doc, "password");
  if (!user || !pass || user->empty() || pass->empty())
    return Error(Error::Kind::kUpstream, "",
                 who + " answered 200 without a non-empty \"username\" and \"password\"");
  c.username = std::string(*user);
  c.password = std::string(*pass);
  if (auto exp = json::getString(*doc, "expires_at")) c.expires_at = std::string(*exp);
  return c;
}

}  // namespace

CredentialsClient::CredentialsClient(HttpClient& http, Options options)
    : http_(http), options_(std::move(options)) {}

CredentialsClient::~CredentialsClient() {
  for (HttpRequestId id : in_flight_) http_.cancel(id);
}

Status CredentialsClient::fetch(const std::string& job_id, int attempt,
                                std::function<void(Result<CloneCredentials>)> cb) {
  std::string path = "/api/v1/runner/jobs/" + urlEncode(job_id) + "/credentials";
  if (!configured()) {
    return Error::unprocessable("api.url",
                                "the job's repository is private and needs clone "
                                "credentials: set api.url and api.token_file");
  }
  HttpRequest req;
  req.method = "POST";
  req.url = options_.api_url + path;
  req.headers = {{"Authorization", "Bearer " + options_.token},
                 {"Content-Type", "application/json"},
                 {"Accept", "application/json"}};
  req.body = json::build([&](json::Writer& w) {
    w.StartObject();
    json::kv(w, "runner", options_.runner);
    json::key(w, "attempt");
    w.Int(attempt);
    w.EndObject();
  });
  req.ca_pem = options_.ca_pem;
  req.connect_timeout = options_.timeout;
  req.total_timeout = options_.timeout;
  req.max_response_bytes = 64 * 1024;
  auto id = std::make_shared<HttpRequestId>(0);
  *id = http_.send(std::move(req), [this, id, path, cb = std::move(cb)](Result<HttpResponse> r) {
    in_flight_.erase(*id);
    if (!r.ok()) {
      Error e = r.error();
      e.message = "cannot reach triggerd (POST " + path + "): " + e.message;
      return cb(std::move(e));
    }
    cb(parseAnswer(*r, path));
  });
  in_flight_.insert(*id);  // the callback never runs inline (HttpClient contract)
  return okStatus();
}

}  // namespace triggerd
