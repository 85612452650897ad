#include "common/metrics.h"

#include <gtest/gtest.h>

namespace triggerd {
namespace {

TEST(Metrics, CountersRenderWithHelpTypeAndEscapedLabels) {
  Metrics m;
  m.inc("triggerd_webhook_deliveries_total", {{"provider", "github"}, {"outcome", "enqueued"}}, 2);
  m.inc("triggerd_webhook_deliveries_total", {{"provider", "github"}, {"outcome", "enqueued"}});
  EXPECT_EQ(m.counter("triggerd_webhook_deliveries_total",
                      {{"provider", "github"}, {"outcome", "enqueued"}}),
            3u);
  m.inc("triggerd_api_errors_total", {{"reason", "a\"b\\c"}});
  std::string text = m.render();
  EXPECT_NE(text.find("# TYPE triggerd_webhook_deliveries_total counter"), std::string::npos);
  EXPECT_NE(
      text.find("triggerd_webhook_deliveries_total{provider=\"github\",outcome=\"enqueued\"} 3"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(reason="a\"b\\c")"), std::string::npos) << text;
}

TEST(Metrics, UnregisteredCounterIsRefused) {
  Metrics m;
  m.inc("no_such_metric_total");
  EXPECT_EQ(m.counter("no_such_metric_total"), 0u);
  EXPECT_EQ(m.render().find("no_such_metric_total"), std::string::npos);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics m;
  m.observe("triggerd_webhook_latency_seconds", 0.0007);
  m.observe("triggerd_webhook_latency_seconds", 0.2);
  std::string text = m.render();
  EXPECT_NE(text.find("triggerd_webhook_latency_seconds_bucket{le=\"0.001\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("triggerd_webhook_latency_seconds_bucket{le=\"+Inf\"} 2"), std::string::npos)
      << text;
  EXPECT_NE(text.find("triggerd_webhook_latency_seconds_count 2"), std::string::npos);
}

TEST(Metrics, GaugeFunctionsAreEvaluatedAtRender) {
  Metrics m;
  double v = 1;
  m.gaugeFn("triggerd_redis_connected", [&] { return v; });
  EXPECT_NE(m.render().find("triggerd_redis_connected 1"), std::string::npos);
  v = 0;
  EXPECT_NE(m.render().find("triggerd_redis_connected 0"), std::string::npos);
}

TEST(Metrics, CounterFunctionsAreSampledAtRenderWithTheirLabels) {
  Metrics m;
  uint64_t timeouts = 2;
  m.counterFn("triggerd_redis_errors_total", {{"kind", "timeout"}}, [&] { return timeouts; });
  EXPECT_NE(m.render().find("triggerd_redis_errors_total{kind=\"timeout\"} 2"), std::string::npos);
  timeouts = 5;
  EXPECT_NE(m.render().find("triggerd_redis_errors_total{kind=\"timeout\"} 5"), std::string::npos);
}

}  // namespace
}  // namespace triggerd
