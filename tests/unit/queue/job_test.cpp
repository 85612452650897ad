#include "queue/job.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/sample_job.h"

namespace triggerd {
namespace {

using namespace std::string_literals;
using testing::sampleJob;

void expectSameJob(const Job& a, const Job& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.trigger_id, b.trigger_id);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.provider, b.provider);
  EXPECT_EQ(a.repository.id, b.repository.id);
  EXPECT_EQ(a.repository.full_name, b.repository.full_name);
  EXPECT_EQ(a.repository.clone_url, b.repository.clone_url);
  EXPECT_EQ(a.repository.ssh_url, b.repository.ssh_url);
  EXPECT_EQ(a.repository.is_private, b.repository.is_private);
  EXPECT_EQ(a.event, b.event);
  EXPECT_EQ(a.ref, b.ref);
  EXPECT_EQ(a.ref_type, b.ref_type);
  EXPECT_EQ(a.ref_name, b.ref_name);
  EXPECT_EQ(a.commit.sha, b.commit.sha);
  EXPECT_EQ(a.commit.message, b.commit.message);
  EXPECT_EQ(a.commit.author, b.commit.author);
  EXPECT_EQ(a.commit.timestamp, b.commit.timestamp);
  EXPECT_EQ(a.image, b.image);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.dockerfile, b.dockerfile);
  EXPECT_EQ(a.context, b.context);
  EXPECT_EQ(a.build_args, b.build_args);
  EXPECT_EQ(a.delivery_id, b.delivery_id);
  EXPECT_EQ(a.received_at, b.received_at);
  EXPECT_EQ(a.attempt, b.attempt);
}

