#include "live/metrics.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace chaoslab::live {

std::vector<double> default_latency_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  return std::string(buf, end);
}

namespace {

std::string escape_label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// "{a="x",le="0.5"}" from a rendered key "a="x"" plus an extra label.
std::string braces(const std::string& key, const std::string& extra = {}) {
  std::string inner = key;
  if (!extra.empty()) inner += (inner.empty() ? "" : ",") + extra;
  return inner.empty() ? std::string() : "{" + inner + "}";
}

}  // namespace

std::string Metrics::key(const Labels& labels) {
  std::string k;
  for (const auto& [name, value] : labels) {
    if (!k.empty()) k += ',';
    k += name + "=\"" + escape_label(value) + "\"";
  }
  return k;
}

void Metrics::counter(const std::string& name, const std::string& help) {
  std::lock_guard lock(mu_);
  families_.try_emplace(name, Family{Type::counter, help, {}, {}});
}

void Metrics::gauge(const std::string& name, const std::string& help) {
  std::lock_guard lock(mu_);
  families_.try_emplace(name, Family{Type::gauge, help, {}, {}});
}

void Metrics::histogram(const std::string& name, const std::string& help,
                        std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  auto [it, added] = families_.try_emplace(name, Family{Type::histogram, help, std::move(bounds), {}});
  // The unlabelled series exists from the start (all zero), so queries over its buckets work
  // before the first observation.
  if (added) it->second.series[""].buckets.assign(it->second.bounds.size(), 0.0);
}

Metrics::Family& Metrics::family(const std::string& name, Type t) {
  auto it = families_.find(name);
  if (it == families_.end()) throw std::logic_error("metric '" + name + "' is not described");
  if (it->second.type != t) throw std::logic_error("metric '" + name + "' has another type");
  return it->second;
}

void Metrics::add(const std::string& name, const Labels& labels, double v) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end() || it->second.type == Type::histogram)
    throw std::logic_error("metric '" + name + "' is not a described counter or gauge");
  it->second.series[key(labels)].value += v;
}

void Metrics::set(const std::string& name, const Labels& labels, double v) {
  std::lock_guard lock(mu_);
  family(name, Type::gauge).series[key(labels)].value = v;
}

void Metrics::observe(const std::string& name, const Labels& labels, double v) {
  std::lock_guard lock(mu_);
  Family& f = family(name, Type::histogram);
  Series& s = f.series[key(labels)];
  if (s.buckets.empty()) s.buckets.assign(f.bounds.size(), 0.0);
  for (std::size_t i = 0; i < f.bounds.size(); ++i)
    if (v <= f.bounds[i]) {
      s.buckets[i] += 1;
      break;
    }
  s.sum += v;
  s.count += 1;
}

double Metrics::value(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  auto s = it->second.series.find(key(labels));
  if (s == it->second.series.end()) return 0;
  return it->second.type == Type::histogram ? s->second.count : s->second.value;
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    static constexpr const char* kTypes[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + name + " " + kTypes[static_cast<int>(f.type)] + "\n";
    for (const auto& [k, s] : f.series) {
      if (f.type != Type::histogram) {
        out += name + braces(k) + " " + format_metric_value(s.value) + "\n";
        continue;
      }
      double cumulative = 0;
      for (std::size_t i = 0; i < f.bounds.size(); ++i) {
        cumulative += s.buckets[i];
        out += name + "_bucket" + braces(k, "le=\"" + format_metric_value(f.bounds[i]) + "\"") +
               " " + format_metric_value(cumulative) + "\n";
      }
      out += name + "_bucket" + braces(k, "le=\"+Inf\"") + " " + format_metric_value(s.count) + "\n";
      out += name + "_sum" + braces(k) + " " + format_metric_value(s.sum) + "\n";
      out += name + "_count" + braces(k) + " " + format_metric_value(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace chaoslab::live
