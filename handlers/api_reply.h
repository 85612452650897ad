// What an admin API operation answers, before it becomes an HTTP reply.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace triggerd {

struct ApiReply {
  int status = 200;
  std::string body;  // JSON; empty for 204
  std::vector<std::pair<std::string, std::string>> headers;

  static ApiReply error(const Error& e) { return ApiReply{e.status, json::errorBody(e), {}}; }
};
using ApiDone = std::function<void(ApiReply)>;

// Builds a JSON body with a writer callback: jsonBody([&](json::Writer& w) { ... }).
template <typename Fn>
std::string jsonBody(Fn&& fn) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  fn(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// A user id (docs/api.md): [A-Za-z0-9._-]{1,64}.
Status validateUserId(std::string_view user);

}  // namespace triggerd
