// The hook jobs part of the admin API: start a check or repair of many triggers' hooks and read
// its progress. A user's token reaches that user's triggers; an admin token every trigger.
#pragma once

#include <string>

#include "handlers/api_reply.h"
#include "hooks/hook_jobs.h"

namespace triggerd {

class HooksApi {
 public:
  explicit HooksApi(HookJobs& jobs) : jobs_(jobs) {}

  // POST {"action": "check"|"repair"}: 202 {"job": {...}}. `user` empty: every trigger.
  void start(const std::string& user, std::string_view body, ApiDone done);
  // GET: 200 {"job": {...}}; 404 for an unknown job, or one of another scope.
  void get(const std::string& user, const std::string& job_id, ApiDone done);

 private:
  HookJobs& jobs_;
};

}  // namespace triggerd
