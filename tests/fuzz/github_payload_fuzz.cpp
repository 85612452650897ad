// The GitHub delivery parser (webhook/): JSON and form-encoded bodies of any event.
//
// Input: <X-GitHub-Event>\n<Content-Type>\n<body>
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/push_checks.h"
#include "webhook/push_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace triggerd;
  auto [event, content_type, body] = fuzz::fields<3>(fuzz::asText(data, size));
  auto delivery = parseGithubDelivery(event, content_type, body);
  if (delivery.ok()) {
    fuzz::checkDelivery(*delivery);
  } else {
    fuzz::checkError(delivery.error());
  }
  return 0;
}
