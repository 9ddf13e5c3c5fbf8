#pragma once

// PlainBuffer codec (docs/tunnel-protocol.md §8). Pure functions; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"

namespace tablestore::tunnel {

// Where a buffer comes from; decides which strict rules apply (§8.8, testdata README).
enum class PlainBufferContext {
  kRecord,        // Record.record: exactly one row, non-empty primary key, no INF/AUTO values
  kOriginRecord,  // Record.origin_record: exactly one row, empty primary key allowed
  kRequest,       // any valid PlainBuffer: several rows, INF_MIN/INF_MAX/AUTO_INCREMENT keys
};

// Decodes `bytes`, verifying every cell and row checksum. Never reads out of bounds and
// never allocates from an unchecked length. On malformed input returns kDataLoss whose
// message names what is wrong and the byte offset, e.g.
// "PlainBuffer: cell checksum mismatch at offset 27 (stored 0x0b, computed 0x0a)".
base::Result<std::vector<base::Row>> DecodePlainBuffer(std::string_view bytes,
                                                       PlainBufferContext context);

// Decodes one row of `context` kRecord or kOriginRecord into `*row` (reusing its
// allocations). Same errors as DecodePlainBuffer.
base::Status DecodePlainBufferRow(std::string_view bytes, PlainBufferContext context,
                                  base::Row* row);

// Encodes rows behind one header. Checksums are computed (the `checksum` fields of the
// input are ignored); the sequence-info extension is written when `row.sequence` is set.
std::string EncodePlainBuffer(const std::vector<base::Row>& rows);
// Appends the encoding of a single row (header included) to `*out`.
void EncodePlainBufferRow(const base::Row& row, std::string* out);

// Cell and row checksums as the encoder computes them (§8.4, §8.5).
uint8_t CellChecksum(const base::Cell& cell);
uint8_t RowChecksum(const base::Row& row);

}  // namespace tablestore::tunnel
