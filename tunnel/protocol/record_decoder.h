#pragma once

// From ReadRecords pages to row changes (docs/tunnel-protocol.md §9.1). Thread-safe.

#include <optional>
#include <string_view>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tunnel/protocol/tunnel.pb.h"

namespace tablestore::tunnel {

// Decodes one tunnel record: its PlainBuffer row (context kRecord), its origin_record if
// present, and the record-level rules of §9.1 (a put cell carries value and timestamp; a
// delete-one-version cell a timestamp and no value; a delete-all-versions cell neither).
// Returns kDataLoss naming the record index and the reason, e.g. "record 3: PlainBuffer:
// cell checksum mismatch at offset 27 (...)" or "record 3: cell 1 'qty' (put) has no
// timestamp". An origin_record that is present but empty is treated as absent.
base::Result<base::RowChange> DecodeRecord(const pb::Record& record, int index);

// Decodes every record of a page, appending to `*out` (the page's records in order). On
// error nothing is appended: a page is applied entirely or not at all.
base::Status DecodeRecords(const pb::ReadRecordsResponse& page, std::vector<base::RowChange>* out);

// Replaces the content of `*out` with the page's records, decoding into the RowChanges it
// already holds so their vectors and strings are reused (the fast path of a reader that
// recycles its pages: in steady state a page decodes without allocating). On error `*out`
// is empty: a page is applied entirely or not at all.
base::Status DecodeRecordsReusing(const pb::ReadRecordsResponse& page,
                                  std::vector<base::RowChange>* out);

// A ReadRecordsResponse read in place: its records are spans of the response body, which
// must outlive the view. Built by ScanReadRecordsResponse.
struct RecordSpan {
  pb::ActionType action = pb::PUT_ROW;
  std::string_view record;
  std::optional<std::string_view> origin_record;
};
struct ReadRecordsPageView {
  std::vector<RecordSpan> records;
  std::string_view next_token;
  std::optional<bool> may_more_record;
};

// Reads a ReadRecordsResponse body without copying its records, when the body has the
// plain shape every server writes: top-level fields 1 (records), 2 (next_token, required)
// and 3 (may_more_record, 0 or 1) only, each record with fields 1 (action_type, a known
// value), 2 (record), 3 (origin_record) and 7 (latest_record, skipped) only, no field twice
// except records, every required field present, valid varints and lengths. Returns false
// for anything else, leaving *out unspecified: the caller then parses with the generated
// parser, which applies the remaining proto2 rules (unknown fields, a scalar field given
// twice, unknown enum values) and reports errors. Where both accept, both yield the same
// page. `out->records` keeps its capacity across calls.
bool ScanReadRecordsResponse(std::string_view body, ReadRecordsPageView* out);

// DecodeRecordsReusing for a scanned page.
base::Status DecodeRecordSpansReusing(const std::vector<RecordSpan>& page,
                                      std::vector<base::RowChange>* out);

// Builds the wire record for a change (emulator side): encodes row and origin.
pb::Record EncodeRecord(const base::RowChange& change);

}  // namespace tablestore::tunnel
