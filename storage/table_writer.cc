#include "storage/table_writer.h"

#include <sqlite3.h>

#include <cmath>
#include <cstring>

#include "storage/identifier.h"

namespace tablestore::storage {

namespace {

constexpr size_t kMaxUpdateStatements = 256;  // distinct changed-column sets cached

bool ParseKeyType(std::string_view name, base::ValueType* type) {
  for (base::ValueType t :
       {base::ValueType::kInteger, base::ValueType::kString, base::ValueType::kBinary}) {
    if (base::ValueTypeName(t) == name) {
      *type = t;
      return true;
    }
  }
  return false;
}

bool IsKeyType(base::ValueType type) {
  return type == base::ValueType::kInteger || type == base::ValueType::kString ||
         type == base::ValueType::kBinary;
}

uint32_t TypeBit(base::ValueType type) { return 1u << static_cast<unsigned>(type); }

uint32_t MaskOf(std::string_view types) {
  uint32_t mask = 0;
  while (!types.empty()) {
    size_t comma = types.find(',');
    std::string_view one = types.substr(0, comma);
    for (int t = 0; t <= static_cast<int>(base::ValueType::kAutoIncrement); ++t) {
      if (base::ValueTypeName(static_cast<base::ValueType>(t)) == one) {
        mask |= 1u << t;
      }
    }
    types = comma == std::string_view::npos ? std::string_view() : types.substr(comma + 1);
  }
  return mask;
}

std::string ColumnText(sqlite3_stmt* stmt, int i) {
  const unsigned char* text = sqlite3_column_text(stmt, i);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<size_t>(sqlite3_column_bytes(stmt, i)))
              : std::string();
}

}  // namespace

TableWriter::TableWriter(sqlite3* db, std::string mirror_table, ColumnOptions options)
    : db_(db),
      table_(std::move(mirror_table)),
      quoted_table_(QuoteIdentifier(table_)),
      options_(std::move(options)) {
  include_.insert(options_.include.begin(), options_.include.end());
  exclude_.insert(options_.exclude.begin(), options_.exclude.end());
  for (const auto& [from, to] : options_.rename) rename_[from] = to;
}

base::Result<std::unique_ptr<TableWriter>> TableWriter::Load(sqlite3* db, std::string mirror_table,
                                                             ColumnOptions options) {
  std::unique_ptr<TableWriter> writer(
      new TableWriter(db, std::move(mirror_table), std::move(options)));
  TS_RETURN_IF_ERROR(writer->LoadRegistry());
  return writer;
}

base::Status TableWriter::Fail(int rc, const char* what) {
  return SqliteStatus(rc, db_, "table " + DisplayName(table_) + ": " + what);
}

