#include "tests/faults/fault_checks.h"

#include <rapidjson/document.h>

#include <sstream>

#include "tests/support/http_call.h"

namespace triggerd::testing {

std::map<std::string, std::vector<std::string>> jobsByDelivery(RedisServer& redis) {
  std::map<std::string, std::vector<std::string>> out;
  std::string from = "-";
  while (true) {
    RedisValue page = redis.cmd({"XRANGE", "triggerd:jobs", from, "+", "COUNT", "1000"});
    if (page.elements.empty()) break;
    for (const auto& entry : page.elements) {
      if (entry.elements.size() < 2) continue;
      const auto& fields = entry.elements[1].elements;
      for (size_t i = 0; i + 1 < fields.size(); i += 2) {
        if (fields[i].str != "job") continue;
        rapidjson::Document job;
        job.Parse(fields[i + 1].str.c_str());
        if (job.HasParseError() || !job.IsObject() || !job.HasMember("delivery_id") ||
            !job["delivery_id"].IsString())
          continue;
        std::string id = job.HasMember("id") && job["id"].IsString() ? job["id"].GetString() : "";
        out[job["delivery_id"].GetString()].push_back(id);
      }
    }
    from = "(" + page.elements.back().elements[0].str;  // after the last entry read
  }
  return out;
}

::testing::AssertionResult exactlyOnce(RedisServer& redis,
                                       const std::vector<DeliveryRecord>& records) {
  std::map<std::string, std::vector<std::string>> jobs = jobsByDelivery(redis);
  std::string problems;
  int shown = 0;
  auto note = [&](const std::string& line) {
    if (++shown <= 10) problems += "\n  " + line;
  };
  for (const auto& [delivery, ids] : jobs)
    if (ids.size() > 1) note(delivery + ": " + std::to_string(ids.size()) + " jobs");
  size_t answered = 0;
  for (const DeliveryRecord& r : records) {
    if (!r.answered()) {
      note(r.delivery_id + ": never answered 2xx after " + std::to_string(r.statuses.size()) +
           " attempts (last status " + std::to_string(r.statuses.back()) +
           (r.transport_errors.empty() ? "" : ", " + r.transport_errors.back()) + ")");
      continue;
    }
    ++answered;
    if (r.job_ids.size() != 1) {
      // One push, one rule: the answer names one job (none: it was ignored as a replay).
      note(r.delivery_id + ": answered " + std::to_string(r.statuses.back()) + " naming " +
           std::to_string(r.job_ids.size()) + " jobs");
      continue;
    }
    auto it = jobs.find(r.delivery_id);
    size_t n = it == jobs.end() ? 0 : it->second.size();
    if (n != 1)
      note(r.delivery_id + ": answered " + std::to_string(r.statuses.back()) +
           (r.spooled ? " (spooled)" : "") + " after " + std::to_string(r.statuses.size()) +
           " attempt(s), " + std::to_string(n) + " jobs in the stream");
    // The job answered is the one built, unless an earlier attempt's enqueue landed and this
    // answer came from the spool, whose replay then adds nothing (docs/spool.md).
    else if (it->second.front() != r.job_ids.front() && r.statuses.size() == 1)
      note(r.delivery_id + ": answered with job " + r.job_ids.front() + ", the stream has " +
           it->second.front());
  }
  if (shown > 0)
    return ::testing::AssertionFailure()
           << shown << " problems among " << records.size() << " deliveries (" << answered
           << " answered, " << jobs.size() << " delivery ids in the stream):" << problems;
  return ::testing::AssertionSuccess()
         << answered << " deliveries answered, each with exactly one job";
}

std::string linesAbout(const std::string& log, const std::string& verdict) {
  // The delivery ids the verdict names: "\n  <id>: ...".
  std::vector<std::string> ids;
  for (size_t at = verdict.find("\n  "); at != std::string::npos;
       at = verdict.find("\n  ", at + 1)) {
    size_t colon = verdict.find(':', at + 3);
    if (colon != std::string::npos) ids.push_back(verdict.substr(at + 3, colon - at - 3));
  }
  std::string out;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    std::string padded = line + " ";
    for (const std::string& id : ids)
      if (padded.find("delivery=" + id + " ") != std::string::npos) {
        out += line + "\n";
        break;
      }
  }
  return out;
}

bool spoolDrained(TriggerdInstance& tri, std::chrono::milliseconds timeout) {
  return waitUntil(
      [&] {
        auto r = httpCall("GET", tri.adminUrl("/readyz"), {}, "", {"", 1000, ""});
        rapidjson::Document d;
        d.Parse(r.body.c_str());
        if (r.status != 200 || d.HasParseError() || !d.IsObject()) return false;
        bool connected = d.HasMember("redis") && d["redis"]["connected"].IsBool() &&
                         d["redis"]["connected"].GetBool();
        bool empty = !d.HasMember("spool") || d["spool"]["records"].GetUint64() == 0;
        return connected && empty;
      },
      timeout);
}

}  // namespace triggerd::testing
