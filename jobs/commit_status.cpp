#include "jobs/commit_status.h"

namespace triggerd {
namespace {

void replaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// The last non-empty line of a runner's message: builds end with the line that says why.
std::string lastLine(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  size_t nl = text.find_last_of('\n');
  return std::string(nl == std::string_view::npos ? text : text.substr(nl + 1));
}

std::string joined(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) out += (out.empty() ? "" : ", ") + t;
  return out;
}

}  // namespace

std::string renderTargetUrl(std::string_view url_template, const JobRecord& record) {
  std::string url(url_template);
  replaceAll(url, "{job}", record.id);
  replaceAll(url, "{user}", record.user);
  replaceAll(url, "{trigger}", record.trigger_id);
  return url;
}

CommitStatus commitStatusFor(const JobEvent& event, std::string_view target_url_template) {
  const JobRecord& r = event.record;
  CommitStatus s;
  s.context = "triggerd/" + r.image;
  s.ref_name = r.refName();
  if (!target_url_template.empty()) s.target_url = renderTargetUrl(target_url_template, r);
  switch (r.state) {
    case JobState::kQueued:
      s.state = CommitState::kPending;
      // A new job says what it will build; one queued again says why.
      s.description = event.detail.empty() || event.detail == "queued" ? "queued: " + joined(r.tags)
                                                                       : event.detail;
      break;
    case JobState::kRunning:
      s.state = CommitState::kRunning;
      s.description = event.detail.empty() ? "building" : event.detail;
      break;
    case JobState::kSuccess:
      s.state = CommitState::kSuccess;
      s.description = "built " + joined(r.tags);
      break;
    case JobState::kFailure: {
      s.state = CommitState::kFailure;
      std::string why = lastLine(event.detail);
      s.description = why.empty() ? "build failed" : "build failed: " + why;
      break;
    }
    case JobState::kCanceled: {
      s.state = CommitState::kCanceled;
      std::string why = lastLine(event.detail);
      s.description = why.empty() ? "canceled" : "canceled: " + why;
      break;
    }
    case JobState::kSuperseded:
      s.state = CommitState::kCanceled;
      s.description = event.detail.empty() ? "superseded by a newer push" : event.detail;
      break;
    case JobState::kDead:
      s.state = CommitState::kFailure;
      s.description = event.detail;
      break;
  }
  return s;
}

}  // namespace triggerd
