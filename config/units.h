#pragma once

// Durations and byte sizes as they are written in the configuration ("30s", "64MiB").
// Pure functions, no I/O. Thread-safe.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "tablestore/base/result.h"

namespace tablestore::config {

// Parses an integer followed by one unit: "ms", "s", "m", "h" or "d" ("500ms", "30s",
// "5m", "1h", "7d"), the same syntax as the emulator's /admin/clock. No sign, spaces,
// fractions or compound forms ("1h30m"). Returns kInvalidArgument whose message starts
// with "expected a duration" and quotes the input; the caller adds the key as context.
// Values beyond int64 milliseconds are rejected.
base::Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The shortest exact spelling in the syntax above: 0 -> "0s", 1500ms -> "1500ms",
// 90s -> "90s", 3600s -> "1h". REQUIRES: d >= 0.
std::string FormatDuration(std::chrono::milliseconds d);

// Parses an integer followed by an optional unit: "B" (or none), "KiB", "MiB", "GiB",
// "TiB" (powers of 1024) or "kB", "MB", "GB", "TB" (powers of 1000): "64MiB", "1GB",
// "4096". Units are case-sensitive; no spaces or fractions. Returns kInvalidArgument
// whose message starts with "expected a size" and quotes the input. Rejects overflow.
base::Result<std::uint64_t> ParseByteSize(std::string_view text);

}  // namespace tablestore::config
