#include "tests/storage/mirror_test_util.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>

namespace tablestore::storage::testing {

base::Cell Pk(std::string name, base::Value value) {
  base::Cell c;
  c.name = std::move(name);
  c.value = std::move(value);
  return c;
}
base::Cell Put(std::string name, base::Value value, int64_t ts) {
  base::Cell c = Pk(std::move(name), std::move(value));
  c.timestamp = ts;
  return c;
}
base::Cell DelAll(std::string name) {
  base::Cell c;
  c.name = std::move(name);
  c.op = base::CellOp::kDeleteAllVersions;
  return c;
}
base::Cell DelOne(std::string name, int64_t ts) {
  base::Cell c;
  c.name = std::move(name);
  c.op = base::CellOp::kDeleteOneVersion;
  c.timestamp = ts;
  return c;
}

namespace {
base::RowChange Change(base::ActionType action, std::vector<base::Cell> pk,
                       std::vector<base::Cell> cells) {
  base::RowChange change;
  change.action = action;
  change.row.primary_key = std::move(pk);
  change.row.cells = std::move(cells);
  return change;
}
}  // namespace

base::RowChange PutRow(std::vector<base::Cell> pk, std::vector<base::Cell> cells) {
  return Change(base::ActionType::kPutRow, std::move(pk), std::move(cells));
}
base::RowChange UpdateRow(std::vector<base::Cell> pk, std::vector<base::Cell> cells) {
  return Change(base::ActionType::kUpdateRow, std::move(pk), std::move(cells));
}
base::RowChange DeleteRow(std::vector<base::Cell> pk) {
  return Change(base::ActionType::kDeleteRow, std::move(pk), {});
}

std::vector<base::Cell> Key(const std::string& id) {
  return {Pk("id", base::Value::String(id))};
}

base::Batch MakeBatch(std::string tunnel, std::string channel, std::string token_in,
                      std::string token_out, std::vector<base::RowChange> changes) {
  base::Batch b;
  b.tunnel_id = std::move(tunnel);
  b.channel_id = std::move(channel);
  b.token_in = std::move(token_in);
  b.token_out = std::move(token_out);
  b.changes = std::move(changes);
  return b;
}

std::unique_ptr<Mirror> OpenMirror(const std::string& path) {
  MirrorOptions options;
  options.path = path;
  auto mirror = Mirror::Open(options);
  if (!mirror.ok()) {
    ADD_FAILURE() << "Open: " << mirror.status().ToString();
    return nullptr;
  }
  return std::move(mirror).value();
}

std::unique_ptr<Mirror> OpenBound(const std::string& path, const std::string& table) {
  auto mirror = OpenMirror(path);
  if (!mirror) return nullptr;
  TableBinding binding;
  binding.mirror_table = table;
  binding.source_table = "src";
  binding.tunnel_name = "tunnel-one";
  binding.tunnel_id = "t1";
  base::Status status = mirror->BindTable(binding);
  if (!status.ok()) {
    ADD_FAILURE() << "BindTable: " << status.ToString();
    return nullptr;
  }
  return mirror;
}

base::Status ApplyChanges(Mirror* mirror, std::vector<base::RowChange> changes) {
  auto stored = mirror->LoadCheckpoint("t1", "c1");
  if (!stored.ok()) return stored.status();
  std::string token_in = stored->value_or("start");
  std::string token_out = token_in + "+";
  std::vector<base::Batch> batches;
  batches.push_back(MakeBatch("t1", "c1", token_in, token_out, std::move(changes)));
  auto result = mirror->ApplyGroup(batches);
  if (!result.ok()) return result.status();
  if (result->applied != 1) return base::InternalError("batch was not applied");
  return base::Status::Ok();
}

std::vector<std::vector<std::string>> Query(const std::string& path, const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "open " << path << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return rows;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "prepare " << sql << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return rows;
  }
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      char buf[64];
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_NULL:
          row.push_back("NULL");
          break;
        case SQLITE_INTEGER:
          row.push_back("i:" + std::to_string(sqlite3_column_int64(stmt, i)));
          break;
        case SQLITE_FLOAT:
          std::snprintf(buf, sizeof buf, "r:%.17g", sqlite3_column_double(stmt, i));
          row.push_back(buf);
          break;
        case SQLITE_TEXT:
          row.push_back("t:" + std::string(reinterpret_cast<const char*>(
                                                sqlite3_column_text(stmt, i)),
                                            static_cast<size_t>(sqlite3_column_bytes(stmt, i))));
          break;
        default: {
          std::string hex = "b:";
          const unsigned char* p =
              static_cast<const unsigned char*>(sqlite3_column_blob(stmt, i));
          for (int j = 0; j < sqlite3_column_bytes(stmt, i); ++j) {
            std::snprintf(buf, sizeof buf, "%02x", p[j]);
            hex += buf;
          }
          row.push_back(hex);
        }
      }
    }
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) ADD_FAILURE() << "step " << sql << ": " << sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

std::string QueryOne(const std::string& path, const std::string& sql) {
  auto rows = Query(path, sql);
  if (rows.size() != 1 || rows[0].size() != 1) return "<" + std::to_string(rows.size()) + " rows>";
  return rows[0][0];
}

}  // namespace tablestore::storage::testing