base::Status TableWriter::LoadRegistry() {
  TS_ASSIGN_OR_RETURN(Stmt exists, Prepare(db_,
                                           "SELECT count(*) FROM sqlite_schema WHERE "
                                           "type = 'table' AND name = ?1"));
  sqlite3_bind_text(exists.get(), 1, table_.data(), static_cast<int>(table_.size()), SQLITE_STATIC);
  int rc = sqlite3_step(exists.get());
  if (rc != SQLITE_ROW) return Fail(rc, "checking the table");
  created_ = sqlite3_column_int(exists.get(), 0) > 0;

  TS_ASSIGN_OR_RETURN(Stmt registry,
                      Prepare(db_,
                              "SELECT kind, position, mirror_column, source_column, types "
                              "FROM _replicator_columns WHERE mirror_table = ?1 "
                              "ORDER BY kind DESC, position"));
  sqlite3_bind_text(registry.get(), 1, table_.data(), static_cast<int>(table_.size()),
                    SQLITE_STATIC);
  used_names_.insert(std::string(kVersionColumn));
  while ((rc = sqlite3_step(registry.get())) == SQLITE_ROW) {
    std::string kind = ColumnText(registry.get(), 0);
    int64_t position = sqlite3_column_int64(registry.get(), 1);
    std::string mirror = ColumnText(registry.get(), 2);
    std::string source = ColumnText(registry.get(), 3);
    std::string types = ColumnText(registry.get(), 4);
    auto damaged = [&](const std::string& why) {
      return base::FailedPreconditionError("mirror metadata is damaged: column registry of table " +
                                           DisplayName(table_) + ": " + why +
                                           "; run `replicator resync --table " + table_ + "`");
    };
    if (kind == "primary_key") {
      base::ValueType type;
      if (position != static_cast<int64_t>(key_.size()) || !ParseKeyType(types, &type)) {
        return damaged("bad primary-key entry " + DisplayName(source));
      }
      key_.push_back(KeyCol{mirror, source, type});
    } else if (kind == "attribute") {
      if (position != static_cast<int64_t>(attrs_.size())) {
        return damaged("attribute ordinals are not contiguous");
      }
      attr_by_source_[source] = static_cast<int>(attrs_.size());
      AttrCol col;
      col.quoted = QuoteIdentifier(mirror);
      col.mirror_name = std::move(mirror);
      col.source_name = std::move(source);
      col.type_mask = MaskOf(types);
      col.types = std::move(types);
      attrs_.push_back(std::move(col));
    } else {
      return damaged("unknown kind " + DisplayName(kind));
    }
    used_names_.insert(FoldIdentifier(kind == "primary_key" ? key_.back().mirror_name
                                                            : attrs_.back().mirror_name));
  }
  if (rc != SQLITE_DONE) return Fail(rc, "reading the column registry");
  if (created_ && key_.empty()) {
    return base::FailedPreconditionError(
        "a table named " + DisplayName(table_) +
        " exists in the mirror file but is not managed by the replicator; choose another "
        "target table name or remove that table");
  }
  if (!created_ && !key_.empty()) {
    return base::FailedPreconditionError("mirrored table " + DisplayName(table_) +
                                         " is missing from the file but its metadata exists; "
                                         "run `replicator resync --table " +
                                         table_ + "`");
  }
  return base::Status::Ok();
}

std::string TableWriter::ChooseName(const std::string& source_name, std::string* reason,
                                    const WriteContext& ctx) {
  std::string name;
  auto renamed = rename_.find(source_name);
  if (renamed != rename_.end()) {
    name = renamed->second;
    *reason = "config";
  } else {
    name = source_name;
    if (HasReservedPrefix(name)) {
      name = "src" + name;
      *reason = "reserved_prefix";
    }
  }
  if (used_names_.count(FoldIdentifier(name)) != 0) {
    std::string base_name = name;
    for (int n = 2;; ++n) {
      name = base_name + "_" + std::to_string(n);
      if (used_names_.count(FoldIdentifier(name)) == 0) break;
    }
    *reason = "case_collision";
  }
  used_names_.insert(FoldIdentifier(name));
  if (ctx.warnings != nullptr && !reason->empty() && *reason != "config") {
    ctx.warnings->push_back("table " + DisplayName(table_) + ": source column " +
                            DisplayName(source_name) + " is stored as column " + DisplayName(name) +
                            " (" + *reason + ")");
  }
  return name;
}

base::Status TableWriter::InsertRegistry(const char* kind, int position,
                                         const std::string& mirror_name,
                                         const std::string& source_name, const std::string& types,
                                         const std::string& reason, const WriteContext& ctx) {
  TS_ASSIGN_OR_RETURN(
      Stmt insert,
      Prepare(db_,
              "INSERT INTO _replicator_columns (mirror_table, kind, position, "
              "mirror_column, source_column, types, rename_reason, first_seen_at, "
              "first_seen_run, types_changed_run) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?9)"));
  sqlite3_stmt* s = insert.get();
  sqlite3_bind_text(s, 1, table_.data(), static_cast<int>(table_.size()), SQLITE_STATIC);
  sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
  sqlite3_bind_int(s, 3, position);
  sqlite3_bind_text(s, 4, mirror_name.data(), static_cast<int>(mirror_name.size()), SQLITE_STATIC);
  sqlite3_bind_text(s, 5, source_name.data(), static_cast<int>(source_name.size()), SQLITE_STATIC);
  sqlite3_bind_text(s, 6, types.data(), static_cast<int>(types.size()), SQLITE_STATIC);
  if (reason.empty()) {
    sqlite3_bind_null(s, 7);
  } else {
    sqlite3_bind_text(s, 7, reason.data(), static_cast<int>(reason.size()), SQLITE_STATIC);
  }
  sqlite3_bind_int64(s, 8, ctx.now_ms);
  sqlite3_bind_int64(s, 9, ctx.run_id);
  return StepDone(
      db_, s, "table " + DisplayName(table_) + ": recording column " + DisplayName(source_name));
}

