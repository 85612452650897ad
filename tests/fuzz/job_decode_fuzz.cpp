// The job decoder (queue/job.h), which runners and the status consumer run on what they read
// from the stream. Property: a job that decodes encodes to JSON that decodes to the same
// encoding.
//
// Input: job JSON (schema 1).
#include <cstdlib>
#include <string>

#include "queue/job.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace triggerd;
  auto job = decodeJob(fuzz::asText(data, size));
  if (!job.ok()) {
    if (job.error().message.empty()) std::abort();
    return 0;
  }
  std::string encoded = encodeJob(*job);
  auto again = decodeJob(encoded);
  if (!again.ok() || encodeJob(*again) != encoded) std::abort();
  return 0;
}
