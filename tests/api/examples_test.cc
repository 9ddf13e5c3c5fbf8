// The two examples (examples/*.cc) run as processes against the in-process emulator, and
// their output is checked: the quick start prints one line per record written, the embedding
// example sees the rows in its mirror and the commit listener's notifications.

#include <signal.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tablestore/base/row.h"
#include "tests/support/e2e/subprocess.h"
#include "tests/support/test_paths.h"
#include "tunnel/emulator/emulator.h"

namespace tablestore {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Subprocess;
using testing::SubprocessOptions;
using testing::TempDir;
using tunnel::emulator::Emulator;
using tunnel::emulator::EmulatorOptions;

constexpr char kAccessKeyId[] = "example-ak";
constexpr char kAccessKeySecret[] = "example-secret";

std::unique_ptr<Emulator> StartEmulator(const std::string& instance) {
  EmulatorOptions o;
  o.instance = instance;
  o.keys = {{kAccessKeyId, kAccessKeySecret, "", std::nullopt}};
  auto emu = Emulator::Start(o);
  EXPECT_TRUE(emu.ok()) << emu.status().ToString();
  return emu.ok() ? std::move(emu).value() : nullptr;
}

void CreateOrders(Emulator& emu) {
  tunnel::emulator::TableSpec spec;
  spec.name = "orders";
  spec.primary_key = {{"id", base::ValueType::kString}, {"seq", base::ValueType::kInteger}};
  spec.partitions = 2;
  ASSERT_TRUE(emu.CreateTable(spec).ok());
}

base::Cell Key(const std::string& name, base::Value v) {
  base::Cell c;
  c.name = name;
  c.value = std::move(v);
  return c;
}

base::Cell Put(const std::string& name, base::Value v, int64_t ts) {
  base::Cell c = Key(name, std::move(v));
  c.timestamp = ts;
  return c;
}

base::RowChange Change(base::ActionType action, const std::string& id, int64_t seq,
                       std::vector<base::Cell> cells = {}) {
  base::RowChange ch;
  ch.action = action;
  ch.row.primary_key = {Key("id", base::Value::String(id)), Key("seq", base::Value::Integer(seq))};
  ch.row.cells = std::move(cells);
  return ch;
}

void Apply(Emulator& emu, std::vector<base::RowChange> changes) {
  size_t n = changes.size();
  auto applied = emu.ApplyChanges("orders", std::move(changes));
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_EQ(static_cast<size_t>(*applied), n);
}

std::unique_ptr<Subprocess> StartExample(const TempDir& dir, const std::string& name,
                                         std::vector<std::string> argv) {
  SubprocessOptions o;
  o.argv = std::move(argv);
  o.env = {{"TABLESTORE_ACCESS_KEY_ID", kAccessKeyId},
           {"TABLESTORE_ACCESS_KEY_SECRET", kAccessKeySecret}};
  o.unset_env = {"TABLESTORE_SESSION_TOKEN", "TABLESTORE_ENDPOINT", "TABLESTORE_INSTANCE"};
  o.stdout_path = dir.File(name + ".out");
  o.stderr_path = dir.File(name + ".err");
  return Subprocess::Start(o);
}

// Waits for SIGINT to end the process with exit code 0.
void InterruptAndExpectCleanExit(Subprocess& p) {
  ASSERT_TRUE(p.Signal(SIGINT));
  auto exit = p.Wait(seconds(60));
  ASSERT_TRUE(exit.has_value()) << "no exit after SIGINT; stderr:\n" << p.Stderr();
  EXPECT_TRUE(exit->exited(0)) << exit->ToString() << "\nstderr:\n" << p.Stderr();
}

TEST(Examples, TunnelQuickstartPrintsOneLinePerRecord) {
  TempDir dir;
  auto emu = StartEmulator("quick");
  ASSERT_NE(emu, nullptr);
  CreateOrders(*emu);
  const int64_t ts = emu->NowMs() - 1000;
  // Base data: written before the tunnel exists.
  Apply(*emu, {Change(base::ActionType::kPutRow, "a", 1, {Put("qty", base::Value::Integer(5), ts)}),
               Change(base::ActionType::kPutRow, "b", 2,
                      {Put("note", base::Value::String("hello"), ts)})});

  auto p = StartExample(
      dir, "quickstart",
      {TS_QUICKSTART_BIN, "--endpoint", emu->endpoint(), "--instance", "quick", "orders"});
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->WaitForOutput(
      "action=PUT_ROW pk=(id=string(\"a\"), seq=integer(1)) columns=(qty put integer(5) @" +
          std::to_string(ts) + ")",
      seconds(60), /*in_stderr=*/false))
      << p->Stdout() << p->Stderr();
  EXPECT_TRUE(
      p->WaitForOutput("action=PUT_ROW pk=(id=string(\"b\"), seq=integer(2)) columns=(note put "
                       "string(\"hello\") @" +
                           std::to_string(ts) + ")",
                       seconds(60), false))
      << p->Stdout() << p->Stderr();
  EXPECT_NE(p->Stderr().find("created tunnel 'quickstart-orders'"), std::string::npos)
      << p->Stderr();

