#include "queue/job_records.h"

#include <memory>

#include "redis/reply.h"

namespace triggerd {

std::vector<std::string> flatStrings(const RedisValue& v) {
  std::vector<std::string> out;
  out.reserve(v.elements.size());
  for (const auto& e : v.elements) out.push_back(e.str);
  return out;
}

void JobRecords::get(const std::string& id,
                     std::function<void(Result<std::optional<JobRecord>>)> cb) {
  redis_.command({"HGETALL", keys_.job(id)}, [id, cb = std::move(cb)](Result<RedisValue> r) {
    auto v = expectReply(std::move(r), "reading job " + id);
    if (!v.ok()) return cb(v.error());
    cb(parseJobRecord(id, flatStrings(*v)));
  });
}

void JobRecords::getMany(std::vector<std::string> ids,
                         std::function<void(Result<std::vector<JobRecord>>)> cb) {
  if (ids.empty()) return cb(std::vector<JobRecord>{});
  // One HGETALL per id, pipelined on the connection; the answer waits for the last reply.
  struct Gather {
    std::vector<std::optional<JobRecord>> found;
    size_t pending = 0;
    std::optional<Error> error;
    std::function<void(Result<std::vector<JobRecord>>)> cb;
  };
  auto g = std::make_shared<Gather>();
  g->found.resize(ids.size());
  g->pending = ids.size();
  g->cb = std::move(cb);
  for (size_t i = 0; i < ids.size(); ++i) {
    redis_.command({"HGETALL", keys_.job(ids[i])}, [g, i, id = ids[i]](Result<RedisValue> r) {
      auto v = expectReply(std::move(r), "reading job " + id);
      if (!v.ok())
        g->error = v.error();
      else
        g->found[i] = parseJobRecord(id, flatStrings(*v));
      if (--g->pending > 0) return;
      if (g->error) return g->cb(*g->error);
      std::vector<JobRecord> out;
      for (auto& f : g->found)
        if (f) out.push_back(std::move(*f));
      g->cb(std::move(out));
    });
  }
}

void JobRecords::listPage(const std::string& list_key, int64_t offset, int64_t count,
                          std::function<void(Result<Page>)> cb) {
  // One id more than asked tells whether another page follows.
  redis_.command({"LRANGE", list_key, std::to_string(offset), std::to_string(offset + count)},
                 [this, count, cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "reading a job list");
                   if (!v.ok()) return cb(v.error());
                   std::vector<std::string> ids = flatStrings(*v);
                   bool more = static_cast<int64_t>(ids.size()) > count;
                   if (more) ids.resize(static_cast<size_t>(count));
                   getMany(std::move(ids), [more, cb](Result<std::vector<JobRecord>> jobs) {
                     if (!jobs.ok()) return cb(jobs.error());
                     cb(Page{std::move(jobs).value(), more});
                   });
                 });
}

void JobRecords::userJobs(const std::string& user, int64_t offset, int64_t count,
                          std::function<void(Result<Page>)> cb) {
  listPage(keys_.userJobs(user), offset, count, std::move(cb));
}

void JobRecords::triggerJobs(const std::string& trigger_id, int64_t offset, int64_t count,
                             std::function<void(Result<Page>)> cb) {
  listPage(keys_.triggerJobs(trigger_id), offset, count, std::move(cb));
}

void JobRecords::log(const std::string& id, const std::string& after, int64_t count,
                     std::function<void(Result<std::vector<LogChunk>>)> cb) {
  // "(" makes the start exclusive: the chunks after the last one the reader has.
  std::string start = after.empty() ? "-" : "(" + after;
  redis_.command({"XRANGE", keys_.jobLog(id), start, "+", "COUNT", std::to_string(count)},
                 [cb = std::move(cb)](Result<RedisValue> r) {
                   auto v = expectReply(std::move(r), "reading a job log");
                   if (!v.ok()) return cb(v.error());
                   std::vector<LogChunk> out;
                   for (const auto& entry : v->elements) {
                     if (entry.elements.size() < 2) continue;
                     LogChunk chunk{entry.elements[0].str, ""};
                     const auto& fields = entry.elements[1].elements;
                     for (size_t i = 0; i + 1 < fields.size(); i += 2)
                       if (fields[i].str == "chunk") chunk.text += fields[i + 1].str;
                     out.push_back(std::move(chunk));
                   }
                   cb(std::move(out));
                 });
}

}  // namespace triggerd
