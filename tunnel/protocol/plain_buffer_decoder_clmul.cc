// The PlainBuffer decoder with carry-less multiply CRC (crc8_clmul.h). CMake compiles this
// file with -mpclmul on x86-64; -mpclmul only makes the PCLMULQDQ intrinsic available
// (the compiler does not use the instruction on its own), so nothing here runs it before
// ClmulAvailable() has checked the CPU. Elsewhere the file provides stubs.

#include "tunnel/protocol/plain_buffer_dispatch.h"

#if defined(__PCLMUL__)
#include "tunnel/protocol/crc8_clmul.h"
#include "tunnel/protocol/plain_buffer_decoder_impl.h"
#else
#include <cstdlib>
#endif

namespace tablestore::tunnel::plain_buffer {

#if defined(__PCLMUL__)

namespace {

struct ClmulCrc {
  [[gnu::always_inline]] static uint8_t Cell(const CellSpans& s) { return CellCrcClmul(s); }
  template <bool kHasTimestamp>
  [[gnu::always_inline]] static uint8_t PutCell(const CellSpans& s) {
    return PutCellCrcClmul<kHasTimestamp>(s);
  }
};

}  // namespace

bool ClmulAvailable() {
  __builtin_cpu_init();  // needed if this runs before libgcc's own constructor
  return __builtin_cpu_supports("pclmul");
}

base::Result<std::vector<base::Row>> DecodeRowsClmul(std::string_view bytes,
                                                     PlainBufferContext context) {
  return DecodeRowsWith<ClmulCrc>(bytes, context);
}

base::Status DecodeOneRowClmul(std::string_view bytes, PlainBufferContext context, base::Row* row,
                               bool* all_puts) {
  return DecodeOneRowWith<ClmulCrc>(bytes, context, row, all_puts);
}

uint8_t CellCrcWithClmul(const CellSpans& spans) { return ClmulCrc::Cell(spans); }

uint8_t PutCellCrcWithClmul(const CellSpans& spans) {
  return spans.timestamp != nullptr ? ClmulCrc::PutCell<true>(spans)
                                    : ClmulCrc::PutCell<false>(spans);
}

#else  // no carry-less multiply in this build

bool ClmulAvailable() { return false; }

base::Result<std::vector<base::Row>> DecodeRowsClmul(std::string_view, PlainBufferContext) {
  std::abort();  // REQUIRES: ClmulAvailable()
}

base::Status DecodeOneRowClmul(std::string_view, PlainBufferContext, base::Row*, bool*) {
  std::abort();
}

uint8_t CellCrcWithClmul(const CellSpans&) { std::abort(); }
uint8_t PutCellCrcWithClmul(const CellSpans&) { std::abort(); }

#endif

}  // namespace tablestore::tunnel::plain_buffer
