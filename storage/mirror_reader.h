#pragma once

// Reads a mirrored table back in the source's terms: source column names, exact source
// types (booleans and NaN restored from the `_replicator` column) and cell versions. For
// `replicator verify`, exports and tests. Opens the file read-only: works while a writer
// runs (WAL). Thread-safe (each call has its own connection).

#include <string>
#include <string_view>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"

namespace tablestore::storage {

// Every row of `mirror_table` in primary-key order. Row::primary_key holds the key cells
// (name, value); Row::cells the attribute cells that hold a value (name, value, timestamp
// = the cell version), in registry order. A table bound but not yet created reads as no
// rows. kNotFound if the file or the table's binding does not exist; kDataLoss if a
// version blob is damaged.
base::Result<std::vector<base::Row>> ReadMirrorRows(const std::string& path,
                                                    std::string_view mirror_table);

}  // namespace tablestore::storage
