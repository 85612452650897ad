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

// Jobs in triggerd:jobs per delivery id (read in pages of 1000).
std::map<std::string, int> jobsByDelivery(RedisServer& redis);

// Exactly once: every answered delivery has one job, no delivery id has more than one, and
// every delivery was answered (none given up). The message names the first offenders.
::testing::AssertionResult exactlyOnce(RedisServer& redis,
                                       const std::vector<DeliveryRecord>& records);

// Waits until the daemon's admin /readyz shows Redis connected and no spooled record left.
bool spoolDrained(TriggerdInstance& tri,
                  std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace triggerd::testing