// Replaces the first occurrence of `from` in `s`.
std::string replaced(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(JobTest, EncodesSchemaOneInDocumentedFieldOrder) {
  EXPECT_EQ(encodeJob(sampleJob()),
            R"({"schema":1,"id":"01JDQ3Z9X6V5W4T3S2R1Q0P9N8","trigger_id":"tr_01JDQ3",)"
            R"("user":"alice","provider":"github","repository":{"id":"1296269",)"
            R"("full_name":"octo/app","clone_url":"https://github.com/octo/app.git",)"
            R"("ssh_url":"git@github.com:octo/app.git","private":true},"event":"push",)"
            R"("ref":"refs/heads/main","ref_type":"branch","ref_name":"main",)"
            R"("commit":{"sha":"1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b","message":"Fix build",)"
            R"("author":"Alice <alice@example.com>","timestamp":"2026-11-25T09:59:00Z"},)"
            R"("image":"registry.example.com/team/app","tags":["main","main-1a2b3c4"],)"
            R"("dockerfile":"Dockerfile","context":".",)"
            R"("build_args":{"GO_VERSION":"1.22","APP_ENV":"prod"},)"
            R"("delivery_id":"72d3162e-cc78-11e3-81ab-4c9367dc0958",)"
            R"("received_at":"2026-11-25T10:00:00Z","attempt":1})");
}

TEST(JobTest, EncodesTagsAndEmptyCollections) {
  Job j = sampleJob();
  j.ref = "refs/tags/v1.0.0";
  j.ref_type = RefType::kTag;
  j.ref_name = "v1.0.0";
  j.build_args.clear();
  j.tags.clear();
  j.repository.is_private = false;
  j.event = "manual";
  j.attempt = 3;
  std::string text = encodeJob(j);
  EXPECT_NE(text.find(R"("ref_type":"tag")"), std::string::npos);
  EXPECT_NE(text.find(R"("build_args":{})"), std::string::npos);
  EXPECT_NE(text.find(R"("tags":[])"), std::string::npos);
  EXPECT_NE(text.find(R"("private":false)"), std::string::npos);
  EXPECT_NE(text.find(R"("attempt":3})"), std::string::npos);
  auto back = decodeJob(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  expectSameJob(*back, j);
}

TEST(JobTest, RoundTrips) {
  Job j = sampleJob();
  auto back = decodeJob(encodeJob(j));
  ASSERT_TRUE(back.ok()) << back.error().message;
  expectSameJob(*back, j);
  EXPECT_EQ(encodeJob(*back), encodeJob(j));
}

TEST(JobTest, EscapesSpecialCharacters) {
  Job j = sampleJob();
  j.commit.message =
      "say \"hi\"\\ now\nsecond\tline\r\x01 caf\xC3\xA9 \xF0\x9F\x9A\x80 nul:"s + '\0' + "end"s;
  j.commit.author = "J\xC3\xB6rg </script>";
  j.build_args = {{"QUOTE\"KEY", "line1\nline2"}};
  std::string text = encodeJob(j);
  EXPECT_NE(text.find(R"("message":"say \"hi\"\\ now\nsecond\tline\r\u0001 )"
                      "caf\xC3\xA9 \xF0\x9F\x9A\x80 nul:\\u0000end\""),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("QUOTE\"KEY":"line1\nline2")"), std::string::npos) << text;
  // No raw control byte may survive in the JSON text.
  for (char c : text) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << text;

  auto back = decodeJob(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->commit.message, j.commit.message);
  EXPECT_EQ(back->commit.message.size(), j.commit.message.size());  // the NUL survived
  expectSameJob(*back, j);
}

TEST(JobTest, ReplacesInvalidUtf8) {
  Job j = sampleJob();
  // Latin-1 "é", a lone continuation byte, an overlong "/" and a truncated sequence.
  j.commit.message = "caf\xE9 \x80 \xC0\xAF end \xE2\x82";
  std::string text = encodeJob(j);
  auto back = decodeJob(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->commit.message,
            "caf\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD end \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(JobTest, ToleratesUnknownFieldsAndFieldOrder) {
  std::string text = encodeJob(sampleJob());
  text = replaced(text, R"({"schema":1,)", R"({"priority":5,"extra":{"a":[1,2]},"schema":1,)");
  text = replaced(text, R"("private":true})", R"("private":true,"default_branch":"main"})");
  auto back = decodeJob(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  expectSameJob(*back, sampleJob());
}

TEST(JobTest, OptionalFieldsTakeDefaults) {
  auto back =
      decodeJob(R"({"schema":1,"id":"01J","trigger_id":"t","user":"u","provider":"gitlab",)"
                R"("repository":{"id":"7","full_name":"g/p","clone_url":"https://x/g/p.git"},)"
                R"("event":"push","ref":"refs/heads/dev","ref_type":"branch","ref_name":"dev",)"
                R"("commit":{"sha":"abc"},"image":"r/i","tags":["dev"],"attempt":2})");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->dockerfile, "Dockerfile");
  EXPECT_EQ(back->context, ".");
  EXPECT_TRUE(back->build_args.empty());
  EXPECT_FALSE(back->repository.is_private);
  EXPECT_EQ(back->repository.ssh_url, "");
  EXPECT_EQ(back->commit.message, "");
  EXPECT_EQ(back->delivery_id, "");
  EXPECT_EQ(back->attempt, 2);
}

struct BadCase {
  const char* from;  // a fragment of the encoded sample job...
  const char* to;    // ...replaced by this
  const char* field;
};

class JobDecodeErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(JobDecodeErrorTest, NamesTheField) {
  const BadCase& c = GetParam();
  auto r = decodeJob(replaced(encodeJob(sampleJob()), c.from, c.to));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().field, c.field) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Fields, JobDecodeErrorTest,
    ::testing::Values(BadCase{R"("schema":1,)", "", "schema"},
                      BadCase{R"("schema":1)", R"("schema":2)", "schema"},
                      BadCase{R"("schema":1)", R"("schema":"1")", "schema"},
                      BadCase{R"("id":"01JDQ3Z9X6V5W4T3S2R1Q0P9N8",)", "", "id"},
                      BadCase{R"("trigger_id":"tr_01JDQ3")", R"("trigger_id":7)", "trigger_id"},
                      BadCase{R"("user":"alice")", R"("user":"")", "user"},
                      BadCase{R"("provider":"github",)", "", "provider"},
                      BadCase{R"("repository":{)", R"("repository":[],"x":{)", "repository"},
                      BadCase{R"("id":"1296269")", R"("id":1296269)", "repository.id"},
                      BadCase{R"("full_name":"octo/app",)", "", "repository.full_name"},
                      BadCase{R"("private":true)", R"("private":"yes")", "repository.private"},
                      BadCase{R"("ref_type":"branch")", R"("ref_type":"heads")", "ref_type"},
                      BadCase{R"("ref_name":"main",)", "", "ref_name"},
                      BadCase{R"("commit":{"sha":"1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",)",
                              R"("commit":{)", "commit.sha"},
                      BadCase{R"("message":"Fix build")", R"("message":null)", "commit.message"},
                      BadCase{R"("image":"registry.example.com/team/app",)", "", "image"},
                      BadCase{R"("tags":["main","main-1a2b3c4"])", R"("tags":"main")", "tags"},
                      BadCase{R"("tags":["main",)", R"("tags":[3,)", "tags[0]"},
                      BadCase{R"("build_args":{)", R"("build_args":{"N":1,)", "build_args.N"},
                      BadCase{R"("build_args":{)", R"("build_args":[],"y":{)", "build_args"},
                      BadCase{R"("dockerfile":"Dockerfile")", R"("dockerfile":false)",
                              "dockerfile"},
                      BadCase{R"("attempt":1)", R"("attempt":0)", "attempt"},
                      BadCase{R"(,"attempt":1)", "", "attempt"}));

TEST(JobTest, RejectsNonObjectsAndBadJson) {
  auto r = decodeJob("[1,2]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "job");
  r = decodeJob("{\"schema\":1,");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().field, "job");
}

}  // namespace
}  // namespace triggerd
