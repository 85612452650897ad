// `triggerctl sources ...`: bound provider accounts and browsing their repositories.
#pragma once

#include <string>

#include <rapidjson/document.h>

#include "cli/command_context.h"

namespace triggerd::cli {

struct BindGitlabArgs {
  std::string user;
  std::string address;     // https://gitlab.example.com
  std::string token_file;  // the GitLab private token, read from here ("-" = stdin)
  std::string ca_file;     // optional PEM for a private CA
};

// repos / branches / tags: one page (page empty = the first), or every page with `all`.
struct ListArgs {
  std::string user;
  std::string provider;
  std::string repo;  // branches and tags only
  std::string page;
  bool all = false;
};

// A bound source as "KEY  value" lines.
std::string describeSource(const rapidjson::Value& source);

int sourcesList(const Context& ctx, const std::string& user);
int sourcesBindGitlab(const Context& ctx, const BindGitlabArgs& args);
int sourcesBindGithub(const Context& ctx, const std::string& user, const std::string& token_file);
int sourcesAuthorizeGithub(const Context& ctx, const std::string& user);
int sourcesUnbind(const Context& ctx, const std::string& user, const std::string& provider);
int sourcesRepos(const Context& ctx, const ListArgs& args);
int sourcesBranches(const Context& ctx, const ListArgs& args);
int sourcesTags(const Context& ctx, const ListArgs& args);

}  // namespace triggerd::cli