  // Stream data: written while the daemon runs.
  base::Cell gone;
  gone.name = "note";
  gone.op = base::CellOp::kDeleteAllVersions;
  Apply(*emu, {Change(base::ActionType::kUpdateRow, "b", 2,
                      {Put("qty", base::Value::Integer(7), ts + 1), gone}),
               Change(base::ActionType::kDeleteRow, "a", 1)});
  EXPECT_TRUE(p->WaitForOutput(
      "action=UPDATE_ROW pk=(id=string(\"b\"), seq=integer(2)) columns=(qty put integer(7) @" +
          std::to_string(ts + 1) + ", note delete_all_versions",
      seconds(60), false))
      << p->Stdout() << p->Stderr();
  EXPECT_TRUE(p->WaitForOutput("action=DELETE_ROW pk=(id=string(\"a\"), seq=integer(1)) columns=()",
                               seconds(60), false))
      << p->Stdout() << p->Stderr();
  InterruptAndExpectCleanExit(*p);

  // Every line on stdout is a record: 2 base + 2 stream (nothing checkpointed twice here).
  std::string out = p->Stdout();
  size_t lines = 0;
  for (size_t pos = 0; (pos = out.find('\n', pos)) != std::string::npos; ++pos) ++lines;
  size_t records = 0;
  for (size_t pos = 0; (pos = out.find("record channel=", pos)) != std::string::npos; ++pos) {
    ++records;
  }
  EXPECT_EQ(lines, records) << out;
  EXPECT_GE(records, 4u) << out;

  // A second run reuses the tunnel by name and sees new records.
  auto again = StartExample(
      dir, "quickstart2",
      {TS_QUICKSTART_BIN, "--endpoint", emu->endpoint(), "--instance", "quick", "orders"});
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->WaitForOutput("reusing tunnel 'quickstart-orders'", seconds(30)))
      << again->Stderr();
  Apply(*emu,
        {Change(base::ActionType::kPutRow, "c", 3, {Put("qty", base::Value::Integer(9), ts)})});
  EXPECT_TRUE(again->WaitForOutput("pk=(id=string(\"c\"), seq=integer(3))", seconds(60), false))
      << again->Stdout() << again->Stderr();
  InterruptAndExpectCleanExit(*again);
}

TEST(Examples, TunnelQuickstartWithoutCredentialsFails) {
  TempDir dir;
  SubprocessOptions o;
  o.argv = {TS_QUICKSTART_BIN, "--endpoint", "http://127.0.0.1:9", "--instance", "x", "t"};
  o.unset_env = {"TABLESTORE_ACCESS_KEY_ID", "TABLESTORE_ACCESS_KEY_SECRET"};
  o.stderr_path = dir.File("err");
  auto r = testing::RunCommand(o, seconds(30));
  EXPECT_TRUE(r.exit.exited(1)) << r.exit.ToString();
  EXPECT_NE(r.err.find("TABLESTORE_ACCESS_KEY_ID"), std::string::npos) << r.err;

  o.argv = {TS_QUICKSTART_BIN};  // no table
  auto usage = testing::RunCommand(o, seconds(30));
  EXPECT_TRUE(usage.exit.exited(2)) << usage.exit.ToString();
}

