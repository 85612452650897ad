// What every fault test checks at its end, against the real Redis: every delivery the client
// got a 2xx for has exactly one job in the stream (found by its delivery id), no delivery has
// two, and the daemon's spool is empty again.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "tests/faults/delivery_load.h"
#include "tests/integration/triggerd_fixture.h"

namespace triggerd::testing {

// The ids of the jobs in triggerd:jobs per delivery id, in stream order (read in pages of 1000).
std::map<std::string, std::vector<std::string>> jobsByDelivery(RedisServer& redis);

// Exactly once: every delivery was answered 2xx (none given up) naming one job, the stream holds
// one job for its delivery id (the one answered, when the first attempt was answered), and no
// delivery id has more than one job. The message names the first offenders.
::testing::AssertionResult exactlyOnce(RedisServer& redis,
                                       const std::vector<DeliveryRecord>& records);

// The lines of a triggerd log that name a delivery the verdict of exactlyOnce() lists.
std::string linesAbout(const std::string& log, const std::string& verdict);

// Waits until the daemon's admin /readyz shows Redis connected and no spooled record left.
bool spoolDrained(TriggerdInstance& tri,
                  std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace triggerd::testing
