#include "runner/command_template.h"

#include <gtest/gtest.h>

namespace triggerd {
namespace {

using Argvs = std::vector<std::vector<std::string>>;

CommandTemplate::Values values() {
  CommandTemplate::Values v;
  v.scalars = {{"job_id", "01J"},
               {"image", "registry.test/team/app"},
               {"dockerfile", "Dockerfile"},
               {"context", "."},
               {"local_image", "localhost/triggerd-job-01j"}};
  v.image = "registry.test/team/app";
  v.tags = {"main", "v1"};
  v.build_args = {{"A", "1"}, {"B", "two words"}};
  return v;
}

Argvs expand(std::string_view text, const CommandTemplate::Values& v = values()) {
  auto t = CommandTemplate::parse(text);
  EXPECT_TRUE(t.ok()) << t.error().message;
  return t.ok() ? t->expand(v) : Argvs{};
}

TEST(CommandTemplateTest, ExpandsScalarsInsideWords) {
  EXPECT_EQ(expand("buildah push {local_image} docker://{image}:latest"),
            (Argvs{{"buildah", "push", "localhost/triggerd-job-01j",
                    "docker://registry.test/team/app:latest"}}));
}

TEST(CommandTemplateTest, TagTemplatesRunOncePerTag) {
  auto t = CommandTemplate::parse("docker push {image}:{tag}");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->perTag());
  EXPECT_EQ(t->expand(values()), (Argvs{{"docker", "push", "registry.test/team/app:main"},
                                        {"docker", "push", "registry.test/team/app:v1"}}));
}

TEST(CommandTemplateTest, ListPlaceholdersBecomeSeveralWords) {
  EXPECT_EQ(expand("docker build {tags:-t} {build_args:--build-arg} {context}"),
            (Argvs{{"docker", "build", "-t", "registry.test/team/app:main", "-t",
                    "registry.test/team/app:v1", "--build-arg", "A=1", "--build-arg", "B=two words",
                    "."}}));
  EXPECT_EQ(expand("echo {tags} {build_args}"),
            (Argvs{{"echo", "registry.test/team/app:main", "registry.test/team/app:v1", "A=1",
                    "B=two words"}}));
  auto none = values();
  none.build_args.clear();
  EXPECT_EQ(expand("x {build_args:--build-arg} y", none), (Argvs{{"x", "y"}}));
}

TEST(CommandTemplateTest, SplitsLikeAShellButExpandsNothing) {
  EXPECT_EQ(expand("sh -c 'echo \"$HOME\" {job_id}; exit 1' \"a b\" c\\ d '' e"),
            (Argvs{{"sh", "-c", "echo \"$HOME\" 01J; exit 1", "a b", "c d", "", "e"}}));
  EXPECT_EQ(expand("printf {{}} }}"), (Argvs{{"printf", "{}", "}"}}));
}

TEST(CommandTemplateTest, AValueNeverLeavesItsWord) {
  auto v = values();
  v.scalars.push_back({"ref_name", "main; rm -rf / 'x' $(id)"});
  EXPECT_EQ(expand("echo ref={ref_name}", v), (Argvs{{"echo", "ref=main; rm -rf / 'x' $(id)"}}));
}

TEST(CommandTemplateTest, RefusesWhatCannotWork) {
  auto error = [](std::string_view text) {
    auto t = CommandTemplate::parse(text);
    return t.ok() ? std::string("accepted") : t.error().message;
  };
  EXPECT_NE(error("buildah bud {imag}").find("unknown placeholder {imag}; did you mean {image}?"),
            std::string::npos);
  EXPECT_NE(error("echo {job_id").find("unclosed '{'"), std::string::npos);
  EXPECT_NE(error("echo x}").find("lone '}'"), std::string::npos);
  EXPECT_NE(error("echo -t={tags}").find("must stand alone"), std::string::npos);
  EXPECT_NE(error("echo {tags:}").find("flag after ':' is empty"), std::string::npos);
  EXPECT_NE(error("echo 'open").find("unterminated single quote"), std::string::npos);
  EXPECT_NE(error("   ").find("empty"), std::string::npos);
  EXPECT_NE(error("{image} push").find("first word must name the program"), std::string::npos);
}

}  // namespace
}  // namespace triggerd
