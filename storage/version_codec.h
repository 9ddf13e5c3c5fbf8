#pragma once

// The `_replicator` column of a mirrored row: the versions (cell timestamps, ms) and the
// source types SQLite cannot show, for the row's attribute columns, in one small blob.
// Format (docs/storage.md "The version column"), all integers LEB128 varints, signed ones
// zigzag-encoded:
//   byte    0x01                       format
//   varint  n                          bitmap length in bits (= highest present ordinal + 1)
//   bytes   ceil(n/8)                  bit i (LSB first) set: attribute ordinal i has a value
//   zigzag  T                          the row timestamp: the most common version
//   entries until the end, only for present cells that differ from the default:
//     varint  ordinal << 3 | has_ts << 2 | tag    tag: 0 plain, 1 boolean, 2 NaN double
//     zigzag  version - T                          only when has_ts
// A row with no attribute value stores NULL instead of a blob. A typical row (all cells
// written together, one boolean) costs 10 bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tablestore/base/status.h"

namespace tablestore::storage {

// What SQLite's typeof() cannot tell about a stored value.
enum class ValueTag : uint8_t {
  kPlain = 0,    // the storage class is the source type (integer, real, text, blob)
  kBoolean = 1,  // integer 0/1 that was a BOOLEAN at the source
  kNaN = 2,      // a DOUBLE NaN; SQLite stores NULL (the payload is not kept)
};

// Version state of one attribute cell of a row.
struct CellVersion {
  bool present = false;  // the column holds a value (and so a version)
  ValueTag tag = ValueTag::kPlain;
  int64_t timestamp = 0;
};

// Encoder/decoder of the `_replicator` blob. Thread-compatible (keeps scratch buffers).
class VersionCodec {
 public:
  // Appends the encoding of `cells` (indexed by attribute ordinal) to `*out` after
  // clearing it. Leaves `*out` empty when no cell is present (store NULL then).
  void Encode(const std::vector<CellVersion>& cells, std::string* out);

  // Decodes `data` into `*cells`, which is resized to `column_count` with every cell absent
  // first. Returns kDataLoss if the blob is malformed or names an ordinal >= column_count.
  static base::Status Decode(const void* data, size_t size, size_t column_count,
                             std::vector<CellVersion>* cells);

 private:
  std::vector<int64_t> scratch_;
};

}  // namespace tablestore::storage
