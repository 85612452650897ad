// What an admin API operation answers, before it becomes an HTTP reply.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace triggerd {

struct ApiReply {
  int status = 200;
  std::string body;  // JSON unless a Content-Type header says otherwise; empty for 204
  std::vector<std::pair<std::string, std::string>> headers;

  static ApiReply error(const Error& e) { return ApiReply{e.status, json::errorBody(e), {}}; }
};
using ApiDone = std::function<void(ApiReply)>;

}  // namespace triggerd
