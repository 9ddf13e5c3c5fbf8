#include "bench/report.h"

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

namespace tablestore::bench {

Report::Report(std::string area, int* argc, char** argv) : area_(std::move(area)) {
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) {
      json_ = true;
    } else {
      argv[out++] = argv[i];
    }
  }
  *argc = out;
}

void Report::Add(const std::string& metric, double value, const std::string& unit) {
  metrics_.push_back({metric, value, unit, "", ""});
}

double Report::Get(const std::string& metric) const {
  for (const auto& m : metrics_) {
    if (m.name == metric) return m.value;
  }
  return 0;
}

void Report::AddRatio(const std::string& metric, const std::string& numerator_metric,
                      const std::string& baseline_metric) {
  double base = Get(baseline_metric);
  double value = base > 0 ? Get(numerator_metric) / base : 0;
  metrics_.push_back({metric, value, "x", numerator_metric, baseline_metric});
}

void Report::Print() const {
  if (json_) {
    for (const auto& m : metrics_) {
      nlohmann::json j = {{"bench", area_}, {"metric", m.name}, {"value", m.value},
                          {"unit", m.unit}};
      if (!m.numerator.empty()) {
        j["numerator"] = m.numerator;
        j["baseline"] = m.baseline;
      }
      std::printf("%s\n", j.dump().c_str());
    }
    std::fflush(stdout);
    return;
  }
  std::printf("bench-%s\n", area_.c_str());
  std::printf("  %-40s %16s  %s\n", "metric", "value", "unit");
  for (const auto& m : metrics_) {
    std::printf("  %-40s %16.3f  %s", m.name.c_str(), m.value, m.unit.c_str());
    if (!m.numerator.empty()) {
      std::printf("   (%s / %s)", m.numerator.c_str(), m.baseline.c_str());
    }
    std::printf("\n");
  }
  std::fflush(stdout);
}

void Report::Progress(const std::string& line) const {
  std::fprintf(stderr, "bench-%s: %s\n", area_.c_str(), line.c_str());
}

}  // namespace tablestore::bench
