// The build job, schema 1 (see docs/job-schema.md). Encoding is pure; additive changes only,
// a breaking change bumps `schema`.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "model/provider.h"
#include "webhook/push_event.h"

namespace triggerd {

struct Job {
  static constexpr int kSchema = 1;
  std::string id;  // ULID
  std::string trigger_id;
  std::string user;
  Provider provider = Provider::kGithub;
  RepositoryInfo repository;
  std::string event = "push";  // push | manual
  std::string ref;
  RefType ref_type = RefType::kBranch;
  std::string ref_name;
  CommitInfo commit;  // sha, message, author, timestamp (changed paths are not encoded)
  std::string image;
  std::vector<std::string> tags;
  std::string dockerfile = "Dockerfile";
  std::string context = ".";
  std::vector<std::pair<std::string, std::string>> build_args;
  std::string delivery_id;
  std::string received_at;  // RFC 3339 UTC
  int attempt = 1;
};

std::string encodeJob(const Job& job);
// Decodes and validates a job (runners, the status consumer, tests). 400 with the field on error.
Result<Job> decodeJob(std::string_view text);

}  // namespace triggerd
