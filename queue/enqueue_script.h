// The enqueue script (job_queue.cpp), named so that a Redis stand-in in tests can recognise it
// by its text.
#pragma once

namespace triggerd {

extern const char* const kEnqueueScript;

}  // namespace triggerd
