// libFuzzer: PlainBuffer decoding never misbehaves, and what decodes round-trips.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/plain_buffer_dispatch.h"
#include "tunnel/protocol/row_json.h"

namespace {

using tablestore::base::Row;
using tablestore::base::StatusCode;
using tablestore::tunnel::PlainBufferContext;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void CheckRow(const Row& row) {
  // The JSON shapes both ways give the same row (bits for doubles, utf8_hex for strings).
  const nlohmann::json j = tablestore::tunnel::RowToJson(row);
  (void)j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto back = tablestore::tunnel::RowFromJson(j);
  Check(back.ok() && *back == row && back->checksum == row.checksum);
}

void CheckSameDecode(const tablestore::base::Result<std::vector<Row>>& a,
                     const tablestore::base::Result<std::vector<Row>>& b) {
  Check(a.ok() == b.ok());
  if (a.ok()) {
    Check(*a == *b);
  } else {
    Check(a.status().message() == b.status().message());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  namespace pb = tablestore::tunnel::plain_buffer;
  for (auto ctx : {PlainBufferContext::kRecord, PlainBufferContext::kOriginRecord,
                   PlainBufferContext::kRequest}) {
    auto rows = tablestore::tunnel::DecodePlainBuffer(bytes, ctx);
    // The table-driven and the carry-less multiply decoders agree on everything,
    // including the error message.
    CheckSameDecode(pb::DecodeRowsTable(bytes, ctx), rows);
    if (pb::ClmulAvailable()) CheckSameDecode(pb::DecodeRowsClmul(bytes, ctx), rows);
    if (!rows.ok()) {
      Check(rows.status().code() == StatusCode::kDataLoss);
      continue;
    }
    Check(!rows->empty());
    Check(ctx == PlainBufferContext::kRequest || rows->size() == 1);
    for (const Row& r : *rows) CheckRow(r);

    const std::string again = tablestore::tunnel::EncodePlainBuffer(*rows);
    auto back = tablestore::tunnel::DecodePlainBuffer(again, ctx);
    Check(back.ok() && *back == *rows);
    for (const Row& r : *back) {
      Check(r.checksum == tablestore::tunnel::RowChecksum(r));
      for (const auto& c : r.cells) Check(c.checksum == tablestore::tunnel::CellChecksum(c));
    }
    // Canonical bytes re-encode to themselves.
    Check(tablestore::tunnel::EncodePlainBuffer(*back) == again);

    if (ctx != PlainBufferContext::kRequest) {
      Row row;
      row.cells.resize(3);  // reuse path with stale content
      Check(tablestore::tunnel::DecodePlainBufferRow(bytes, ctx, &row).ok());
      Check(row == rows->front() && row.checksum == rows->front().checksum);
    }
  }
  return 0;
}
