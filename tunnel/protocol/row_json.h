#pragma once

// The ROW / CELL / VALUE JSON shapes of ../shared/testdata/README.md, used by
// `replicator inspect`, the emulator's control API and tests. Thread-safe.

#include <nlohmann/json.hpp>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"

namespace tablestore::tunnel {

// Full form: every field (checksums, `value` beside `bits`, `utf8_hex`; a string that is
// not valid UTF-8 gets "value": null).
nlohmann::json ValueToJson(const base::Value& v);
nlohmann::json CellToJson(const base::Cell& c);
nlohmann::json RowToJson(const base::Row& r);

// Lenient input form (contracts.md §3): absent fields mean null/default; a string may omit
// utf8_hex; a double may give only `bits` or only `value`. kInvalidArgument naming the
// field on bad input.
base::Result<base::Value> ValueFromJson(const nlohmann::json& j);
base::Result<base::Cell> CellFromJson(const nlohmann::json& j);
base::Result<base::Row> RowFromJson(const nlohmann::json& j);

}  // namespace tablestore::tunnel
