#include "storage/migration_runner.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "storage/mirror.h"
#include "tests/storage/mirror_test_util.h"
#include "tests/support/test_paths.h"

namespace tablestore::storage {
namespace {

using testing::OpenMirror;
using testing::Query;
using testing::QueryOne;
using tablestore::testing::TempDir;

struct Db {
  explicit Db(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  }
  ~Db() { sqlite3_close(db); }
  void Exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << (err ? err : "");
    sqlite3_free(err);
  }
  sqlite3* db = nullptr;
};

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const Migration kTwo[] = {
    {1, "0001_a.sql", "CREATE TABLE _replicator_a (x INTEGER);"},
    {2, "0002_b.sql", "CREATE TABLE _replicator_b (y TEXT); INSERT INTO _replicator_a VALUES (1);"},
};

TEST(MigrationRunner, EmbedsTheNumberedFilesOfMigrations) {
  auto embedded = EmbeddedMigrations();
  ASSERT_FALSE(embedded.empty());
  EXPECT_EQ(embedded[0].version, 1);
  EXPECT_EQ(embedded[0].name, "0001_init.sql");
  EXPECT_NE(embedded[0].sql.find("_replicator_checkpoints"), std::string_view::npos);
}

TEST(MigrationRunner, FreshFileGetsEveryMigrationAndItsLedger) {
  TempDir dir;
  Db db(dir.File("m.db"));
  MigrationRunner runner;
  auto version = runner.Migrate(db.db, 42);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, runner.latest_version());
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT count(*) FROM _replicator_migrations"),
            "i:" + std::to_string(runner.latest_version()));
  for (const char* table : {"_replicator_bindings", "_replicator_checkpoints",
                            "_replicator_columns", "_replicator_workers",
                            "_replicator_counters", "_replicator_state"}) {
    EXPECT_EQ(QueryOne(dir.File("m.db"), std::string("SELECT count(*) FROM sqlite_schema WHERE "
                                                     "name = '") + table + "'"),
              "i:1")
        << table;
  }
}

TEST(MigrationRunner, IsIdempotent) {
  TempDir dir;
  Db db(dir.File("m.db"));
  MigrationRunner runner;
  ASSERT_TRUE(runner.Migrate(db.db, 1).ok());
  auto before = Query(dir.File("m.db"), "SELECT * FROM _replicator_migrations");
  auto again = runner.Migrate(db.db, 2);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(Query(dir.File("m.db"), "SELECT * FROM _replicator_migrations"), before);
}

TEST(MigrationRunner, AppliesPendingMigrationsInOrder) {
  TempDir dir;
  Db db(dir.File("m.db"));
  ASSERT_TRUE(MigrationRunner(std::span(kTwo, 1)).Migrate(db.db, 1).ok());
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT max(version) FROM _replicator_migrations"), "i:1");
  auto version = MigrationRunner(kTwo).Migrate(db.db, 2);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, 2);
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT x FROM _replicator_a"), "i:1");
  EXPECT_EQ(Query(dir.File("m.db"), "SELECT version, name FROM _replicator_migrations"),
            (std::vector<std::vector<std::string>>{{"i:1", "t:0001_a.sql"},
                                                   {"i:2", "t:0002_b.sql"}}));
}

TEST(MigrationRunner, FailingMigrationLeavesNothingBehind) {
  const Migration broken[] = {
      kTwo[0],
      {2, "0002_b.sql", "CREATE TABLE _replicator_b (y); INSERT INTO no_such_table VALUES (1);"},
  };
  TempDir dir;
  Db db(dir.File("m.db"));
  ASSERT_TRUE(MigrationRunner(std::span(kTwo, 1)).Migrate(db.db, 1).ok());
  auto version = MigrationRunner(broken).Migrate(db.db, 2);
  ASSERT_FALSE(version.ok());
  EXPECT_NE(version.status().message().find("0002_b.sql"), std::string::npos);
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT count(*) FROM sqlite_schema WHERE name = "
                                       "'_replicator_b'"),
            "i:0");
  EXPECT_EQ(QueryOne(dir.File("m.db"), "SELECT max(version) FROM _replicator_migrations"), "i:1");
}

TEST(MigrationRunner, RefusesAFileFromANewerBinaryUntouched) {
  TempDir dir;
  std::string path = dir.File("m.db");
  { ASSERT_NE(OpenMirror(path), nullptr); }
  {
    Db db(path);
    db.Exec("INSERT INTO _replicator_migrations VALUES (99, '0099_future.sql', 'x', 0)");
  }
  std::string before = FileBytes(path);
  MirrorOptions options;
  options.path = path;
  auto mirror = Mirror::Open(options);
  ASSERT_FALSE(mirror.ok());
  EXPECT_EQ(mirror.status().code(), base::StatusCode::kFailedPrecondition);
  EXPECT_NE(mirror.status().message().find("newer"), std::string::npos)
      << mirror.status().message();
  EXPECT_EQ(FileBytes(path), before);
  auto snapshot = ReadStatusSnapshot(path);
  EXPECT_EQ(snapshot.status().code(), base::StatusCode::kFailedPrecondition);
}

// Each way of damaging the metadata, applied to a current file.
class DamagedMetadata : public ::testing::TestWithParam<const char*> {};

TEST_P(DamagedMetadata, IsRefusedUntouched) {
  TempDir dir;
  std::string path = dir.File("m.db");
  { ASSERT_NE(OpenMirror(path), nullptr); }
  {
    Db db(path);
    db.Exec(GetParam());
  }
  std::string before = FileBytes(path);
  MirrorOptions options;
  options.path = path;
  auto mirror = Mirror::Open(options);
  ASSERT_FALSE(mirror.ok()) << GetParam();
  EXPECT_EQ(mirror.status().code(), base::StatusCode::kFailedPrecondition);
  EXPECT_NE(mirror.status().message().find("damaged"), std::string::npos)
      << mirror.status().message();
  EXPECT_EQ(FileBytes(path), before);
}

INSTANTIATE_TEST_SUITE_P(
    MigrationRunner, DamagedMetadata,
    ::testing::Values("DROP TABLE _replicator_checkpoints",
                      "DROP TABLE _replicator_migrations",
                      "DELETE FROM _replicator_migrations WHERE version = 1",
                      "UPDATE _replicator_migrations SET name = '0001_other.sql'",
                      "ALTER TABLE _replicator_bindings ADD COLUMN extra",
                      "ALTER TABLE _replicator_columns DROP COLUMN rename_reason",
                      "CREATE TABLE _replicator_mystery (x)"));

TEST(MigrationRunner, RefusesAFileThatIsNotSqlite) {
  TempDir dir;
  std::string path = dir.File("m.db");
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(8192, 'x');
  }
  MirrorOptions options;
  options.path = path;
  auto mirror = Mirror::Open(options);
  ASSERT_FALSE(mirror.ok());
  EXPECT_EQ(mirror.status().code(), base::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FileBytes(path), std::string(8192, 'x'));
}

TEST(MigrationRunner, LeavesUserTablesOfAFreshFileAlone) {
  TempDir dir;
  std::string path = dir.File("m.db");
  {
    Db db(path);
    db.Exec("CREATE TABLE notes (x); INSERT INTO notes VALUES ('keep')");
  }
  ASSERT_NE(OpenMirror(path), nullptr);
  EXPECT_EQ(QueryOne(path, "SELECT x FROM notes"), "t:keep");
}

}  // namespace
}  // namespace tablestore::storage
