#include "tests/fakes/fake_api_common.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "common/encoding.h"
#include "common/json.h"

namespace triggerd::testing {

std::string FakeApiRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (equalsIgnoreCase(key, name)) return value;
  return {};
}

bool FakeApiRequest::hasHeader(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return equalsIgnoreCase(h.first, name); });
}

std::string FakeApiRequest::rawPath() const {
  return target.substr(0, target.find('?'));
}

std::optional<std::string> FakeApiRequest::query(std::string_view name) const {
  size_t q = target.find('?');
  if (q == std::string::npos) return std::nullopt;
  auto form = parseForm(std::string_view(target).substr(q + 1));
  if (!form) return std::nullopt;
  for (auto& [key, value] : *form)
    if (key == name) return value;
  return std::nullopt;
}

FakeApiResponse jsonAnswer(int status, std::string body) {
  return FakeApiResponse{
      status, {{"Content-Type", "application/json; charset=utf-8"}}, std::move(body)};
}

FakeApiResponse htmlAnswer(int status, std::string title) {
  return FakeApiResponse{status,
                         {{"Content-Type", "text/html; charset=utf-8"}},
                         "<!DOCTYPE html>\n<html><head><title>" + title +
                             "</title></head><body><h1>" + title + "</h1></body></html>\n"};
}

std::optional<std::vector<std::string>> pathSegments(std::string_view raw_path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < raw_path.size()) {
    if (raw_path[i] == '/') {
      ++i;
      continue;
    }
    size_t next = raw_path.find('/', i);
    if (next == std::string_view::npos) next = raw_path.size();
    auto seg = urlDecode(raw_path.substr(i, next - i), false);
    if (!seg) return std::nullopt;
    out.push_back(std::move(*seg));
    i = next;
  }
  return out;
}

namespace {
int intParam(const FakeApiRequest& r, std::string_view name, int fallback) {
  auto v = r.query(name);
  if (!v || v->empty() || v->size() > 9) return fallback;
  int out = 0;
  for (char c : *v) {
    if (c < '0' || c > '9') return fallback;
    out = out * 10 + (c - '0');
  }
  return out;
}
}  // namespace

PageSlice slicePage(size_t total, const FakeApiRequest& request, int default_per_page) {
  PageSlice s;
  s.per_page = std::clamp(intParam(request, "per_page", default_per_page), 1, 100);
  s.page = std::max(intParam(request, "page", 1), 1);
  auto per = static_cast<size_t>(s.per_page);
  s.total_pages = std::max(1, static_cast<int>((total + per - 1) / per));
  s.begin = std::min(total, static_cast<size_t>(s.page - 1) * per);
  s.end = std::min(total, s.begin + per);
  return s;
}

std::string withQueryParam(std::string_view target, std::string_view name, std::string_view value) {
  size_t q = target.find('?');
  std::string path(target.substr(0, q));
  std::string out;
  bool replaced = false;
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    size_t pos = 0;
    while (pos <= query.size()) {
      size_t amp = query.find('&', pos);
      if (amp == std::string_view::npos) amp = query.size();
      std::string_view part = query.substr(pos, amp - pos);
      if (!part.empty()) {
        std::string_view key = part.substr(0, part.find('='));
        if (!out.empty()) out += '&';
        if (key == name) {
          out += std::string(name) + "=" + urlEncode(value);
          replaced = true;
        } else {
          out += part;
        }
      }
      pos = amp + 1;
    }
  }
  if (!replaced) {
    if (!out.empty()) out += '&';
    out += std::string(name) + "=" + urlEncode(value);
  }
  return path + "?" + out;
}

std::string linkHeader(const std::vector<std::pair<std::string, std::string>>& url_rel) {
  std::string out;
  for (const auto& [url, rel] : url_rel) {
    if (!out.empty()) out += ", ";
    out += "<" + url + ">; rel=\"" + rel + "\"";
  }
  return out;
}

std::string jsonEscape(std::string_view s) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  json::str(w, s);
  return std::string(buf.GetString(), buf.GetSize());
}

void FakeRateBudget::set(int limit, int64_t window_seconds) {
  limit_ = limit;
  length_ = std::max<int64_t>(window_seconds, 1);
  users_.clear();
}

FakeRateBudget::Window& FakeRateBudget::window(const std::string& user, int64_t now) {
  Window& w = users_[user];
  int64_t start = now - now % length_;
  if (w.start != start) w = Window{start, 0};
  return w;
}

bool FakeRateBudget::spend(const std::string& user, int64_t now) {
  Window& w = window(user, now);
  if (w.used >= limit_) {
    ++refused_;
    return false;
  }
  ++w.used;
  return true;
}

FakeRateBudget::Count FakeRateBudget::count(const std::string& user, int64_t now) {
  Window& w = window(user, now);
  return Count{limit_, w.used, w.start + length_};
}

FakeHttpServer::Handler serveApi(std::function<FakeApiResponse(const FakeApiRequest&)> handle) {
  return [handle = std::move(handle)](const FakeRequest& request) {
    FakeApiRequest r{request.method,
                     request.query.empty() ? request.path : request.path + "?" + request.query,
                     request.headers, request.body};
    FakeApiResponse answer = handle(r);
    FakeResponse out;
    out.status = answer.status;
    out.headers = std::move(answer.headers);
    out.body = std::move(answer.body);
    return out;
  };
}

std::vector<FakeRef> generatedRefs(const std::string& scope, const std::string& prefix, int count) {
  std::vector<FakeRef> refs;
  for (int i = 0; i < count; ++i) {
    char index[16];
    std::snprintf(index, sizeof index, "%03d", i);
    FakeRef ref{prefix + index, "", false};
    // 40 hex characters of FNV-1a over the ref's scope and name: stable and distinct.
    uint64_t h = 14695981039346656037ULL;
    for (int round = 0; ref.sha.size() < 40; ++round) {
      for (char c : scope + ref.name + "#" + std::to_string(round)) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
      }
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
      ref.sha += hex;
    }
    ref.sha.resize(40);
    refs.push_back(std::move(ref));
  }
  return refs;
}

FakeApiHost::FakeApiHost(bool tls, std::function<FakeApiResponse(const FakeApiRequest&)> handle)
    : tls_(tls) {
  FakeHttpServer::Options options;
  options.tls = tls;
  server_ = std::make_unique<FakeHttpServer>(serveApi(std::move(handle)), options);
  std::lock_guard lock(mu_);
  port_ = server_->port();
  ca_pem_ = server_->caPem();
}

FakeApiHost::~FakeApiHost() {
  server_.reset();
}

int FakeApiHost::port() const {
  std::lock_guard lock(mu_);
  return port_;
}

std::string FakeApiHost::caPem() const {
  std::lock_guard lock(mu_);
  return ca_pem_;
}

std::string FakeApiHost::url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}

}  // namespace triggerd::testing
