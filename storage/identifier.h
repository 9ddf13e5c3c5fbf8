#pragma once

// SQL identifiers that come from remote data or config (docs/design.md "Row semantics"):
// every name is validated, then ALWAYS written quoted, never pasted into SQL as is.

#include <string>
#include <string_view>

#include "tablestore/base/status.h"

namespace tablestore::storage {

// Everything the replicator adds to a mirror file starts with this (contracts.md §5).
inline constexpr std::string_view kReservedPrefix = "_replicator";
// The one column the replicator adds to each mirrored table (versions, source types).
inline constexpr std::string_view kVersionColumn = "_replicator";

// Returns kInvalidArgument for a name SQLite cannot hold: empty, or containing NUL.
// `what` names the thing in the message ("column name of table 'orders'").
base::Status ValidateIdentifier(std::string_view name, std::string_view what);

// `"name"` with every `"` doubled. REQUIRES: ValidateIdentifier(name) is OK.
std::string QuoteIdentifier(std::string_view name);

// SQLite compares identifiers case-insensitively, folding ASCII letters only. Returns the
// folded form under which SQLite would consider two names equal.
std::string FoldIdentifier(std::string_view name);

// True if `name` starts with kReservedPrefix under SQLite's case folding.
bool HasReservedPrefix(std::string_view name);

// Printable form of a name for error messages: quoted with '', control bytes escaped,
// cut after 200 bytes (names come from remote data).
std::string DisplayName(std::string_view name);

}  // namespace tablestore::storage
