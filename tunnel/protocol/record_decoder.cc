// Tunnel records → row changes (docs/tunnel-protocol.md §9.1).

#include "tunnel/protocol/record_decoder.h"

#include <climits>
#include <string>

#include "tunnel/protocol/plain_buffer.h"

namespace tablestore::tunnel {
namespace {

using base::Cell;
using base::CellOp;
using base::RowChange;
using base::Status;

[[gnu::cold, gnu::noinline]] Status RecordError(int index, const std::string& what) {
  return base::DataLossError("record " + std::to_string(index) + ": " + what);
}

[[gnu::cold, gnu::noinline]] Status CellRuleError(int index, size_t cell_index, const Cell& c,
                                                  const char* rule) {
  return RecordError(index, "cell " + std::to_string(cell_index) + " '" + c.name + "' (" +
                                std::string(base::CellOpName(c.op)) + ") " + rule);
}

// A cell's shape: bit 0 value, bit 1 timestamp, bits 2.. the op.
constexpr unsigned Shape(CellOp op, bool value, bool timestamp) {
  return (value ? 1u : 0u) | (timestamp ? 2u : 0u) | static_cast<unsigned>(op) << 2;
}
inline unsigned CellShape(const Cell& c) {
  return Shape(c.op, c.value.has_value(), c.timestamp.has_value());
}
// The shapes §9.1 allows, as a bit set.
constexpr uint32_t kAllowedCellShapes = 1u << Shape(CellOp::kPut, true, true) |
                                        1u << Shape(CellOp::kDeleteOneVersion, false, true) |
                                        1u << Shape(CellOp::kDeleteAllVersions, false, false);
static_assert(Shape(CellOp::kDeleteAllVersions, true, true) < 32);

[[gnu::cold, gnu::noinline]] Status BrokenCellRule(int index, size_t i, const Cell& c) {
  switch (c.op) {
    case CellOp::kPut:
      if (!c.value) return CellRuleError(index, i, c, "has no value");
      if (!c.timestamp) return CellRuleError(index, i, c, "has no timestamp");
      break;
    case CellOp::kDeleteOneVersion:
      if (c.value) return CellRuleError(index, i, c, "carries a value");
      if (!c.timestamp) return CellRuleError(index, i, c, "has no timestamp");
      break;
    case CellOp::kDeleteAllVersions:
      if (c.value) return CellRuleError(index, i, c, "carries a value");
      if (c.timestamp) return CellRuleError(index, i, c, "carries a timestamp");
      break;
  }
  return RecordError(index, "cell " + std::to_string(i) + " breaks the cell rules");
}

// §9.1: a put cell carries value and timestamp; a delete-one-version cell a timestamp and
// no value; a delete-all-versions cell neither. One bit test per cell.
Status CheckCellRules(int index, const base::Row& row) {
  const Cell* const cells = row.cells.data();
  for (size_t i = 0; i < row.cells.size(); ++i) {
    if (((kAllowedCellShapes >> CellShape(cells[i])) & 1) == 0) {
      return BrokenCellRule(index, i, cells[i]);
    }
  }
  return Status();
}

// Decodes into *change (which the caller owns and discards on error). `action` is the
// wire number of the action type; `origin` is null when the record has none.
Status DecodeInto(int action, std::string_view record, const std::string_view* origin, int index,
                  RowChange* change) {
  switch (action) {
    case pb::PUT_ROW:
      change->action = base::ActionType::kPutRow;
      break;
    case pb::UPDATE_ROW:
      change->action = base::ActionType::kUpdateRow;
      break;
    case pb::DELETE_ROW:
      change->action = base::ActionType::kDeleteRow;
      break;
    default:
      return RecordError(index, "unknown action type " + std::to_string(action));
  }
  bool all_puts = false;
  Status s = DecodePlainBufferRow(record, PlainBufferContext::kRecord, &change->row, &all_puts);
  if (!s.ok()) return s.WithContext("record " + std::to_string(index));
  if (!all_puts) TS_RETURN_IF_ERROR(CheckCellRules(index, change->row));
  // An empty origin_record is treated as absent: it carries no row to decode.
  if (origin != nullptr && !origin->empty()) {
    s = DecodePlainBufferRow(*origin, PlainBufferContext::kOriginRecord, &change->origin.emplace());
    if (!s.ok()) return s.WithContext("record " + std::to_string(index) + " origin_record");
  } else {
    change->origin.reset();
  }
  return Status();
}

Status DecodeInto(const pb::Record& record, int index, RowChange* change) {
  if (!record.has_record()) return RecordError(index, "no record bytes");
  const std::string_view origin = record.origin_record();
  return DecodeInto(record.action_type(), record.record(),
                    record.has_origin_record() ? &origin : nullptr, index, change);
}

Status DecodeInto(const RecordSpan& record, int index, RowChange* change) {
  return DecodeInto(record.action, record.record,
                    record.origin_record ? &*record.origin_record : nullptr, index, change);
}

// A slot never used before is sized like the previous row (records of a page usually
// share a shape) instead of growing its vectors cell by cell.
[[gnu::always_inline]] inline void ReserveLikePrevious(RowChange* slots, int i) {
  if (i == 0 || slots[i].row.cells.capacity() != 0) [[likely]]
    return;
  const base::Row& prev = slots[i - 1].row;
  slots[i].row.primary_key.reserve(prev.primary_key.size());
  slots[i].row.cells.reserve(prev.cells.size());
}

// Decodes records[0..size) (pb::Record messages or RecordSpans) into slots[0..size),
// which may hold earlier rows (their allocations are reused) or be new.
template <class Records>
Status DecodeIntoSlots(const Records& records, RowChange* slots) {
  for (int i = 0; i < static_cast<int>(records.size()); ++i) {
    ReserveLikePrevious(slots, i);
    TS_RETURN_IF_ERROR(DecodeInto(records[i], i, &slots[i]));
  }
  return Status();
}

// Replaces *out with the decoded records, reusing its slots; empty on error.
template <class Records>
Status DecodeReusing(const Records& records, std::vector<RowChange>* out) {
  out->resize(static_cast<size_t>(records.size()));
  Status s = DecodeIntoSlots(records, out->data());
  if (!s.ok()) out->clear();
  return s;
}

// The page scan (ScanReadRecordsResponse) reads only the canonical encoding: one-byte
// tags, lengths as shortest varints, action_type and may_more_record as one byte. Anything
// else is left to the generated parser, so the two cannot disagree on what a body means.
// Tag bytes (field number << 3 | wire type):
constexpr uint8_t kTagRecords = 1 << 3 | 2;
constexpr uint8_t kTagNextToken = 2 << 3 | 2;
constexpr uint8_t kTagMayMoreRecord = 3 << 3 | 0;
constexpr uint8_t kTagActionType = 1 << 3 | 0;
constexpr uint8_t kTagRecord = 2 << 3 | 2;
constexpr uint8_t kTagOriginRecord = 3 << 3 | 2;
constexpr uint8_t kTagLatestRecord = 7 << 3 | 2;

// Reads a length (a shortest-form varint of at most 5 bytes) and that many bytes as a span
// of the input. False on anything else, or a length beyond `end`.
[[gnu::always_inline]] inline bool ReadSpan(const uint8_t*& p, const uint8_t* end,
                                            std::string_view* out) {
  uint64_t len = 0;
  if (end - p >= 2 && p[0] < 0x80) {  // a record's row, a token: one or two length bytes
    len = p[0];
    p += 1;
  } else if (end - p >= 3 && p[1] != 0 && p[1] < 0x80) {
    len = (p[0] & 0x7fu) | uint64_t{p[1]} << 7;
    p += 2;
  } else {
    for (int i = 0;; ++i) {
      if (i == 5 || p == end) return false;
      const uint8_t b = *p++;
      len |= uint64_t{b & 0x7fu} << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0) return false;  // overlong
        break;
      }
    }
  }
  if (len > static_cast<uint64_t>(end - p)) return false;
  *out = std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
  p += len;
  return true;
}

