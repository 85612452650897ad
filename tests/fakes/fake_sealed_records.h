// SealedRecords on a FakeRedisClient, sealing with test master key 'k': the setup of the store
// tests that need records but no redis-server.
#pragma once

#include "common/random.h"
#include "crypto/keyring.h"
#include "loop/event_loop.h"
#include "store/sealed_records.h"
#include "tests/fakes/fake_redis_client.h"
#include "tests/support/test_keys.h"

namespace triggerd::testing {

struct FakeSealedRecords {
  EventLoop loop;
  FakeRedisClient redis{loop};
  SecureRandom rng;
  Keyring keyring = keyringOf(masterKey('k'));
  SealedRecords records{redis, keyring, rng};
};

}  // namespace triggerd::testing
