// A small Prometheus registry for the live services: counters, gauges and histograms rendered in
// the text exposition format 0.0.4 (what `promtool check metrics` and Prometheus scrape).
// Thread-safe; series are kept in ordered maps so the output order is stable.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace chaoslab::live {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  // Families must be described before use; describing one twice keeps the first.
  void counter(const std::string& name, const std::string& help);
  void gauge(const std::string& name, const std::string& help);
  // `bounds` are the upper bounds in increasing order; +Inf is added. The unlabelled series is
  // rendered (zero) from the start.
  void histogram(const std::string& name, const std::string& help, std::vector<double> bounds);

  // Counters and gauges. Throws std::logic_error for an undescribed family or a wrong type.
  void add(const std::string& name, const Labels& labels, double v = 1.0);
  void set(const std::string& name, const Labels& labels, double v);
  void observe(const std::string& name, const Labels& labels, double v);

  // Current value of a counter or gauge series (0 when absent); for tests and /health.
  double value(const std::string& name, const Labels& labels = {}) const;

  std::string render() const;

 private:
  enum class Type { counter, gauge, histogram };
  struct Series {
    double value = 0;             // counter, gauge
    std::vector<double> buckets;  // histogram: cumulative counts are derived at render
    double sum = 0;
    double count = 0;
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> bounds;
    std::map<std::string, Series> series;  // key: rendered label set
  };
  Family& family(const std::string& name, Type t);
  static std::string key(const Labels& labels);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

// The default latency buckets (seconds), Prometheus client libraries' defaults.
std::vector<double> default_latency_buckets();

// Formats a sample value the way Prometheus prints them (integers without a fraction, +Inf).
std::string format_metric_value(double v);

}  // namespace chaoslab::live