base::Status TableWriter::CreateTable(const std::vector<KeyColumn>& key, const WriteContext& ctx) {
  if (key.empty()) {
    return base::InvalidArgumentError("table " + DisplayName(table_) +
                                      ": a primary key needs at least one column");
  }
  std::vector<KeyCol> cols;
  std::vector<std::string> reasons;
  std::string sql = "CREATE TABLE " + quoted_table_ + " (";
  std::string pk;
  for (const KeyColumn& k : key) {
    TS_RETURN_IF_ERROR(
        ValidateIdentifier(k.name, "primary-key column name of table " + DisplayName(table_)));
    if (!IsKeyType(k.type)) {
      return base::InvalidArgumentError("table " + DisplayName(table_) + ": primary-key column " +
                                        DisplayName(k.name) + " has type " +
                                        std::string(base::ValueTypeName(k.type)) +
                                        " (only integer, string and binary are key types)");
    }
    for (const KeyCol& other : cols) {
      if (other.source_name == k.name) {
        return base::InvalidArgumentError("table " + DisplayName(table_) + ": primary-key column " +
                                          DisplayName(k.name) + " appears twice");
      }
    }
    std::string reason;
    std::string name = ChooseName(k.name, &reason, ctx);
    std::string quoted = QuoteIdentifier(name);
    // No declared type: the column has no affinity and stores every value as given.
    sql += quoted + ", ";
    if (!pk.empty()) pk += ", ";
    pk += quoted;
    cols.push_back(KeyCol{name, k.name, k.type});
    reasons.push_back(reason);
  }
  sql += QuoteIdentifier(kVersionColumn) + ", PRIMARY KEY (" + pk + ")) WITHOUT ROWID";
  base::Status status = Exec(db_, sql);
  if (!status.ok()) return status.WithContext("creating table " + DisplayName(table_));
  for (size_t i = 0; i < cols.size(); ++i) {
    TS_RETURN_IF_ERROR(
        InsertRegistry("primary_key", static_cast<int>(i), cols[i].mirror_name, cols[i].source_name,
                       std::string(base::ValueTypeName(cols[i].type)), reasons[i], ctx));
  }
  key_ = std::move(cols);
  created_ = true;
  if (options_.fixed) {
    for (const std::string& name : options_.include) {
      if (attr_by_source_.count(name) != 0 || exclude_.count(name) != 0) continue;
      TS_RETURN_IF_ERROR(ValidateIdentifier(name, "column name of table " + DisplayName(table_)));
      TS_RETURN_IF_ERROR(AddColumn(name, ctx).status());
    }
  }
  return base::Status::Ok();
}

base::Status TableWriter::EnsureKey(const std::vector<KeyColumn>& key, const WriteContext& ctx) {
  if (!created_) return CreateTable(key, ctx);
  bool same = key.size() == key_.size();
  for (size_t i = 0; same && i < key.size(); ++i) {
    same = key[i].name == key_[i].source_name && key[i].type == key_[i].type;
  }
  if (same) return base::Status::Ok();
  std::string have;
  for (const KeyCol& k : key_) {
    have += (have.empty() ? "" : ", ") + DisplayName(k.source_name) + " " +
            std::string(base::ValueTypeName(k.type));
  }
  return base::FailedPreconditionError(
      "table " + DisplayName(table_) + " has primary key (" + have +
      ") which differs from the configured one; fix the configuration or run "
      "`replicator resync --table " +
      table_ + "`");
}

base::Status TableWriter::CheckRecordKey(const base::Row& row, const WriteContext& ctx) {
  if (!created_) {
    std::vector<KeyColumn> key;
    for (const base::Cell& cell : row.primary_key) {
      if (!cell.value) {
        return base::InvalidArgumentError("table " + DisplayName(table_) + ": primary-key cell " +
                                          DisplayName(cell.name) + " has no value");
      }
      key.push_back(KeyColumn{cell.name, cell.value->type});
    }
    TS_RETURN_IF_ERROR(CreateTable(key, ctx));
  }
  bool ok = row.primary_key.size() == key_.size();
  for (size_t i = 0; ok && i < key_.size(); ++i) {
    const base::Cell& cell = row.primary_key[i];
    ok = cell.value.has_value() && cell.value->type == key_[i].type &&
         cell.name == key_[i].source_name;
  }
  if (ok) return base::Status::Ok();
  std::string have, got;
  for (const KeyCol& k : key_) {
    have += (have.empty() ? "" : ", ") + DisplayName(k.source_name) + " " +
            std::string(base::ValueTypeName(k.type));
  }
  for (const base::Cell& c : row.primary_key) {
    got += (got.empty() ? "" : ", ") + DisplayName(c.name) + " " +
           (c.value ? std::string(base::ValueTypeName(c.value->type)) : "(no value)");
  }
  return base::InvalidArgumentError("table " + DisplayName(table_) + ": record primary key (" +
                                    got + ") does not match the table's (" + have + ")");
}

