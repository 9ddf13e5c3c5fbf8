// PlainBuffer decoding: the public entry points, which use the carry-less multiply
// decoder (plain_buffer_decoder_clmul.cc) when the CPU has it and the table-driven one
// otherwise. Both are plain_buffer_decoder_impl.h; they differ only in how a cell's CRC-8
// is computed, and give identical results (tested on every vector and fuzzed).

#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/plain_buffer_decoder_impl.h"
#include "tunnel/protocol/plain_buffer_dispatch.h"

namespace tablestore::tunnel {
namespace {

struct TableCrc {
  [[gnu::always_inline]] static uint8_t Cell(const plain_buffer::CellSpans& s) {
    return plain_buffer::CellCrcTable(s);
  }
  template <bool kHasTimestamp>
  [[gnu::always_inline]] static uint8_t PutCell(const plain_buffer::CellSpans& s) {
    return plain_buffer::CellCrcTable(s);
  }
};

}  // namespace

namespace plain_buffer {

base::Result<std::vector<base::Row>> DecodeRowsTable(std::string_view bytes,
                                                     PlainBufferContext context) {
  return DecodeRowsWith<TableCrc>(bytes, context);
}

base::Status DecodeOneRowTable(std::string_view bytes, PlainBufferContext context, base::Row* row,
                               bool* all_puts) {
  return DecodeOneRowWith<TableCrc>(bytes, context, row, all_puts);
}

}  // namespace plain_buffer

base::Result<std::vector<base::Row>> DecodePlainBuffer(std::string_view bytes,
                                                       PlainBufferContext context) {
  static const bool clmul = plain_buffer::ClmulAvailable();
  return clmul ? plain_buffer::DecodeRowsClmul(bytes, context)
               : DecodeRowsWith<TableCrc>(bytes, context);
}

base::Status DecodePlainBufferRow(std::string_view bytes, PlainBufferContext context,
                                  base::Row* row, bool* all_puts) {
  static const bool clmul = plain_buffer::ClmulAvailable();
  return clmul ? plain_buffer::DecodeOneRowClmul(bytes, context, row, all_puts)
               : DecodeOneRowWith<TableCrc>(bytes, context, row, all_puts);
}

}  // namespace tablestore::tunnel
