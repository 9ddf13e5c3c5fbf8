#include "tunnel/emulator/row_store.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "tunnel/protocol/row_json.h"

namespace tablestore::tunnel::emulator {
namespace {

using base::CellOp;
using base::Value;
using base::ValueType;

std::vector<StoredCell>::iterator FindCell(StoredRow* row, const std::string& name) {
  auto it = std::lower_bound(row->cells.begin(), row->cells.end(), name,
                             [](const StoredCell& c, const std::string& n) { return c.name < n; });
  return it;
}

void EraseCell(StoredRow* row, const std::string& name) {
  auto it = FindCell(row, name);
  if (it != row->cells.end() && it->name == name) row->cells.erase(it);
}

PrimaryKey KeyOf(const base::Row& row) {
  PrimaryKey key;
  key.reserve(row.primary_key.size());
  for (const base::Cell& c : row.primary_key) key.push_back(c.value.value_or(Value()));
  return key;
}

}  // namespace

int ComparePkValue(const Value& a, const Value& b) {
  if (a.type != b.type) return a.type < b.type ? -1 : 1;
  switch (a.type) {
    case ValueType::kInteger:
    case ValueType::kBoolean:
      return a.integer < b.integer ? -1 : (a.integer > b.integer ? 1 : 0);
    case ValueType::kDouble:
      return a.dbl < b.dbl ? -1 : (a.dbl > b.dbl ? 1 : 0);
    case ValueType::kString:
    case ValueType::kBinary: {
      int c = a.bytes.compare(b.bytes);  // char_traits<char>: unsigned byte order
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    default:
      return 0;
  }
}

bool PkLess::operator()(const PrimaryKey& a, const PrimaryKey& b) const {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    int c = ComparePkValue(a[i], b[i]);
    if (c != 0) return c < 0;
  }
  return a.size() < b.size();
}

void PutCell(StoredRow* row, const std::string& name, const Value& value, int64_t ts) {
  auto it = FindCell(row, name);
  if (it != row->cells.end() && it->name == name) {
    if (it->timestamp > ts) return;
    it->value = value;
    it->timestamp = ts;
    return;
  }
  row->cells.insert(it, StoredCell{name, value, ts});
}

void RowStore::Apply(base::ActionType action, const base::Row& row) {
  PrimaryKey key = KeyOf(row);
  switch (action) {
    case base::ActionType::kDeleteRow:
      rows_.erase(key);
      return;
    case base::ActionType::kPutRow: {
      StoredRow fresh;
      for (const base::Cell& c : row.cells) {
        if (c.op != CellOp::kPut) continue;  // never in a PUT_ROW we produce
        if (!c.value) continue;
        PutCell(&fresh, c.name, *c.value, c.timestamp.value_or(0));
      }
      Store(std::move(key), std::move(fresh));
      return;
    }
    case base::ActionType::kUpdateRow: {
      auto it = rows_.find(key);
      bool existed = it != rows_.end();
      StoredRow work;
      if (existed) work.cells = it->second->cells;  // not the old record: it is re-encoded
      bool has_put = false;
      for (const base::Cell& c : row.cells) {
        switch (c.op) {
          case CellOp::kPut:
            if (!c.value) break;
            has_put = true;
            PutCell(&work, c.name, *c.value, c.timestamp.value_or(0));
            break;
          case CellOp::kDeleteOneVersion: {
            auto cell = FindCell(&work, c.name);
            if (cell != work.cells.end() && cell->name == c.name && c.timestamp &&
                cell->timestamp == *c.timestamp) {
              work.cells.erase(cell);
            }
            break;
          }
          case CellOp::kDeleteAllVersions:
            EraseCell(&work, c.name);
            break;
        }
      }
      if (!existed && !has_put) return;
      Store(std::move(key), std::move(work));
      return;
    }
  }
}

void RowStore::Store(PrimaryKey key, StoredRow row) {
  if (base_records_ == BaseRecords::kEncode) {
    FillRow(key, row, &scratch_);
    row.base_record = EncodeRecordEntry(base::ActionType::kPutRow, scratch_);
  }
  rows_[std::move(key)] = std::make_shared<const StoredRow>(std::move(row));
}

void RowStore::FillRow(const PrimaryKey& key, const StoredRow& stored, base::Row* row) const {
  row->primary_key.resize(key.size());
  for (size_t i = 0; i < key.size(); ++i) {
    base::Cell& c = row->primary_key[i];
    c.name = i < pk_names_.size() ? pk_names_[i] : std::string();
    c.value = key[i];
  }
  row->cells.resize(stored.cells.size());
  for (size_t i = 0; i < stored.cells.size(); ++i) {
    const StoredCell& s = stored.cells[i];
    base::Cell& c = row->cells[i];
    c.name = s.name;
    c.value = s.value;
    c.timestamp = s.timestamp;
  }
}

base::Row RowStore::ToRow(const PrimaryKey& key, const StoredRow& stored) const {
  base::Row row;
  FillRow(key, stored, &row);
  return row;
}

std::string RowStore::ToJsonLines() const {
  std::string out;
  for (const auto& [key, stored] : rows_) {
    nlohmann::json pk = nlohmann::json::array();
    for (size_t i = 0; i < key.size(); ++i) {
      pk.push_back({{"name", i < pk_names_.size() ? pk_names_[i] : std::string()},
                    {"value", ValueToJson(key[i])}});
    }
    nlohmann::json cells = nlohmann::json::array();
    for (const StoredCell& s : stored->cells) {
      cells.push_back({{"name", s.name},
                       {"value", ValueToJson(s.value)},
                       {"timestamp", std::to_string(s.timestamp)}});
    }
    nlohmann::json line = {{"primary_key", std::move(pk)}, {"cells", std::move(cells)}};
    out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

}  // namespace tablestore::tunnel::emulator
