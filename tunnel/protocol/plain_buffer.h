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
// Rejected (§8.8): a wrong header; a header without a row; truncation; any length beyond
// the remaining bytes; a value_len, string/blob length or sequence-info length that
// disagrees with the bytes present; unknown tags where a known one is required; unknown or
// reserved (NULL) value types and types not allowed in that position (DOUBLE/BOOLEAN in a
// key, INF_MIN/INF_MAX/AUTO_INCREMENT outside a kRequest key); unknown cell types (INCREMENT
// included); a timestamp or cell type on a key cell; a missing cell or row checksum; a
// checksum mismatch; an extension whose items do not fill ext_len exactly, or with two
// sequence infos; trailing bytes; more than one row outside kRequest; an empty primary key
// in kRecord. Unknown extension items are skipped; an empty TAG_ROW_DATA section and any
// non-zero BOOLEAN byte (true) are accepted, as the official Java decoder does.
base::Result<std::vector<base::Row>> DecodePlainBuffer(std::string_view bytes,
                                                       PlainBufferContext context);

// Decodes exactly one row into `*row`, reusing its vectors and strings (the fast path for
// tunnel records). Same rules and errors as DecodePlainBuffer (with kRequest: one row, the
// request value rules). On error `*row` holds unspecified partial content. When `all_puts`
// is given, it is set on success: true means every attribute cell is a put cell with a
// value and a timestamp (so §9.1's cell rules hold); false means they may not (it is
// false for some rows whose cells are all such puts, in unusual encodings).
base::Status DecodePlainBufferRow(std::string_view bytes, PlainBufferContext context,
                                  base::Row* row, bool* all_puts = nullptr);

// Encodes rows behind one header. Checksums are computed (the `checksum` fields of the
// input are ignored); the sequence-info extension is written when `row.sequence` is set.
// Cells are written exactly as given (a key cell with a timestamp is written, and will not
// decode); the output decodes back to equal rows when the input is valid for its context.
std::string EncodePlainBuffer(const std::vector<base::Row>& rows);
// Appends the encoding of a single row (header included) to `*out`.
void EncodePlainBufferRow(const base::Row& row, std::string* out);

// Cell and row checksums as the encoder computes them (§8.4, §8.5).
uint8_t CellChecksum(const base::Cell& cell);
uint8_t RowChecksum(const base::Row& row);

}  // namespace tablestore::tunnel
