#pragma once

// The compact binary form of change-log records (docs/changelog.md "Record format"). Storage
// must not depend on the tunnel's PlainBuffer codec, so the log has its own small encoding
// of the shared row model. All integers are LEB128 varints; signed ones zigzag-encoded.
//
//   byte    0x01                      format
//   varint  n, then n names           name dictionary (varint length + bytes each)
//   varint  count                     records
//   per record:
//     byte    action                  1 PUT_ROW, 2 UPDATE_ROW, 3 DELETE_ROW
//     ROW
//   ROW:
//     varint  key cells, each: varint name index, VALUE
//     byte    flags                   bit0 delete marker, bit1 sequence info follows
//     [zigzag epoch, zigzag timestamp (µs), zigzag row_index]
//     varint  attribute cells, each:
//       varint name index
//       byte   op | has_value << 2 | has_timestamp << 3    op: 0 put, 1 delete one version,
//                                                          2 delete all versions
//       [VALUE] [zigzag timestamp (ms)]
//   VALUE: byte type (base::ValueType), then integer/boolean: zigzag; double: 8 bytes
//          little-endian bits; string/binary: varint length + bytes.
//
// Origin records and checksums are not kept (replay does not need them). Thread-safe
// (pure functions).

#include <string>
#include <string_view>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"

namespace tablestore::storage {

// Encodes records (replacing `*out`).
void EncodeChanges(const std::vector<base::RowChange>& changes, std::string* out);

// Decodes what EncodeChanges wrote. kDataLoss (naming the byte offset) if malformed.
base::Result<std::vector<base::RowChange>> DecodeChanges(std::string_view data);

// The identity of a row: its primary-key values, encoded (distinct keys, distinct bytes).
std::string EncodeKey(const base::Row& row);

}  // namespace tablestore::storage
