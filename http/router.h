// Router: the one table of (method, path pattern) → handler for a listener.
//
// Patterns are absolute paths whose segments are literals or whole-segment parameters:
//   "/webhooks/github/{trigger_id}", "/api/v1/users/{user}/triggers/{id}".
// Matching is exact and segment-wise (no regex, no prefixes): the request path is split on '/',
// each segment is percent-decoded, literals compare equal, parameters take the decoded segment
// (which must be non-empty; "%2F" inside a parameter is kept as '/'); a pattern ending in '/'
// ("/console/") matches only that path with its trailing slash. When several patterns
// match, the one with more literal segments wins ("/a/b" beats "/a/{x}"). HEAD is served by the
// GET route when no HEAD route exists.
//
// match() is pure (no I/O, no allocation beyond the decoded params), so it is unit-tested alone.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace triggerd {

class RequestContext;
using RequestPtr = std::shared_ptr<RequestContext>;

// A handler gets the request and must end it with reply()/fail(), now or later (see
// request_context.h for the contract). Exceptions escaping it become a 500.
using RouteHandler = std::function<void(const RequestPtr&)>;

// Decoded path parameters in pattern order.
class RouteParams {
 public:
  void add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
  }
  // The value of `name`; empty when the pattern has no such parameter.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

class Router {
 public:
  struct Route {
    std::string method;   // upper case: "GET", "POST", ...
    std::string pattern;  // as registered; also the `route` label of request metrics
    RouteHandler handler;

    struct Segment {
      std::string text;  // literal text, or the parameter name
      bool param = false;
    };
    std::vector<Segment> segments;
    size_t literal_count = 0;
  };

  struct Match {
    enum class Kind {
      kFound,             // route and params are set
      kNotFound,          // no pattern matches the path
      kMethodNotAllowed,  // the path matches, other methods only; `allow` lists them
      kBadPath,           // the path is not valid percent-encoding; `error` says why
    };
    Kind kind = Kind::kNotFound;
    const Route* route = nullptr;
    RouteParams params;
    std::string allow;  // "GET, HEAD, POST" for 405
    Error error;
  };

  // Registers a route. Fails on a malformed pattern or a (method, shape) already registered.
  Status add(std::string_view method, std::string_view pattern, RouteHandler handler);
  // Registers or aborts: for the static route table, where a bad pattern is a programming error.
  void addOrDie(std::string_view method, std::string_view pattern, RouteHandler handler);

  Match match(std::string_view method, std::string_view path) const;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace triggerd