base::Result<int> TableWriter::AddColumn(const std::string& source_name, const WriteContext& ctx) {
  std::string reason;
  std::string name = ChooseName(source_name, &reason, ctx);
  AttrCol col;
  col.mirror_name = name;
  col.source_name = source_name;
  col.quoted = QuoteIdentifier(name);
  base::Status status = Exec(db_, "ALTER TABLE " + quoted_table_ + " ADD COLUMN " + col.quoted);
  if (!status.ok()) {
    return status.WithContext("table " + DisplayName(table_) + ": adding column " +
                              DisplayName(name));
  }
  int ordinal = static_cast<int>(attrs_.size());
  TS_RETURN_IF_ERROR(InsertRegistry("attribute", ordinal, name, source_name, "", reason, ctx));
  attrs_.push_back(std::move(col));
  attr_by_source_[source_name] = ordinal;
  return ordinal;
}

base::Result<int> TableWriter::Resolve(const std::string& source_name, const WriteContext& ctx) {
  auto it = attr_by_source_.find(source_name);
  if (it != attr_by_source_.end()) return it->second;
  TS_RETURN_IF_ERROR(
      ValidateIdentifier(source_name, "column name in table " + DisplayName(table_)));
  bool wanted = !options_.fixed && exclude_.count(source_name) == 0 &&
                (include_.empty() || include_.count(source_name) != 0);
  if (!wanted) {
    attr_by_source_.emplace(source_name, -1);
    return -1;
  }
  return AddColumn(source_name, ctx);
}

void TableWriter::ApplyCell(const base::Cell& cell, int ordinal) {
  CellVersion& held = cells_[ordinal];
  switch (cell.op) {
    case base::CellOp::kPut: {
      if (!cell.value) return;  // malformed put: nothing to store
      // Put-if-not-older: an equal timestamp overwrites (so within one record the greatest
      // timestamp wins and a tie goes to the later cell). A put without timestamp always
      // applies and is stored with version 0.
      if (cell.timestamp && held.present && held.timestamp > *cell.timestamp) return;
      const base::Value& v = *cell.value;
      held.present = true;
      held.timestamp = cell.timestamp.value_or(0);
      held.tag = v.type == base::ValueType::kBoolean                         ? ValueTag::kBoolean
                 : (v.type == base::ValueType::kDouble && std::isnan(v.dbl)) ? ValueTag::kNaN
                                                                             : ValueTag::kPlain;
      values_[ordinal] = &v;
      dirty_[ordinal] = 1;
      return;
    }
    case base::CellOp::kDeleteAllVersions:
      if (!held.present) return;
      break;
    case base::CellOp::kDeleteOneVersion:
      if (!held.present || !cell.timestamp || *cell.timestamp != held.timestamp) return;
      break;
  }
  held = CellVersion{};
  values_[ordinal] = nullptr;
  dirty_[ordinal] = 1;
}

