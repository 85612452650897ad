// POST /webhooks/{github,gitlab}/{trigger_id}: copies what the ingest path needs out of the
// request and turns its answer into the reply.
#include <chrono>

#include "handlers/handlers.h"

namespace triggerd::handlers {
namespace {

void handleWebhook(Provider provider, WebhookIngest& ingest, Metrics& metrics,
                   const RequestPtr& ctx) {
  auto d = std::make_shared<WebhookDelivery>();
  d->provider = provider;
  d->trigger_id = std::string(ctx->param("trigger_id"));
  d->body = std::string(ctx->body());
  d->content_type = std::string(ctx->header("Content-Type").value_or(""));
  d->received_at = ctx->receivedAt();
  auto h = [&](const char* name) { return std::string(ctx->header(name).value_or("")); };
  if (provider == Provider::kGithub) {
    d->event = h("X-GitHub-Event");
    d->delivery_id = h("X-GitHub-Delivery");
    d->github_signature = h("X-Hub-Signature-256");
  } else {
    d->event = h("X-Gitlab-Event");
    // Idempotency-Key is stable across GitLab's retries and resends; the event UUID is the
    // fallback for GitLab before 17.4.
    d->delivery_id = h("Idempotency-Key");
    if (d->delivery_id.empty()) d->delivery_id = h("webhook-id");
    if (d->delivery_id.empty()) d->delivery_id = h("X-Gitlab-Event-UUID");
    auto token = ctx->header("X-Gitlab-Token");
    d->has_gitlab_token = token.has_value();
    d->gitlab_token = std::string(token.value_or(""));
    d->webhook_id = h("webhook-id");
    d->webhook_timestamp = h("webhook-timestamp");
    d->webhook_signature = h("webhook-signature");
  }
  auto arrival = ctx->arrival();
  ingest.handle(std::move(d), [ctx, arrival, &metrics](WebhookAnswer a) {
    ctx->reply(a.status, a.body, a.headers);
    metrics.observe(
        "triggerd_webhook_latency_seconds",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - arrival).count());
  });
}

}  // namespace

void githubWebhook(const Call& c) {
  handleWebhook(Provider::kGithub, *c.services.ingest, *c.services.metrics, c.ctx);
}

void gitlabWebhook(const Call& c) {
  handleWebhook(Provider::kGitlab, *c.services.ingest, *c.services.metrics, c.ctx);
}

}  // namespace triggerd::handlers
