// libFuzzer: ReadRecords pages, tokens, dates and base64 from arbitrary bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tunnel/protocol/record_decoder.h"
#include "tunnel/protocol/signing.h"
#include "tunnel/protocol/token.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace tunnel = tablestore::tunnel;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  tunnel::pb::ReadRecordsResponse page;
  // Partial parse: records with missing required fields must be rejected by the decoder.
  if (page.ParsePartialFromArray(data, static_cast<int>(size))) {
    std::vector<tablestore::base::RowChange> out(2);
    const tablestore::base::Status s = tunnel::DecodeRecords(page, &out);
    if (!s.ok()) {
      Check(s.code() == tablestore::base::StatusCode::kDataLoss);
      Check(out.size() == 2);  // nothing appended
    } else {
      Check(out.size() == 2 + static_cast<size_t>(page.records_size()));
      for (size_t i = 2; i < out.size(); ++i) {
        {
          const tunnel::pb::Record wire = tunnel::EncodeRecord(out[i]);
          auto back = tunnel::DecodeRecord(wire, static_cast<int>(i));
          Check(back.ok() && back->action == out[i].action && back->row == out[i].row &&
                back->origin == out[i].origin);
        }
      }
      // Decoding into slots that held other rows (a recycled page: the fresh rows of the
      // page, reversed) gives the same rows as a fresh decode.
      std::vector<tablestore::base::RowChange> recycled(out.rbegin(), out.rend());
      Check(tunnel::DecodeRecordsReusing(page, &recycled).ok());
      Check(recycled.size() == static_cast<size_t>(page.records_size()));
      for (size_t i = 0; i < recycled.size(); ++i) {
        Check(recycled[i].action == out[i + 2].action && recycled[i].row == out[i + 2].row &&
              recycled[i].origin == out[i + 2].origin);
      }
      // The library's own serialization (without unknown fields) is canonical: the in-place
      // scan reads it, and decoding its spans gives the same rows.
      tunnel::pb::ReadRecordsResponse known = page;
      known.DiscardUnknownFields();
      if (known.IsInitialized()) {
        const std::string body = known.SerializeAsString();
        tunnel::ReadRecordsPageView view;
        Check(tunnel::ScanReadRecordsResponse(body, &view));
        Check(view.next_token == known.next_token());
        Check(tunnel::DecodeRecordSpansReusing(view.records, &recycled).ok());
        Check(recycled.size() == static_cast<size_t>(page.records_size()));
        for (size_t i = 0; i < recycled.size(); ++i) {
          Check(recycled[i].action == out[i + 2].action && recycled[i].row == out[i + 2].row &&
                recycled[i].origin == out[i + 2].origin);
        }
      }
    }
  }

  auto token = tunnel::DecodeToken(bytes);
  if (token.ok()) {
    Check(tunnel::IsStreamToken(bytes) == !token->iterator().empty());
  } else {
    Check(!tunnel::IsStreamToken(bytes));
  }
  auto decoded = tunnel::Base64Decode(bytes);
  if (decoded.ok()) Check(tunnel::Base64Encode(*decoded) == bytes);  // strict: canonical only
  auto date = tunnel::ParseOtsDate(bytes);
  if (date.ok()) {
    auto again = tunnel::ParseOtsDate(tunnel::FormatOtsDate(*date));
    Check(again.ok() && *again == *date);
  }
  (void)tunnel::ContentMd5(bytes);
  return 0;
}
