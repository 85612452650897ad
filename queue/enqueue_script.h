// The enqueue script (job_queue.cpp), named so that a Redis stand-in in tests can recognise it
// by its text.
#pragma once

#include "redis/tracked_redis.h"

namespace triggerd {

extern const LuaScript kEnqueueScript;

}  // namespace triggerd
