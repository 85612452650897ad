// Result<T>: the value or an Error, returned by every parser and validator.
// C++20 has no std::expected; this is the small subset triggerd needs.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace triggerd {

// An error a caller can show to a client: the HTTP status it maps to, the input field it is
// about (JSON path, header or config key; may be empty) and a sentence that says how to fix it.
struct Error {
  int status = 400;
  std::string field;
  std::string message;

  static Error badRequest(std::string field, std::string message) {
    return Error{400, std::move(field), std::move(message)};
  }
  static Error unprocessable(std::string field, std::string message) {
    return Error{422, std::move(field), std::move(message)};
  }
  static Error unavailable(std::string message) { return Error{503, "", std::move(message)}; }
  static Error internal(std::string message) { return Error{500, "", std::move(message)}; }
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
