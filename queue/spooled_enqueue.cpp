#include "queue/spooled_enqueue.h"

#include "common/json.h"
#include "common/json_fields.h"

namespace triggerd {

std::string encodeSpooledEnqueue(const SpooledEnqueue& e) {
  return json::build([&](json::Writer& w) {
    w.StartObject();
    json::key(w, "v");
    w.Int(1);
    json::kv(w, "trigger", e.trigger_id);
    json::kv(w, "delivery", e.delivery_id);
    json::kv(w, "push_key", e.push_key);
    json::key(w, "jobs");
    w.StartArray();
    for (const auto& job : e.jobs) json::str(w, encodeJob(job));
    w.EndArray();
    w.EndObject();
  });
}

Result<SpooledEnqueue> decodeSpooledEnqueue(std::string_view text) {
  auto doc = json::parse(text, "spool record");
  if (!doc.ok()) return doc.error();
  if (!doc->IsObject()) return Error::badRequest("spool record", "not a JSON object");
  if (json::getInt(*doc, "v").value_or(0) != 1)
    return Error::badRequest("v", "unknown spool record version");
  SpooledEnqueue e;
  auto str = [&](const char* name) -> Result<std::string> {
    auto v = json::getString(*doc, name);
    if (!v) return Error::badRequest(name, "missing or not a string");
    return std::string(*v);
  };
  auto trigger = str("trigger"), delivery = str("delivery"), push_key = str("push_key");
  if (!trigger.ok()) return trigger.error();
  if (!delivery.ok()) return delivery.error();
  if (!push_key.ok()) return push_key.error();
  e.trigger_id = std::move(trigger).value();
  e.delivery_id = std::move(delivery).value();
  e.push_key = std::move(push_key).value();
  const auto* jobs = json::member(*doc, "jobs");
  if (!jobs || !jobs->IsArray()) return Error::badRequest("jobs", "missing or not an array");
  for (const auto& j : jobs->GetArray()) {
    if (!j.IsString()) return Error::badRequest("jobs", "a job is not a string");
    auto job = decodeJob(std::string_view(j.GetString(), j.GetStringLength()));
    if (!job.ok()) return job.error();
    e.jobs.push_back(std::move(job).value());
  }
  if (e.trigger_id.empty() || e.delivery_id.empty())
    return Error::badRequest("trigger", "trigger and delivery must not be empty");
  return e;
}

}  // namespace triggerd