bool ScanRecord(const uint8_t* p, const uint8_t* end, RecordSpan* out) {
  bool has_action = false, has_record = false, has_latest = false;
  out->origin_record.reset();
  // The usual record, action then row, read at once; what follows (an origin or latest
  // record) goes through the loop.
  if (end - p >= 4 && p[0] == kTagActionType && p[1] >= pb::PUT_ROW && p[1] <= pb::DELETE_ROW &&
      p[2] == kTagRecord) {
    out->action = static_cast<pb::ActionType>(p[1]);
    p += 3;
    if (!ReadSpan(p, end, &out->record)) return false;
    if (p == end) return true;
    has_action = has_record = true;
  }
  std::string_view ignored;
  while (p != end) {
    switch (*p++) {
      case kTagActionType:
        if (has_action || p == end || *p < pb::PUT_ROW || *p > pb::DELETE_ROW) return false;
        out->action = static_cast<pb::ActionType>(*p++);
        has_action = true;
        break;
      case kTagRecord:
        if (has_record || !ReadSpan(p, end, &out->record)) return false;
        has_record = true;
        break;
      case kTagOriginRecord:
        if (out->origin_record || !ReadSpan(p, end, &out->origin_record.emplace())) return false;
        break;
      case kTagLatestRecord:
        if (has_latest || !ReadSpan(p, end, &ignored)) return false;
        has_latest = true;
        break;
      default:
        return false;
    }
  }
  return has_action && has_record;
}

}  // namespace