TEST(Examples, EmbedReplicatorSeesRowsAndChangeNotifications) {
  TempDir dir;
  auto emu = StartEmulator("embed");
  ASSERT_NE(emu, nullptr);
  CreateOrders(*emu);
  const int64_t ts = emu->NowMs() - 1000;
  Apply(*emu,
        {Change(base::ActionType::kPutRow, "a", 1, {Put("qty", base::Value::Integer(5), ts)}),
         Change(base::ActionType::kPutRow, "b", 2, {Put("qty", base::Value::Integer(6), ts)}),
         Change(base::ActionType::kPutRow, "c", 3, {Put("qty", base::Value::Integer(7), ts)})});

  const std::string config = dir.File("embed.toml");
  std::ofstream(config) << "[source]\nendpoint = \"" << emu->endpoint()
                        << "\"\ninstance = \"embed\"\n\n[[tables]]\nsource = \"orders\"\n\n"
                           "[sqlite]\npath = \"mirror.db\"\n\n[worker]\n"
                           "heartbeat_interval = \"1s\"\nheartbeat_timeout = \"10s\"\n"
                           "checkpoint_interval = \"1s\"\n";
  auto p = StartExample(dir, "embed", {TS_EMBED_BIN, config, "--timeout", "120", "--follow"});
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->WaitForOutput("caught up\n", seconds(120), false)) << p->Stdout() << p->Stderr();
  // The query after catching up sees every row.
  EXPECT_TRUE(p->WaitForOutput("table orders rows=3\n", seconds(30), false)) << p->Stdout();
  // The row lines follow the count line; the pipe may deliver them later.
  EXPECT_TRUE(p->WaitForOutput("row orders id='a' seq=1 qty=5\n", seconds(30), false))
      << p->Stdout();
  EXPECT_TRUE(p->WaitForOutput("row orders id='c' seq=3 qty=7\n", seconds(30), false))
      << p->Stdout();
  // The listener saw the full load's keys before that.
  std::string before = p->Stdout().substr(0, p->Stdout().find("caught up\n"));
  for (const char* key : {"(string(\"a\"), integer(1))", "(string(\"b\"), integer(2))",
                          "(string(\"c\"), integer(3))"}) {
    EXPECT_NE(before.find(key), std::string::npos) << key << "\n" << before;
  }
  EXPECT_NE(before.find("commit table=orders changes="), std::string::npos) << before;

  // A stream change is committed and notified while the example follows the stream.
  base::Cell qty = Put("qty", base::Value::Integer(8), ts + 1);
  Apply(*emu, {Change(base::ActionType::kUpdateRow, "b", 2, {qty})});
  EXPECT_TRUE(p->WaitForOutput("commit table=orders changes=1 keys=[(string(\"b\"), integer(2))]",
                               seconds(60), false))
      << p->Stdout() << p->Stderr();
  InterruptAndExpectCleanExit(*p);
  EXPECT_NE(p->Stdout().find("stopped rows_applied="), std::string::npos) << p->Stdout();
  // stdout carries only the example's own lines (the library logs to stderr).
  std::istringstream out(p->Stdout());
  for (std::string line; std::getline(out, line);) {
    bool known = false;
    for (const char* prefix : {"commit table=", "caught up", "table ", "row ", "stopped "}) {
      known = known || line.rfind(prefix, 0) == 0;
    }
    EXPECT_TRUE(known) << line;
  }
}

TEST(Examples, EmbedReplicatorRejectsBadConfig) {
  TempDir dir;
  const std::string config = dir.File("bad.toml");
  std::ofstream(config) << "[source]\nendpoint = \"not a url\"\n";
  SubprocessOptions o;
  o.argv = {TS_EMBED_BIN, config};
  o.stderr_path = dir.File("err");
  auto r = testing::RunCommand(o, seconds(30));
  EXPECT_TRUE(r.exit.exited(2)) << r.exit.ToString() << r.err;
  EXPECT_NE(r.err.find("bad.toml"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tablestore
