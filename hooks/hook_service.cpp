#include "hooks/hook_service.h"

namespace triggerd {

HookService::HookService(HookEnv env, SourceStore& sources, HookOptions options)
    : env_(std::move(env)), sources_(sources), options_(std::move(options)) {}

void HookService::run(const Trigger& t, HookMode mode, HookWork::Done done, Waiting waiting) {
  sources_.get(
      t.user, t.provider,
      [this, t, mode, waiting, done = std::move(done)](Result<std::optional<Source>> s) mutable {
        HookReport failed;
        failed.outcome = HookReport::Outcome::kFailed;
        failed.hook_id = t.hook_id;
        if (!s.ok()) {
          failed.error = s.error();
          return done(std::move(failed));
        }
        if (!s->has_value()) {
          std::string name = providerName(t.provider);
          failed.error = Error::conflict(
              "provider", "no " + std::string(providerTitle(t.provider)) +
                              " account is bound for user " + t.user +
                              ", so triggerd cannot manage the hook; bind one (PUT "
                              ".../sources/" +
                              name + ") or create the trigger with install_hook false");
          return done(std::move(failed));
        }
        runWithSource(t, **s, mode, std::move(done), waiting);
      });
}

void HookService::runWithSource(const Trigger& t, const Source& source, HookMode mode,
                                HookWork::Done done, Waiting waiting) {
  HookOptions options = options_;
  bool background = waiting == Waiting::kBackground;
  options.client.rate_limit_patience =
      background ? options_.max_rate_limit_wait : std::chrono::seconds(0);
  // A client waits a little for another request on the same repository; background work longer.
  options.lease_wait = background ? std::chrono::milliseconds(60000) : options_.lease_wait;
  HookWork::start(env_, options, t, source, mode, std::move(done));
}

}  // namespace triggerd
