#pragma once

// The two builds of the PlainBuffer decoder (plain_buffer_decoder_impl.h): with CRC tables
// (any CPU) and with carry-less multiplication (x86-64 with PCLMULQDQ). DecodePlainBuffer
// and DecodePlainBufferRow pick one; these are the two by name, for tests and benchmarks.
// Thread-safe.

#include <string_view>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/plain_buffer_internal.h"

namespace tablestore::tunnel::plain_buffer {

base::Result<std::vector<base::Row>> DecodeRowsTable(std::string_view bytes,
                                                     PlainBufferContext context);
base::Status DecodeOneRowTable(std::string_view bytes, PlainBufferContext context, base::Row* row,
                               bool* all_puts = nullptr);

// True when this build has the carry-less multiply decoder (x86-64) and the CPU can run it.
bool ClmulAvailable();
// REQUIRES: ClmulAvailable().
base::Result<std::vector<base::Row>> DecodeRowsClmul(std::string_view bytes,
                                                     PlainBufferContext context);
base::Status DecodeOneRowClmul(std::string_view bytes, PlainBufferContext context, base::Row* row,
                               bool* all_puts = nullptr);
// CellCrcClmul out of line.
uint8_t CellCrcWithClmul(const CellSpans& spans);
// PutCellCrcClmul out of line, the variant chosen by whether spans.timestamp is set.
// REQUIRES: spans.cell_type < 0.
uint8_t PutCellCrcWithClmul(const CellSpans& spans);

}  // namespace tablestore::tunnel::plain_buffer
