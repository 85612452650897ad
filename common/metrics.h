// Process metrics in Prometheus text format. Owned by the loop thread: no locking.
// Counters are created on first use; a family's help text is registered once, up front, in
// metrics.cpp's table so /metrics documents every series even before it moves.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace triggerd {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  // One counter series, its name and labels fixed when it is made: inc() neither builds labels
  // nor looks a key up, for the paths taken on every request. Like Metrics::inc, the series
  // appears in /metrics on its first increment. Valid while its Metrics lives.
  class Counter {
   public:
    Counter() = default;
    void inc(uint64_t by = 1) {
      if (metrics_ == nullptr) return;  // an unregistered family: logged when made
      if (slot_ == nullptr) slot_ = &metrics_->counters_[key_];
      *slot_ += by;
    }

   private:
    friend class Metrics;
    Metrics* metrics_ = nullptr;
    std::string key_;
    uint64_t* slot_ = nullptr;  // std::map nodes stay put
  };

  Metrics();

  // The handle of counter `name{labels}`; the name must be in the family table.
  Counter series(std::string_view name, const Labels& labels = {});

  // Adds `by` to counter `name{labels}`. The name must be in the family table.
  void inc(std::string_view name, const Labels& labels = {}, uint64_t by = 1);
  void set(std::string_view name, const Labels& labels, double value);  // gauges
  // A gauge computed when scraped (connections open, Redis connected, ...).
  void gaugeFn(std::string_view name, std::function<double()> fn);
  // A counter kept elsewhere (a component's own stats), read when scraped.
  void counterFn(std::string_view name, const Labels& labels, std::function<uint64_t()> fn);
  // Records one observation into histogram `name` (fixed latency buckets, seconds).
  void observe(std::string_view name, double seconds);

  uint64_t counter(std::string_view name, const Labels& labels = {}) const;
  std::string render() const;

 private:
  struct Family {
    std::string type;  // counter | gauge | histogram
    std::string help;
  };
  struct Histogram {
    std::vector<uint64_t> buckets;
    uint64_t count = 0;
    double sum = 0;
  };
  static std::string seriesKey(std::string_view name, const Labels& labels);

  std::map<std::string, Family, std::less<>> families_;
  std::map<std::string, uint64_t, std::less<>> counters_;  // key: name{labels}
  std::map<std::string, double, std::less<>> gauges_;
  std::map<std::string, std::function<double()>, std::less<>> gauge_fns_;
  std::map<std::string, std::function<uint64_t()>, std::less<>> counter_fns_;  // key: name{labels}
  std::map<std::string, Histogram, std::less<>> histograms_;
};

}  // namespace triggerd
