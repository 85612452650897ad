#include "cli/command_context.h"

#include <rapidjson/prettywriter.h>

#include "cli/api_error.h"
#include "common/json.h"

namespace triggerd::cli {

Answer callApi(const Context& ctx, std::string_view method, const std::string& path,
               std::string_view body, bool authenticated, const ExtraHeaders& headers) {
  Answer answer;
  auto result = ctx.client.call(method, path, body, authenticated, headers);
  if (!result) {
    ctx.err << formatUnreachable(ctx.client.urlFor(path), ctx.client.options().unix_socket,
                                 result.error().message);
    answer.exit_code = kExitUnreachable;
    return answer;
  }
  answer.response = std::move(result.value());
  if (answer.response.status < 200 || answer.response.status > 299) {
    ctx.err << formatApiError(answer.response.status, answer.response.body);
    answer.exit_code = kExitApiError;
    return answer;
  }
  if (!answer.response.body.empty()) {
    auto doc = json::parse(answer.response.body, "answer");
    if (!doc) {
      answer.exit_code = unexpectedAnswer(ctx, doc.error().message);
      return answer;
    }
    answer.doc = std::move(doc.value());
  }
  return answer;
}

std::string prettyJson(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc) return std::string(text);
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  doc.value().Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

bool printJsonIfAsked(const Context& ctx, std::string_view body) {
  if (!ctx.output.json) return false;
  if (body.empty()) return true;
  std::string text = ctx.output.pretty ? prettyJson(body) : std::string(body);
  ctx.out << text;
  if (text.back() != '\n') ctx.out << '\n';
  return true;
}

int unexpectedAnswer(const Context& ctx, std::string_view what) {
  ctx.err << "error: unexpected answer from triggerd: " << what
          << "\nhint: triggerctl and triggerd versions may differ; --json shows the raw answer\n";
  return kExitApiError;
}

std::string formatUsageError(const Error& error) {
  std::string out = "error: ";
  if (!error.field.empty()) out += error.field + ": ";
  return out + error.message + "\n";
}

int usageError(const Context& ctx, const Error& error) {
  ctx.err << formatUsageError(error);
  return kExitUsage;
}

}  // namespace triggerd::cli
