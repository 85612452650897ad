#include "handlers/job_builder.h"

namespace triggerd {

std::vector<Job> buildJobs(const Trigger& trigger, const CompiledRules& rules,
                           const std::vector<PlannedBuild>& builds, const PushEvent& push,
                           const JobOrigin& origin, Random& rng, const Clock& clock) {
  std::vector<Job> jobs;
  jobs.reserve(builds.size());
  std::string received = formatRfc3339(origin.received_at);
  for (const auto& b : builds) {
    const BuildRule& rule = rules.rules()[b.rule_index];
    Job job;
    job.id = newUlid(rng, clock.unixMillis());
    job.trigger_id = trigger.id;
    job.user = trigger.user;
    job.provider = trigger.provider;
    job.repository = push.repository;
    job.event = origin.event;
    job.ref = push.ref;
    job.ref_type = push.ref_type;
    job.ref_name = push.ref_name;
    // Changed paths only serve path filters; the job does not carry them (nor copy them).
    job.commit.sha = push.head.sha;
    job.commit.message = push.head.message;
    job.commit.author = push.head.author;
    job.commit.timestamp = push.head.timestamp;
    job.image = trigger.image;
    job.tags = b.tags;
    job.dockerfile = rule.dockerfile;
    job.context = rule.context;
    job.build_args = rule.build_args;
    job.delivery_id = origin.delivery_id;
    job.received_at = received;
    jobs.push_back(std::move(job));
  }
  return jobs;
}

}  // namespace triggerd
