#pragma once

// Loads and validates the replicator's TOML configuration (docs/configuration.md).
//
// Every check happens here, before any credential or network is touched: unknown keys at
// any level, types, ranges, enum values, durations, sizes, required keys and cross-field
// rules. Errors are kInvalidArgument, the first problem found, in the form
//   "replicator.toml:12: sqlite.synchronous: expected one of "off", "normal", "full",
//    found "fast""
// (file, line when known, key path, what was expected, what was found). Values of secret
// keys (and of any string whose type is wrong) are never echoed. Thread-safe.

#include <string>
#include <string_view>

#include "tablestore/config/replicator_config.h"
#include "tablestore/base/result.h"

namespace tablestore::config {

// Parses `toml_text`. `file_name_for_messages` prefixes every error and also locates the
// file: relative paths in the config are resolved against its directory (made absolute
// with the current directory when the name itself is relative), so pass the real path
// when there is one.
base::Result<ReplicatorConfig> ParseConfig(std::string_view toml_text,
                                           std::string_view file_name_for_messages);

// Reads `path` and calls ParseConfig(contents, path). An unreadable file is
// kInvalidArgument ("replicator.toml: cannot read the file: No such file or directory").
base::Result<ReplicatorConfig> LoadConfigFile(const std::string& path);

}  // namespace tablestore::config
