// Result<T>: the value or an Error, returned by every parser and validator.
// C++20 has no std::expected; this is the small subset triggerd needs.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace triggerd {

// An error a caller can show to a client: what kind of failure it is, the input field it is
// about (JSON path, header or config key; may be empty) and a sentence that says how to fix it.
// Callers decide by kind(); `status` is the HTTP status the kind maps to, derived once at
// construction (an Error built from a bare status gets the kind that status means).
struct Error {
  enum class Kind {
    kBadRequest,            // 400: the input is malformed
    kUnauthenticated,       // 401: no or an unknown credential
    kForbidden,             // 403: the credential may not do this
    kNotFound,              // 404
    kMethodNotAllowed,      // 405
    kConflict,              // 409: the state does not allow it (already bound, disabled, ...)
    kTooLarge,              // 413
    kUnsupportedMediaType,  // 415
    kInvalid,               // 422: well-formed but refused by validation
    kCredentialsRejected,   // 422: a provider refused the user's token (expired, revoked, scope)
    kTooManyRequests,       // 429: a local rate limit
    kInternal,              // 500: a bug or an impossible state
    kUpstream,              // 502: a provider failed or answered something unreadable
    kUnavailable,           // 503: a dependency is down or rate limited; retry later
    kUpstreamTimeout,       // 504: a provider did not answer in time
  };

  Error() = default;
  Error(Kind k, std::string f, std::string m)
      : kind_(k), status(statusOf(k)), field(std::move(f)), message(std::move(m)) {}
  // From an HTTP status; statuses with no kind of their own (0: no answer at all) keep their
  // number and count as kInternal.
  Error(int http_status, std::string f, std::string m)
      : kind_(kindOf(http_status)),
        status(http_status),
        field(std::move(f)),
        message(std::move(m)) {}

  Kind kind() const { return kind_; }
  bool is(Kind k) const { return kind_ == k; }

  static Error badRequest(std::string field, std::string message) {
    return Error(Kind::kBadRequest, std::move(field), std::move(message));
  }
  static Error unprocessable(std::string field, std::string message) {
    return Error(Kind::kInvalid, std::move(field), std::move(message));
  }
  static Error notFound(std::string field, std::string message) {
    return Error(Kind::kNotFound, std::move(field), std::move(message));
  }
  static Error conflict(std::string field, std::string message) {
    return Error(Kind::kConflict, std::move(field), std::move(message));
  }
  static Error credentialsRejected(std::string field, std::string message) {
    return Error(Kind::kCredentialsRejected, std::move(field), std::move(message));
  }
  static Error unavailable(std::string message) {
    return Error(Kind::kUnavailable, "", std::move(message));
  }
  static Error internal(std::string message) {
    return Error(Kind::kInternal, "", std::move(message));
  }

  static constexpr int statusOf(Kind k) {
    switch (k) {
      case Kind::kBadRequest:
        return 400;
      case Kind::kUnauthenticated:
        return 401;
      case Kind::kForbidden:
        return 403;
      case Kind::kNotFound:
        return 404;
      case Kind::kMethodNotAllowed:
        return 405;
      case Kind::kConflict:
        return 409;
      case Kind::kTooLarge:
        return 413;
      case Kind::kUnsupportedMediaType:
        return 415;
      case Kind::kInvalid:
      case Kind::kCredentialsRejected:
        return 422;
      case Kind::kTooManyRequests:
        return 429;
      case Kind::kInternal:
        return 500;
      case Kind::kUpstream:
        return 502;
      case Kind::kUnavailable:
        return 503;
      case Kind::kUpstreamTimeout:
        return 504;
    }
    return 500;
  }
  static constexpr Kind kindOf(int http_status) {
    for (Kind k : {Kind::kBadRequest, Kind::kUnauthenticated, Kind::kForbidden, Kind::kNotFound,
                   Kind::kMethodNotAllowed, Kind::kConflict, Kind::kTooLarge,
                   Kind::kUnsupportedMediaType, Kind::kInvalid, Kind::kTooManyRequests,
                   Kind::kInternal, Kind::kUpstream, Kind::kUnavailable, Kind::kUpstreamTimeout}) {
      if (statusOf(k) == http_status) return k;
    }
    return Kind::kInternal;
  }

 private:
  Kind kind_ = Kind::kBadRequest;

 public:
  int status = 400;
  std::string field;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());  // callers check ok() first
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());  // only meaningful on failure
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok>;
inline Status okStatus() {
  return Ok{};
}

}  // namespace triggerd
