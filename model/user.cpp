#include "model/user.h"

namespace triggerd {

Status validateUserId(std::string_view user) {
  bool ok = !user.empty() && user.size() <= 64 && user != "." && user != "..";
  for (char c : user)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-');
  if (!ok) {
    return Error::badRequest("user",
                             "user ids are 1 to 64 characters of A-Z a-z 0-9 . _ -, and not "
                             "\".\" or \"..\"");
  }
  return okStatus();
}

}  // namespace triggerd
