#pragma once

// Benchmark output (docs/contracts.md §4): a readable table by default, or with --json one
// object per line on stdout: {"bench", "metric", "value", "unit"[, "numerator",
// "baseline"]}. Progress goes to stderr through Progress(). Thread-compatible.

#include <string>
#include <vector>

namespace tablestore::bench {

class Report {
 public:
  // Parses and removes --json from argv. `area` is e.g. "storage".
  Report(std::string area, int* argc, char** argv);

  bool json() const { return json_; }

  void Add(const std::string& metric, double value, const std::string& unit);
  // A side-by-side ratio: value = numerator / baseline, unit "x".
  void AddRatio(const std::string& metric, const std::string& numerator_metric,
                const std::string& baseline_metric);
  // Value of a metric already added (0 if absent).
  double Get(const std::string& metric) const;

  // Prints everything (table or JSON lines) to stdout.
  void Print() const;

  // A line on stderr, prefixed with the area.
  void Progress(const std::string& line) const;

 private:
  struct Metric {
    std::string name;
    double value;
    std::string unit;
    std::string numerator;
    std::string baseline;
  };
  std::string area_;
  bool json_ = false;
  std::vector<Metric> metrics_;
};

}  // namespace tablestore::bench
