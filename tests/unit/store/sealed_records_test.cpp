// SealedRecords against a real Redis: atomic create/remove with indexes, compare-and-set, and
// read-modify-write that never loses a concurrent update.
#include "store/sealed_records.h"

#include <gtest/gtest.h>

#include "tests/support/redis_loop.h"
#include "tests/support/test_keys.h"

namespace triggerd {
namespace {

using testing::RedisLoop;

class SealedRecordsTest : public ::testing::Test {
 protected:
  Result<SealedRecords::Created> create(const std::string& key, std::string text, size_t cap = 0) {
    return redis_.await<Result<SealedRecords::Created>>([&](auto cb) {
      records_.create(key, {{"idx:a", key}, {"idx:b", key}}, text, cb, cap);
    });
  }
  static constexpr auto kYes = SealedRecords::Created::kYes;

  RedisLoop redis_;
  SecureRandom rng_;
  Keyring keyring_ = testing::keyringOf(testing::masterKey('k'));
  SealedRecords records_{redis_.client(), keyring_, rng_};
};

TEST_F(SealedRecordsTest, CreateIndexesOnceAndRefusesASecondCreate) {
  ASSERT_EQ(create("rec", "one").value(), kYes);
  EXPECT_EQ(redis_.server().cmd({"SISMEMBER", "idx:a", "rec"}).integer, 1);
  EXPECT_EQ(redis_.server().cmd({"SISMEMBER", "idx:b", "rec"}).integer, 1);
  auto again = create("rec", "two");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, SealedRecords::Created::kExists);
  EXPECT_EQ(redis_.server().cmd({"GET", "rec"}).str, "one");
}

TEST_F(SealedRecordsTest, CreateHonoursTheCapOnTheFirstIndex) {
  ASSERT_EQ(create("r1", "x", 2).value(), kYes);
  ASSERT_EQ(create("r2", "x", 2).value(), kYes);
  auto third = create("r3", "x", 2);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(*third, SealedRecords::Created::kIndexFull);
  EXPECT_TRUE(redis_.server().cmd({"GET", "r3"}).isNil());
  EXPECT_EQ(redis_.server().cmd({"SCARD", "idx:a"}).integer, 2);
}

TEST_F(SealedRecordsTest, RemoveDropsTheRecordAndItsIndexEntries) {
  ASSERT_EQ(create("rec", "one").value(), kYes);
  auto removed = redis_.await<Result<bool>>([&](auto cb) {
    records_.remove("rec", {{"idx:a", "rec"}, {"idx:b", "rec"}}, cb);
  });
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_TRUE(redis_.server().cmd({"GET", "rec"}).isNil());
  EXPECT_EQ(redis_.server().cmd({"SCARD", "idx:a"}).integer, 0);
  auto twice = redis_.await<Result<bool>>([&](auto cb) {
    records_.remove("rec", {{"idx:a", "rec"}}, cb);
  });
  EXPECT_FALSE(twice.value());
}

TEST_F(SealedRecordsTest, ReplaceNeedsAnExistingRecord) {
  auto gone = redis_.await<Result<bool>>([&](auto cb) { records_.replace("nope", "x", cb); });
  EXPECT_FALSE(gone.value());
  EXPECT_TRUE(redis_.server().cmd({"GET", "nope"}).isNil());
}

TEST_F(SealedRecordsTest, CompareAndSetWritesOnlyOverTheExpectedText) {
  ASSERT_EQ(create("rec", "one").value(), kYes);
  auto stale = redis_.await<Result<bool>>(
      [&](auto cb) { records_.compareAndSet("rec", "zero", "two", cb); });
  EXPECT_FALSE(stale.value());
  auto fresh =
      redis_.await<Result<bool>>([&](auto cb) { records_.compareAndSet("rec", "one", "two", cb); });
  EXPECT_TRUE(fresh.value());
  EXPECT_EQ(redis_.server().cmd({"GET", "rec"}).str, "two");
}

TEST_F(SealedRecordsTest, UpdateStartsOverWhenAnotherWriterGotInBetween) {
  ASSERT_EQ(create("rec", "a").value(), kYes);
  int calls = 0;
  auto result = redis_.await<Result<std::optional<std::string>>>([&](auto cb) {
    records_.update(
        "rec",
        [&](const std::string& current) -> Result<std::optional<std::string>> {
          // The first time, another writer changes the record after we read it.
          if (++calls == 1) redis_.server().cmd({"SET", "rec", current + "+other"});
          return std::optional<std::string>(current + "+mine");
        },
        cb);
  });
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(**result, "a+other+mine");  // nothing lost
  EXPECT_EQ(redis_.server().cmd({"GET", "rec"}).str, "a+other+mine");
}

TEST_F(SealedRecordsTest, UpdateGivesUpAfterRepeatedConflictsAndReportsAbsentRecords) {
  ASSERT_EQ(create("rec", "a").value(), kYes);
  int n = 0;
  auto result = redis_.await<Result<std::optional<std::string>>>([&](auto cb) {
    records_.update(
        "rec",
        [&](const std::string&) -> Result<std::optional<std::string>> {
          redis_.server().cmd({"SET", "rec", "changed-" + std::to_string(++n)});
          return std::optional<std::string>("mine");
        },
        cb);
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status, 503);
  EXPECT_EQ(n, SealedRecords::kUpdateAttempts);

  auto absent = redis_.await<Result<std::optional<std::string>>>([&](auto cb) {
    records_.update(
        "missing",
        [](const std::string&) { return Result<std::optional<std::string>>(std::nullopt); }, cb);
  });
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
}

TEST_F(SealedRecordsTest, SealedFieldsOpenOnlyWithTheirBinding) {
  std::string sealed = records_.seal("t0ken", "source:alice:github");
  EXPECT_EQ(sealed.find("t0ken"), std::string::npos);
  EXPECT_EQ(records_.open(sealed, "source:alice:github", "the token").value(), "t0ken");
  auto moved = records_.open(sealed, "source:bob:github", "the token of bob");
  ASSERT_FALSE(moved.ok());
  EXPECT_NE(moved.error().message.find("the token of bob"), std::string::npos);
  EXPECT_EQ(moved.error().message.find("t0ken"), std::string::npos);
}

TEST_F(SealedRecordsTest, RedisFailuresAre503WithOneWording) {
  redis_.server().cmd({"SET", "str", "x"});
  auto wrong =
      redis_.await<Result<std::vector<std::string>>>([&](auto cb) { records_.members("str", cb); });
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().status, 503);
  EXPECT_EQ(wrong.error().message.rfind("redis refused listing str: WRONGTYPE", 0), 0u)
      << wrong.error().message;
}

}  // namespace
}  // namespace triggerd
