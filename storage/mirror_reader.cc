#include "storage/mirror_reader.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>

#include "storage/identifier.h"
#include "storage/sqlite_util.h"
#include "storage/version_codec.h"

namespace tablestore::storage {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

struct RegistryColumn {
  int position = 0;
  std::string mirror_name;
  std::string source_name;
};

std::string ColumnText(sqlite3_stmt* stmt, int col) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt, col))) : "";
}

// The value of column `col` by its storage class; false for NULL.
bool ColumnValue(sqlite3_stmt* stmt, int col, base::Value* out) {
  switch (sqlite3_column_type(stmt, col)) {
    case SQLITE_INTEGER:
      *out = base::Value::Integer(sqlite3_column_int64(stmt, col));
      return true;
    case SQLITE_FLOAT:
      *out = base::Value::Double(sqlite3_column_double(stmt, col));
      return true;
    case SQLITE_TEXT:
      *out = base::Value::String(ColumnText(stmt, col));
      return true;
    case SQLITE_BLOB: {
      const void* p = sqlite3_column_blob(stmt, col);
      int n = sqlite3_column_bytes(stmt, col);
      *out = base::Value::Binary(p ? std::string(static_cast<const char*>(p),
                                                 static_cast<size_t>(n))
                                   : std::string());
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

base::Result<std::vector<base::Row>> ReadMirrorRows(const std::string& path,
                                                    std::string_view mirror_table) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return base::NotFoundError("mirror file '" + path + "' does not exist");
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db.get(), "open '" + path + "' read-only");
  sqlite3_busy_timeout(db.get(), 5000);
  TS_RETURN_IF_ERROR(Exec(db.get(), "BEGIN"));  // one consistent read

  std::vector<RegistryColumn> keys, attrs;
  {
    TS_ASSIGN_OR_RETURN(Stmt stmt,
                        Prepare(db.get(),
                                "SELECT kind, position, mirror_column, source_column FROM "
                                "_replicator_columns WHERE mirror_table = ?1 "
                                "ORDER BY kind DESC, position"));
    sqlite3_bind_text(stmt.get(), 1, mirror_table.data(), static_cast<int>(mirror_table.size()),
                      SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      RegistryColumn c{sqlite3_column_int(stmt.get(), 1), ColumnText(stmt.get(), 2),
                       ColumnText(stmt.get(), 3)};
      (ColumnText(stmt.get(), 0) == "primary_key" ? keys : attrs).push_back(std::move(c));
    }
    if (rc != SQLITE_DONE) return SqliteStatus(rc, db.get(), "read column registry");
  }
  {
    TS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(db.get(),
                                           "SELECT count(*) FROM _replicator_bindings "
                                           "WHERE mirror_table = ?1"));
    sqlite3_bind_text(stmt.get(), 1, mirror_table.data(), static_cast<int>(mirror_table.size()),
                      SQLITE_TRANSIENT);
    rc = sqlite3_step(stmt.get());
    if (rc != SQLITE_ROW) return SqliteStatus(rc, db.get(), "read bindings");
    if (sqlite3_column_int64(stmt.get(), 0) == 0 && keys.empty()) {
      return base::NotFoundError("mirror table '" + std::string(mirror_table) +
                                 "' is not bound in '" + path + "'");
    }
  }
  std::vector<base::Row> rows;
  if (keys.empty()) return rows;  // bound, no record yet: the table does not exist

  std::sort(keys.begin(), keys.end(),
            [](const auto& a, const auto& b) { return a.position < b.position; });
  size_t ordinal_count = 0;
  for (const auto& a : attrs) {
    ordinal_count = std::max(ordinal_count, static_cast<size_t>(a.position) + 1);
  }
  std::string sql = "SELECT ";
  std::string order;
  for (size_t i = 0; i < keys.size(); ++i) {
    sql += QuoteIdentifier(keys[i].mirror_name) + ", ";
    order += (i ? ", " : "") + QuoteIdentifier(keys[i].mirror_name);
  }
  sql += "\"_replicator\"";
  for (const auto& a : attrs) sql += ", " + QuoteIdentifier(a.mirror_name);
  sql += " FROM " + QuoteIdentifier(mirror_table) + " ORDER BY " + order;
  TS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(db.get(), sql));

  std::vector<CellVersion> versions;
  const int version_col = static_cast<int>(keys.size());
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    base::Row row;
    for (size_t i = 0; i < keys.size(); ++i) {
      base::Cell c;
      c.name = keys[i].source_name;
      base::Value v;
      if (ColumnValue(stmt.get(), static_cast<int>(i), &v)) c.value = std::move(v);
      row.primary_key.push_back(std::move(c));
    }
    const void* blob = sqlite3_column_blob(stmt.get(), version_col);
    const size_t blob_size = static_cast<size_t>(sqlite3_column_bytes(stmt.get(), version_col));
    if (blob != nullptr && blob_size > 0) {
      TS_RETURN_IF_ERROR(VersionCodec::Decode(blob, blob_size, ordinal_count, &versions)
                             .WithContext("table '" + std::string(mirror_table) +
                                          "': version column"));
    } else {
      versions.assign(ordinal_count, CellVersion{});
    }
    for (size_t i = 0; i < attrs.size(); ++i) {
      const CellVersion& ver = versions[static_cast<size_t>(attrs[i].position)];
      const int col = version_col + 1 + static_cast<int>(i);
      base::Value v;
      bool has = ColumnValue(stmt.get(), col, &v);
      if (!ver.present) continue;
      if (ver.tag == ValueTag::kNaN) {
        v = base::Value::Double(std::numeric_limits<double>::quiet_NaN());
        has = true;
      } else if (ver.tag == ValueTag::kBoolean && has) {
        v = base::Value::Boolean(v.integer != 0);
      }
      if (!has) continue;
      base::Cell c;
      c.name = attrs[i].source_name;
      c.value = std::move(v);
      c.timestamp = ver.timestamp;
      row.cells.push_back(std::move(c));
    }
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return SqliteStatus(rc, db.get(), "read table '" +
                                                               std::string(mirror_table) + "'");
  return rows;
}

}  // namespace tablestore::storage
