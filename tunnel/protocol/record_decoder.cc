// Tunnel records → row changes (docs/tunnel-protocol.md §9.1).

#include "tunnel/protocol/record_decoder.h"

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

// §9.1: a put cell carries value and timestamp; a delete-one-version cell a timestamp and
// no value; a delete-all-versions cell neither.
Status CheckCellRules(int index, const base::Row& row) {
  for (size_t i = 0; i < row.cells.size(); ++i) {
    const Cell& c = row.cells[i];
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
  }
  return Status();
}

// Decodes into *change (which the caller owns and discards on error).
Status DecodeInto(const pb::Record& record, int index, RowChange* change) {
  switch (record.action_type()) {
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
      return RecordError(index, "unknown action type " + std::to_string(record.action_type()));
  }
  if (!record.has_record()) return RecordError(index, "no record bytes");
  Status s = DecodePlainBufferRow(record.record(), PlainBufferContext::kRecord, &change->row);
  if (!s.ok()) return s.WithContext("record " + std::to_string(index));
  TS_RETURN_IF_ERROR(CheckCellRules(index, change->row));
  // An empty origin_record is treated as absent: it carries no row to decode.
  if (record.has_origin_record() && !record.origin_record().empty()) {
    s = DecodePlainBufferRow(record.origin_record(), PlainBufferContext::kOriginRecord,
                             &change->origin.emplace());
    if (!s.ok()) return s.WithContext("record " + std::to_string(index) + " origin_record");
  } else {
    change->origin.reset();
  }
  return Status();
}

// Decodes the page's records into slots[0..records_size), which may hold earlier rows
// (their allocations are reused) or be new.
Status DecodeIntoSlots(const pb::ReadRecordsResponse& page, RowChange* slots) {
  for (int i = 0; i < page.records_size(); ++i) {
    RowChange& change = slots[i];
    if (i > 0 && change.row.cells.capacity() == 0) {
      // A slot never used before: size it like the previous row (records of a page usually
      // share a shape) instead of growing its vectors cell by cell.
      const base::Row& prev = slots[i - 1].row;
      change.row.primary_key.reserve(prev.primary_key.size());
      change.row.cells.reserve(prev.cells.size());
    }
    TS_RETURN_IF_ERROR(DecodeInto(page.records(i), i, &change));
  }
  return Status();
}

}  // namespace

base::Result<RowChange> DecodeRecord(const pb::Record& record, int index) {
  RowChange change;
  TS_RETURN_IF_ERROR(DecodeInto(record, index, &change));
  return change;
}

base::Status DecodeRecords(const pb::ReadRecordsResponse& page, std::vector<RowChange>* out) {
  const size_t start = out->size();
  out->resize(start + static_cast<size_t>(page.records_size()));
  Status s = DecodeIntoSlots(page, out->data() + start);
  if (!s.ok()) out->resize(start);
  return s;
}

base::Status DecodeRecordsReusing(const pb::ReadRecordsResponse& page,
                                  std::vector<RowChange>* out) {
  out->resize(static_cast<size_t>(page.records_size()));
  Status s = DecodeIntoSlots(page, out->data());
  if (!s.ok()) out->clear();
  return s;
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
