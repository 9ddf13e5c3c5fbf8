#pragma once

// Process-wide logging setup through spdlog (docs/contracts.md §2: logs go to stderr or a
// file; stdout carries only a command's output).

#include "tablestore/config/replicator_config.h"
#include "tablestore/base/status.h"

namespace tablestore::replicator {

// Human format by default ("2026-11-25 18:00:00.123 info  message"), or JSON lines
// ({"ts":..., "level":..., "msg":...}). Returns kInvalidArgument if the file cannot be
// opened. Not thread-safe: call once at startup.
base::Status SetupLogging(const config::LoggingConfig& logging);

}  // namespace tablestore::replicator
