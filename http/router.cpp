#include "http/router.h"

#include <algorithm>
#include <cstdlib>

#include "common/encoding.h"
#include "common/log.h"

namespace triggerd {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" gives no segments. The caller checked the leading '/'.
std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.size() <= 1) return out;
  size_t pos = 1;
  while (true) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(pos));
      break;
    }
    out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

bool isMethodToken(std::string_view m) {
  if (m.empty()) return false;
  return std::all_of(m.begin(), m.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// Two routes have the same shape when they would match exactly the same paths.
bool sameShape(const Router::Route& a, const Router::Route& b) {
  if (a.segments.size() != b.segments.size()) return false;
  for (size_t i = 0; i < a.segments.size(); ++i) {
    const auto& x = a.segments[i];
    const auto& y = b.segments[i];
    if (x.param != y.param) return false;
    if (!x.param && x.text != y.text) return false;
  }
  return true;
}

}  // namespace

std::string_view RouteParams::get(std::string_view name) const {
  for (const auto& [k, v] : items_)
    if (k == name) return v;
  return {};
}

bool RouteParams::has(std::string_view name) const {
  for (const auto& item : items_)
    if (item.first == name) return true;
  return false;
}

Status Router::add(std::string_view method, std::string_view pattern, RouteHandler handler) {
  if (!isMethodToken(method))
    return Error::internal("route method must be an upper-case token: " + std::string(method));
  if (pattern.empty() || pattern.front() != '/')
    return Error::internal("route pattern must start with '/': " + std::string(pattern));
  if (!handler) return Error::internal("route has no handler: " + std::string(pattern));

  auto route = std::make_unique<Route>();
  route->method = std::string(method);
  route->pattern = std::string(pattern);
  route->handler = std::move(handler);
  auto pattern_segments = splitPath(pattern);
  for (size_t i = 0; i < pattern_segments.size(); ++i) {
    std::string_view seg = pattern_segments[i];
    // Only a trailing slash may leave a segment empty: "/console/" is a literal "" at the end.
    if (seg.empty() && i + 1 != pattern_segments.size())
      return Error::internal("route pattern has an empty segment: " + route->pattern);
    Route::Segment s;
    if (seg.front() == '{') {
      if (seg.size() < 3 || seg.back() != '}')
        return Error::internal("route parameter must be a whole segment: " + route->pattern);
      s.param = true;
      s.text = std::string(seg.substr(1, seg.size() - 2));
      for (const auto& other : route->segments)
        if (other.param && other.text == s.text)
          return Error::internal("route parameter {" + s.text + "} repeats: " + route->pattern);
    } else {
      if (seg.find_first_of("{}%?#") != std::string_view::npos)
        return Error::internal("route literal has a reserved character: " + route->pattern);
      s.text = std::string(seg);
      ++route->literal_count;
    }
    route->segments.push_back(std::move(s));
  }
  for (const auto& r : routes_) {
    if (r->method == route->method && sameShape(*r, *route))
      return Error::internal("route " + route->method + " " + route->pattern + " duplicates " +
                             r->pattern);
  }
  routes_.push_back(std::move(route));
  return okStatus();
}

void Router::addOrDie(std::string_view method, std::string_view pattern, RouteHandler handler) {
  auto st = add(method, pattern, std::move(handler));
  if (!st.ok()) {
    TLOG_ERROR("http", "bad route table: %s", st.error().message.c_str());
    std::abort();  // the static route table is wrong: nothing sensible to serve
  }
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match result;
  if (path.empty() || path.front() != '/') return result;  // "*" or garbage: no route

  // Decode every segment once; a bad escape is the client's error, not a missing route.
  auto raw = splitPath(path);
  std::vector<std::string> segments;
  segments.reserve(raw.size());
  for (std::string_view seg : raw) {
    auto decoded = urlDecode(seg, /*plus_is_space=*/false);
    if (!decoded || decoded->find('\0') != std::string::npos) {
      result.kind = Match::Kind::kBadPath;
      result.error = Error::badRequest("path", "malformed percent-encoding in the request path");
      return result;
    }
    segments.push_back(std::move(*decoded));
  }

  const Route* best = nullptr;      // best route for this method
  const Route* best_get = nullptr;  // best GET route, serving HEAD when no HEAD route exists
  std::vector<std::string_view> allowed;
  for (const auto& r : routes_) {
    if (r->segments.size() != segments.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      const auto& s = r->segments[i];
      ok = s.param ? !segments[i].empty() : s.text == segments[i];
    }
    if (!ok) continue;
    if (std::find(allowed.begin(), allowed.end(), r->method) == allowed.end())
      allowed.push_back(r->method);
    if (r->method == method) {
      if (!best || r->literal_count > best->literal_count) best = r.get();
    } else if (r->method == "GET") {
      if (!best_get || r->literal_count > best_get->literal_count) best_get = r.get();
    }
  }
  if (!best && method == "HEAD") best = best_get;
  if (best) {
    result.kind = Match::Kind::kFound;
    result.route = best;
    for (size_t i = 0; i < segments.size(); ++i)
      if (best->segments[i].param) result.params.add(best->segments[i].text, segments[i]);
    return result;
  }
  if (allowed.empty()) return result;  // kNotFound

  result.kind = Match::Kind::kMethodNotAllowed;
  if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end() &&
      std::find(allowed.begin(), allowed.end(), "HEAD") == allowed.end())
    allowed.push_back("HEAD");
  std::sort(allowed.begin(), allowed.end());
  for (size_t i = 0; i < allowed.size(); ++i) {
    if (i) result.allow += ", ";
    result.allow += allowed[i];
  }
  return result;
}

}  // namespace triggerd