base::Status TableWriter::NoteTypes(const WriteContext& ctx) {
  for (size_t i = 0; i < values_.size(); ++i) {
    if (!dirty_[i] || values_[i] == nullptr) continue;
    AttrCol& col = attrs_[i];
    base::ValueType type = values_[i]->type;
    if (col.type_mask & TypeBit(type)) continue;
    col.type_mask |= TypeBit(type);
    if (!col.types.empty()) col.types += ',';
    col.types += base::ValueTypeName(type);
    if (!types_stmt_) {
      TS_ASSIGN_OR_RETURN(
          types_stmt_, Prepare(db_,
                               "UPDATE _replicator_columns SET types = ?1, types_changed_run = "
                               "CASE WHEN types = '' THEN types_changed_run ELSE ?2 END "
                               "WHERE mirror_table = ?3 AND kind = 'attribute' AND position = ?4"));
    }
    sqlite3_stmt* s = types_stmt_.get();
    sqlite3_bind_text(s, 1, col.types.data(), static_cast<int>(col.types.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, ctx.run_id);
    sqlite3_bind_text(s, 3, table_.data(), static_cast<int>(table_.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, static_cast<int64_t>(i));
    TS_RETURN_IF_ERROR(
        StepDone(db_, s, "table " + DisplayName(table_) + ": recording a column type"));
  }
  return base::Status::Ok();
}

std::string TableWriter::KeyWhere() const {
  std::string where;
  for (size_t i = 0; i < key_.size(); ++i) {
    if (i > 0) where += " AND ";
    where += QuoteIdentifier(key_[i].mirror_name) + " = ?";
  }
  return where;
}

int TableWriter::BindKey(sqlite3_stmt* stmt, const base::Row& row) {
  // REQUIRES: CheckRecordKey(row) is OK. Key parameters are the first ones.
  for (size_t i = 0; i < key_.size(); ++i) {
    int rc = BindValue(stmt, static_cast<int>(i) + 1, *row.primary_key[i].value);
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

base::Result<sqlite3_stmt*> TableWriter::PutStmt() {
  if (!put_stmt_ || put_stmt_attrs_ != attrs_.size()) {
    std::string cols, params;
    int n = 0;
    auto add = [&](const std::string& quoted) {
      if (n++ > 0) {
        cols += ", ";
        params += ", ";
      }
      cols += quoted;
      params += "?";
    };
    for (const KeyCol& k : key_) add(QuoteIdentifier(k.mirror_name));
    for (const AttrCol& a : attrs_) add(a.quoted);
    add(QuoteIdentifier(kVersionColumn));
    TS_ASSIGN_OR_RETURN(put_stmt_, Prepare(db_, "INSERT OR REPLACE INTO " + quoted_table_ + " (" +
                                                    cols + ") VALUES (" + params + ")"));
    put_stmt_attrs_ = attrs_.size();
  }
  return put_stmt_.get();
}

base::Status TableWriter::WriteFullRow(const base::Row& row) {
  TS_ASSIGN_OR_RETURN(sqlite3_stmt * s, PutStmt());
  return BindAndStep(s, row, /*only_dirty=*/false, "writing a row");
}

base::Status TableWriter::BindAndStep(sqlite3_stmt* s, const base::Row& row, bool only_dirty,
                                      const char* what) {
  int rc = BindKey(s, row);
  int index = static_cast<int>(key_.size());
  for (size_t i = 0; rc == SQLITE_OK && i < attrs_.size(); ++i) {
    if (only_dirty && !dirty_[i]) continue;
    ++index;
    rc = values_[i] ? BindValue(s, index, *values_[i]) : sqlite3_bind_null(s, index);
  }
  if (rc == SQLITE_OK) {
    ++index;
    rc = blob_.empty() ? sqlite3_bind_null(s, index)
                       : sqlite3_bind_blob(s, index, blob_.data(), static_cast<int>(blob_.size()),
                                           SQLITE_STATIC);
  }
  if (rc != SQLITE_OK) {
    sqlite3_clear_bindings(s);
    return Fail(rc, (std::string("binding for ") + what).c_str());
  }
  rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) return Fail(sqlite3_extended_errcode(db_), what);
  return base::Status::Ok();
}

base::Result<sqlite3_stmt*> TableWriter::UpdateStmt() {
  update_key_.clear();
  for (size_t i = 0; i < dirty_.size(); ++i) {
    if (!dirty_[i]) continue;
    uint32_t ordinal = static_cast<uint32_t>(i);
    update_key_.append(reinterpret_cast<const char*>(&ordinal), sizeof ordinal);
  }
  auto it = update_stmts_.find(update_key_);
  if (it != update_stmts_.end()) return it->second.get();
  if (update_stmts_.size() >= kMaxUpdateStatements) update_stmts_.clear();
  // Parameters: key columns first (as in every statement), then the changed columns,
  // then the version blob.
  std::string sql = "UPDATE " + quoted_table_ + " SET ";
  int param = static_cast<int>(key_.size());
  for (size_t i = 0; i < dirty_.size(); ++i) {
    if (!dirty_[i]) continue;
    sql += attrs_[i].quoted + " = ?" + std::to_string(++param) + ", ";
  }
  sql += QuoteIdentifier(kVersionColumn) + " = ?" + std::to_string(++param) + " WHERE ";
  for (size_t i = 0; i < key_.size(); ++i) {
    if (i > 0) sql += " AND ";
    sql += QuoteIdentifier(key_[i].mirror_name) + " = ?" + std::to_string(i + 1);
  }
  TS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(db_, sql));
  sqlite3_stmt* raw = stmt.get();
  update_stmts_.emplace(update_key_, std::move(stmt));
  return raw;
}

base::Status TableWriter::WriteChanged(const base::Row& row) {
  TS_ASSIGN_OR_RETURN(sqlite3_stmt * s, UpdateStmt());
  return BindAndStep(s, row, /*only_dirty=*/true, "updating a row");
}

base::Status TableWriter::Apply(const base::RowChange& change, const WriteContext& ctx,
                                bool* changed) {
  *changed = false;
  const base::Row& row = change.row;
  TS_RETURN_IF_ERROR(CheckRecordKey(row, ctx));

  if (change.action == base::ActionType::kDeleteRow) {
    if (!delete_stmt_) {
      TS_ASSIGN_OR_RETURN(delete_stmt_,
                          Prepare(db_, "DELETE FROM " + quoted_table_ + " WHERE " + KeyWhere()));
    }
    sqlite3_stmt* s = delete_stmt_.get();
    int rc = BindKey(s, row);
    if (rc != SQLITE_OK) return Fail(rc, "binding a key");
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return Fail(sqlite3_extended_errcode(db_), "deleting a row");
    *changed = sqlite3_changes(db_) > 0;  // deleting an absent row is not an error
    return base::Status::Ok();
  }

  ordinals_.clear();
  bool has_put = false;
  for (const base::Cell& cell : row.cells) {
    TS_ASSIGN_OR_RETURN(int ordinal, Resolve(cell.name, ctx));
    ordinals_.push_back(ordinal);
    has_put = has_put || cell.op == base::CellOp::kPut;
  }
  const size_t n = attrs_.size();
  values_.assign(n, nullptr);
  dirty_.assign(n, 0);

  bool exists = false;
  if (change.action == base::ActionType::kUpdateRow) {
    if (!select_stmt_) {
      TS_ASSIGN_OR_RETURN(select_stmt_,
                          Prepare(db_, "SELECT " + QuoteIdentifier(kVersionColumn) + " FROM " +
                                           quoted_table_ + " WHERE " + KeyWhere()));
    }
    sqlite3_stmt* s = select_stmt_.get();
    int rc = BindKey(s, row);
    if (rc != SQLITE_OK) return Fail(rc, "binding a key");
    rc = sqlite3_step(s);
    base::Status decoded;
    if (rc == SQLITE_ROW) {
      exists = true;
      decoded = VersionCodec::Decode(sqlite3_column_blob(s, 0),
                                     static_cast<size_t>(sqlite3_column_bytes(s, 0)), n, &cells_);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return Fail(sqlite3_extended_errcode(db_), "reading row versions");
    }
    if (!decoded.ok()) return decoded.WithContext("table " + DisplayName(table_));
    // An update of an absent row creates it only with a put cell.
    if (!exists && !has_put) return base::Status::Ok();
  }
  if (!exists) cells_.assign(n, CellVersion{});

  for (size_t i = 0; i < ordinals_.size(); ++i) {
    if (ordinals_[i] >= 0) ApplyCell(row.cells[i], ordinals_[i]);
  }
  TS_RETURN_IF_ERROR(NoteTypes(ctx));
  codec_.Encode(cells_, &blob_);

  if (change.action == base::ActionType::kPutRow || !exists) {
    TS_RETURN_IF_ERROR(WriteFullRow(row));
    *changed = true;
    return base::Status::Ok();
  }
  bool any_dirty = false;
  for (uint8_t d : dirty_) any_dirty = any_dirty || d;
  if (!any_dirty) return base::Status::Ok();  // every cell lost to a newer version
  TS_RETURN_IF_ERROR(WriteChanged(row));
  *changed = true;
  return base::Status::Ok();
}

}  // namespace tablestore::storage
