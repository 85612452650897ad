#include "handlers/hooks_api.h"

#include "common/json_fields.h"

namespace triggerd {
namespace {

ApiReply jobReply(int status, const HookJob& job) {
  return ApiReply{status,
                  json::build([&](json::Writer& w) {
                    w.StartObject();
                    json::key(w, "job");
                    writeHookJob(w, job);
                    w.EndObject();
                  }),
                  {}};
}

}  // namespace

void HooksApi::start(const std::string& user, std::string_view body, ApiDone done) {
  static constexpr std::string_view kFields[] = {"action"};
  auto doc = parseObjectBody(body, kFields);
  if (!doc.ok()) return done(ApiReply::error(doc.error()));
  auto action = requiredString(*doc, "action", "\"check\" or \"repair\"");
  if (!action.ok()) return done(ApiReply::error(action.error()));
  HookMode mode;
  if (*action == "check") {
    mode = HookMode::kCheck;
  } else if (*action == "repair") {
    mode = HookMode::kRepair;
  } else {
    return done(ApiReply::error(Error::unprocessable(
        "action", "action must be \"check\" (report what is wrong) or \"repair\" (fix it)")));
  }
  HookJob job = jobs_.start(mode, user);
  ApiReply reply = jobReply(202, job);
  std::string base =
      user.empty() ? "/api/v1/admin/hooks/jobs/" : "/api/v1/users/" + user + "/hooks/jobs/";
  reply.headers.emplace_back("Location", base + job.id);
  done(std::move(reply));
}

void HooksApi::get(const std::string& user, const std::string& job_id, ApiDone done) {
  auto job = jobs_.find(job_id);
  // A user sees only jobs over their own triggers; an admin sees every job.
  if (!job || (!user.empty() && job->scope != user)) {
    return done(ApiReply::error(
        Error::notFound("job", "no hook job " + job_id +
                                   " (jobs are kept in the triggerd process that ran "
                                   "them, the 20 latest)")));
  }
  done(jobReply(200, *job));
}

}  // namespace triggerd
