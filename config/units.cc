#include "config/units.h"

#include <array>
#include <limits>
#include <utility>

#include "config/message_internal.h"

namespace tablestore::config {
namespace {

using internal::Quote;

// Splits "123unit" into its digits and the rest. False if there are no leading digits or
// the number overflows uint64.
bool SplitNumber(std::string_view text, std::uint64_t* number, std::string_view* unit) {
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
    n = n * 10 + digit;
    ++i;
  }
  if (i == 0) return false;
  *number = n;
  *unit = text.substr(i);
  return true;
}

}  // namespace

base::Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 5> kUnits{{
      {"ms", 1},
      {"s", 1000},
      {"m", 60 * 1000},
      {"h", 60 * 60 * 1000},
      {"d", 24 * 60 * 60 * 1000},
  }};
  auto error = [&](std::string_view why) {
    return base::InvalidArgumentError(
        "expected a duration such as \"30s\" (an integer and one of ms, s, m, h, d), found " +
        Quote(text) + std::string(why));
  };
  std::uint64_t number = 0;
  std::string_view unit;
  if (!SplitNumber(text, &number, &unit)) return error("");
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (number > kMax / factor) return error(" (too large)");
    return std::chrono::milliseconds(static_cast<std::int64_t>(number * factor));
  }
  return error("");
}

std::string FormatDuration(std::chrono::milliseconds d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  static constexpr std::array<std::pair<std::int64_t, const char*>, 4> kUnits{{
      {24LL * 60 * 60 * 1000, "d"},
      {60LL * 60 * 1000, "h"},
      {60LL * 1000, "m"},
      {1000, "s"},
  }};
  for (const auto& [factor, name] : kUnits) {
    if (ms % factor == 0) return std::to_string(ms / factor) + name;
  }
  return std::to_string(ms) + "ms";
}

base::Result<std::uint64_t> ParseByteSize(std::string_view text) {
  static constexpr std::uint64_t kKi = 1024;
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 10> kUnits{{
      {"", 1},
      {"B", 1},
      {"KiB", kKi},
      {"MiB", kKi * kKi},
      {"GiB", kKi * kKi * kKi},
      {"TiB", kKi * kKi * kKi * kKi},
      {"kB", 1000},
      {"MB", 1000 * 1000},
      {"GB", 1000 * 1000 * 1000},
      {"TB", 1000ULL * 1000 * 1000 * 1000},
  }};
  auto error = [&](std::string_view why) {
    return base::InvalidArgumentError(
        "expected a size such as \"64MiB\" (an integer and one of B, KiB, MiB, GiB, TiB, kB, "
        "MB, GB, TB), found " +
        Quote(text) + std::string(why));
  };
  std::uint64_t number = 0;
  std::string_view unit;
  if (!SplitNumber(text, &number, &unit)) return error("");
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    if (number > std::numeric_limits<std::uint64_t>::max() / factor) return error(" (too large)");
    return number * factor;
  }
  return error("");
}

}  // namespace tablestore::config
