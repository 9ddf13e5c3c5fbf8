// Issue 8 end to end: a real run against the in-process emulator records its change log;
// `replay` (library and the `replicator` binary) and `export` rebuild the mirror from it.

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/config_loader.h"
#include "storage/fixture.h"
#include "storage/mirror_reader.h"
#include "tablestore/replicator/replicator.h"
#include "tests/support/poll.h"
#include "tests/support/test_paths.h"
#include "tunnel/emulator/emulator.h"

namespace tablestore {
namespace {

using tunnel::emulator::Emulator;
using tunnel::emulator::EmulatorOptions;

std::vector<std::string> Render(const std::vector<base::Row>& rows) {
  std::vector<std::string> out;
  for (const base::Row& row : rows) {
    std::string s;
    for (const base::Cell& c : row.primary_key) s += c.value->DebugString() + " ";
    std::vector<base::Cell> cells = row.cells;
    std::sort(cells.begin(), cells.end(),
              [](const base::Cell& a, const base::Cell& b) { return a.name < b.name; });
    s += "|";
    for (const base::Cell& c : cells) {
      s += " " + c.name + "=" + c.value->DebugString() + "@" +
           std::to_string(c.timestamp.value_or(-1));
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> MirrorRows(const std::string& path) {
  auto rows = storage::ReadMirrorRows(path, "orders");
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return rows.ok() ? Render(*rows) : std::vector<std::string>{};
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

base::Cell PkCell(const std::string& id) {
  base::Cell c;
  c.name = "id";
  c.value = base::Value::String(id);
  return c;
}

base::Cell PutCell(const std::string& name, base::Value v) {
  base::Cell c;
  c.name = name;
  c.value = std::move(v);
  return c;
}

// Runs the replicator binary; returns its exit code.
int RunCli(const std::string& args) {
  std::string cmd =
      std::string(TS_BINARY_DIR) + "/replicator/replicator " + args + " >/dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

class ChangelogEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmulatorOptions o;
    o.keys = {{"AK", "SECRET", "", std::nullopt}};
    o.page_max_records = 40;  // many batches
    auto emu = Emulator::Start(o);
    ASSERT_TRUE(emu.ok()) << emu.status().ToString();
    emu_ = std::move(emu).value();
    tunnel::emulator::TableSpec spec;
    spec.name = "orders";
    spec.primary_key = {{"id", base::ValueType::kString}};
    spec.partitions = 2;
    ASSERT_TRUE(emu_->CreateTable(spec).ok());
    mirror_ = dir_.File("mirror.db");
  }

  void Write(int from, int to, const std::string& prefix) {
    std::vector<base::RowChange> changes;
    for (int i = from; i < to; ++i) {
      base::RowChange c;
      c.action = base::ActionType::kPutRow;
      c.row.primary_key.push_back(PkCell("k" + std::to_string(i)));
      c.row.cells.push_back(PutCell("name", base::Value::String(prefix + std::to_string(i))));
      c.row.cells.push_back(PutCell("qty", base::Value::Integer(i)));
      changes.push_back(std::move(c));
    }
    ASSERT_TRUE(emu_->ApplyChanges("orders", std::move(changes)).ok());
  }

  void UpdateAndDelete() {
    std::vector<base::RowChange> changes;
    for (int i = 0; i < 60; i += 3) {
      base::RowChange c;
      c.action = i % 2 ? base::ActionType::kDeleteRow : base::ActionType::kUpdateRow;
      c.row.primary_key.push_back(PkCell("k" + std::to_string(i)));
      if (c.action == base::ActionType::kUpdateRow) {
        c.row.cells.push_back(PutCell("qty", base::Value::Integer(-i)));
        c.row.cells.push_back(PutCell("flag", base::Value::Boolean(true)));
      }
      changes.push_back(std::move(c));
    }
    ASSERT_TRUE(emu_->ApplyChanges("orders", std::move(changes)).ok());
  }

  std::unique_ptr<replicator::Replicator> MakeReplicator() {
    std::string toml = "[source]\nendpoint = \"" + emu_->endpoint() + "\"\ninstance = \"" +
                       emu_->instance() +
                       "\"\n[credentials]\nprovider = \"static\"\naccess_key_id = \"AK\"\n"
                       "access_key_secret = \"SECRET\"\n[[tables]]\nsource = \"orders\"\n"
                       "[sqlite]\npath = \"" +
                       mirror_ +
                       "\"\n[worker]\nstream_poll_max = "
                       "\"100ms\"\n[changelog]\nenabled = true\n";
    auto cfg = config::ParseConfig(toml, dir_.File("replicator.toml"));
    EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
    if (!cfg.ok()) return nullptr;
    auto rep = replicator::Replicator::Create(*cfg);
    EXPECT_TRUE(rep.ok()) << rep.status().ToString();
    return rep.ok() ? std::move(rep).value() : nullptr;
  }

  tablestore::testing::TempDir dir_;
  std::unique_ptr<Emulator> emu_;
  std::string mirror_;
};

TEST_F(ChangelogEmulatorTest, ReplayOfARecordedRunEqualsTheMirror) {
  Write(0, 200, "secret-");
  auto rep = MakeReplicator();
  ASSERT_NE(rep, nullptr);
  ASSERT_TRUE(rep->Start().ok());
  ASSERT_TRUE(rep->WaitCaughtUp(std::chrono::seconds(60)).ok());
  UpdateAndDelete();
  Write(200, 260, "secret-");
  ASSERT_TRUE(rep->WaitCaughtUp(std::chrono::seconds(60)).ok());
  // WaitCaughtUp may return on an empty page fetched just before the writes above were
  // committed: wait until the mirror holds exactly the source's rows.
  ASSERT_TRUE(tablestore::testing::PollUntil(std::chrono::seconds(60), [&] {
    auto source = emu_->Rows("orders");
    auto mirror = storage::ReadMirrorRows(mirror_, "orders");
    return source.ok() && mirror.ok() && Render(*mirror) == Render(*source);
  })) << "the mirror never reached the source's rows";

  // Export while `run` is still running: a consistent point equal to the mirror's rows
  // once nothing more arrives (the source is quiet now).
  std::string exported = dir_.File("export.db");
  ASSERT_TRUE(storage::ExportFixture(mirror_, exported, {}).ok());
  rep->Stop();

  auto source = emu_->Rows("orders");
  ASSERT_TRUE(source.ok());
  std::vector<std::string> mirror_rows = MirrorRows(mirror_);
  ASSERT_EQ(mirror_rows.size(), source->size());
  EXPECT_EQ(MirrorRows(exported), mirror_rows);

  std::string fixture = dir_.File("fixture.db");
  auto summary = storage::ReplayFixture(mirror_, fixture, {});
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_GT(summary->entries, 5);
  EXPECT_EQ(MirrorRows(fixture), mirror_rows);

  // The full load alone: the first 200 records are the base data.
  storage::FixtureOptions first;
  first.count = 200;
  std::string base_only = dir_.File("base.db");
  ASSERT_TRUE(storage::ReplayFixture(mirror_, base_only, first).ok());
  EXPECT_EQ(MirrorRows(base_only).size(), 200u);

  // The binary: two replays are byte-identical; masks keep source values out.
  std::string a = dir_.File("a.db"), b = dir_.File("b.db"), m = dir_.File("m.db");
  ASSERT_EQ(RunCli("replay " + mirror_ + " --into " + a), 0);
  ASSERT_EQ(RunCli("replay " + mirror_ + " --into " + b), 0);
  EXPECT_TRUE(ReadBytes(a) == ReadBytes(b));
  EXPECT_EQ(MirrorRows(a), mirror_rows);
  EXPECT_EQ(RunCli("replay " + mirror_ + " --into " + a), 2) << "exists, no --force";
  EXPECT_EQ(RunCli("replay " + mirror_ + " --into " + m + " --mask orders.name=hash"), 2)
      << "hash without a salt is a usage error";
  ASSERT_EQ(RunCli("replay " + mirror_ + " --into " + m +
                   " --mask orders.name=hash --mask-salt s3cret --mask orders.qty=drop"),
            0);
  std::string masked = ReadBytes(m);
  EXPECT_NE((ReadBytes(mirror_) + ReadBytes(mirror_ + "-wal")).find("secret-1"), std::string::npos);
  EXPECT_EQ(masked.find("secret-"), std::string::npos);
  EXPECT_EQ(MirrorRows(m).size(), mirror_rows.size());
  std::string e = dir_.File("e.db");
  ASSERT_EQ(RunCli("export --mirror " + mirror_ + " --into " + e + " --table orders"), 0);
  EXPECT_EQ(MirrorRows(e), mirror_rows);
}

}  // namespace
}  // namespace tablestore
