// HookService: the one entry to hook work for the API, source unbinding, bulk jobs and the
// reconciler. It finds the bound source a trigger's hook is managed with and runs a HookWork;
// callers never branch on the provider.
#pragma once

#include <functional>
#include <string>

#include "credentials/source_store.h"
#include "hooks/hook_work.h"

namespace triggerd {

class HookService {
 public:
  HookService(HookEnv env, SourceStore& sources, HookOptions options);
  // SIGHUP: the public base URL stays (hook URLs already on the providers use it).
  void setOptions(HookOptions options) {
    options.public_base_url = options_.public_base_url;
    options_ = std::move(options);
  }
  const HookOptions& options() const { return options_; }

  // Who waits for the work: a client (the API answers when it is done) or nobody (jobs, the
  // reconciler). Only background work waits out provider rate limits.
  enum class Waiting { kClient, kBackground };

  // Runs `mode` for `t` with its user's bound source for the provider. Without one the report
  // fails with 409 "provider" saying how to bind one (or to use install_hook false).
  void run(const Trigger& t, HookMode mode, HookWork::Done done,
           Waiting waiting = Waiting::kClient);
  // The same with a source already at hand (unbinding removes hooks with the source going away).
  void runWithSource(const Trigger& t, const Source& source, HookMode mode, HookWork::Done done,
                     Waiting waiting = Waiting::kClient);

  const std::string& publicBaseUrl() const { return options_.public_base_url; }

 private:
  HookEnv env_;
  SourceStore& sources_;
  HookOptions options_;
};

}  // namespace triggerd