bool ScanReadRecordsResponse(std::string_view body, ReadRecordsPageView* out) {
  if (body.size() > static_cast<size_t>(INT_MAX)) return false;  // beyond the library's limit
  const uint8_t* p = reinterpret_cast<const uint8_t*>(body.data());
  const uint8_t* const end = p + body.size();
  size_t n = 0;
  bool has_next_token = false;
  out->may_more_record.reset();
  std::string_view record;
  while (p != end) {
    switch (*p++) {
      case kTagRecords:
        if (!ReadSpan(p, end, &record)) return false;
        if (n == out->records.size()) out->records.emplace_back();
        if (!ScanRecord(reinterpret_cast<const uint8_t*>(record.data()),
                        reinterpret_cast<const uint8_t*>(record.data()) + record.size(),
                        &out->records[n++])) {
          return false;
        }
        break;
      case kTagNextToken:
        if (has_next_token || !ReadSpan(p, end, &out->next_token)) return false;
        has_next_token = true;
        break;
      case kTagMayMoreRecord:
        if (out->may_more_record || p == end || *p > 1) return false;
        out->may_more_record = *p++ == 1;
        break;
      default:
        return false;
    }
  }
  out->records.resize(n);
  return has_next_token;
}

base::Status DecodeRecordSpansReusing(const std::vector<RecordSpan>& page,
                                      std::vector<RowChange>* out) {
  return DecodeReusing(page, out);
}

base::Result<RowChange> DecodeRecord(const pb::Record& record, int index) {
  RowChange change;
  TS_RETURN_IF_ERROR(DecodeInto(record, index, &change));
  return change;
}

base::Status DecodeRecords(const pb::ReadRecordsResponse& page, std::vector<RowChange>* out) {
  const size_t start = out->size();
  out->resize(start + static_cast<size_t>(page.records_size()));
  Status s = DecodeIntoSlots(page.records(), out->data() + start);
  if (!s.ok()) out->resize(start);
  return s;
}

base::Status DecodeRecordsReusing(const pb::ReadRecordsResponse& page,
                                  std::vector<RowChange>* out) {
  return DecodeReusing(page.records(), out);
}

pb::Record EncodeRecord(const RowChange& change) {
  pb::Record record;
  switch (change.action) {
    case base::ActionType::kPutRow:
      record.set_action_type(pb::PUT_ROW);
      break;
    case base::ActionType::kUpdateRow:
      record.set_action_type(pb::UPDATE_ROW);
      break;
    case base::ActionType::kDeleteRow:
      record.set_action_type(pb::DELETE_ROW);
      break;
  }
  EncodePlainBufferRow(change.row, record.mutable_record());
  if (change.origin) EncodePlainBufferRow(*change.origin, record.mutable_origin_record());
  return record;
}

}  // namespace tablestore::tunnel
