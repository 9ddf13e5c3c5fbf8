// The embeddable Replicator against the in-process emulator: full load then stream, mirror
// equal to source, restart resumes from local checkpoints, refusals protect the mirror.

#include <gtest/gtest.h>

#include <thread>

#include "replicator/cli/verify_command.h"
#include "storage/mirror.h"
#include "storage/mirror_reader.h"
#include "tablestore/replicator/replicator.h"
#include "tests/support/poll.h"
#include "tests/support/test_paths.h"
#include "tunnel/emulator/emulator.h"

namespace tablestore::replicator {
namespace {

using tunnel::emulator::Emulator;

constexpr char kKeyId[] = "test-ak";
constexpr char kSecret[] = "test-secret";

class ReplicatorInProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    tunnel::emulator::EmulatorOptions eo;
    eo.instance = "inst";
    eo.keys.push_back({kKeyId, kSecret, "", std::nullopt});
    eo.page_max_records = 200;
    auto emu = Emulator::Start(eo);
    ASSERT_TRUE(emu.ok()) << emu.status().ToString();
    emulator_ = std::move(emu).value();
    tunnel::emulator::WorkloadSpec w;
    w.table = "orders";
    w.initial_rows = 3000;
    w.rate_per_s = 0;
    w.partitions = 3;
    ASSERT_TRUE(emulator_->StartWorkload(w).ok());
    ASSERT_TRUE(testing::PollUntil(std::chrono::seconds(120), [&] {
      auto st = emulator_->workload_status();
      return st && st->initial_done;
    })) << "the workload never finished writing its initial rows";
  }

  config::ReplicatorConfig Config() {
    config::ReplicatorConfig c;
    c.source.endpoint = emulator_->endpoint();
    c.source.instance = "inst";
    c.credentials.provider = config::CredentialsProviderKind::kStatic;
    c.credentials.access_key_id = kKeyId;
    c.credentials.access_key_secret = kSecret;
    config::TableConfig t;
    t.source = "orders";
    t.tunnel = "replicator-orders";
    t.target = "orders";
    c.tables.push_back(t);
    c.sqlite.path = dir_.File("mirror.db");
    c.worker.heartbeat_interval = std::chrono::milliseconds(500);
    c.worker.heartbeat_timeout = std::chrono::seconds(10);
    c.worker.checkpoint_interval = std::chrono::milliseconds(200);
    return c;
  }

  // WaitCaughtUp may return on an empty page fetched just before the latest writes were
  // committed, so the mirror is polled (generous deadline) before the exact comparison.
  void ExpectMirrorEqualsSource() {
    testing::PollUntil(std::chrono::seconds(60), [&] {
      auto source = emulator_->Rows("orders");
      auto mirror = storage::ReadMirrorRows(dir_.File("mirror.db"), "orders");
      return source.ok() && mirror.ok() && CompareRows(*source, *mirror).equal();
    });
    auto source = emulator_->Rows("orders");
    ASSERT_TRUE(source.ok());
    auto mirror = storage::ReadMirrorRows(dir_.File("mirror.db"), "orders");
    ASSERT_TRUE(mirror.ok()) << mirror.status().ToString();
    RowDiff diff = CompareRows(*source, *mirror);
    EXPECT_TRUE(diff.equal()) << "missing " << diff.missing << " unexpected " << diff.unexpected
                              << " different " << diff.different << "\n"
                              << (diff.examples.empty() ? "" : diff.examples[0]);
  }

  // Writes `n` updates to existing keys through the emulator.
  void WriteUpdates(int n, int64_t value) {
    auto rows = emulator_->Rows("orders");
    ASSERT_TRUE(rows.ok());
    std::vector<base::RowChange> changes;
    for (int i = 0; i < n && i < static_cast<int>(rows->size()); ++i) {
      base::RowChange c;
      c.action = base::ActionType::kUpdateRow;
      c.row.primary_key = (*rows)[static_cast<size_t>(i) * 7 % rows->size()].primary_key;
      base::Cell cell;
      cell.name = "qty";
      cell.value = base::Value::Integer(value + i);
      c.row.cells.push_back(cell);
      changes.push_back(std::move(c));
    }
    ASSERT_TRUE(emulator_->ApplyChanges("orders", std::move(changes)).ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<Emulator> emulator_;
};

TEST_F(ReplicatorInProcess, FullLoadThenStreamEqualsSource) {
  auto rep = Replicator::Create(Config());
  ASSERT_TRUE(rep.ok());
  ASSERT_TRUE((*rep)->Start().ok());
  ASSERT_TRUE((*rep)->WaitCaughtUp(std::chrono::seconds(60)).ok());
  ExpectMirrorEqualsSource();
  WriteUpdates(200, 1000);
  ASSERT_TRUE((*rep)->WaitCaughtUp(std::chrono::seconds(60)).ok());
  ExpectMirrorEqualsSource();
  StatusSnapshot s = (*rep)->Status();
  ASSERT_EQ(s.tables.size(), 1u);
  EXPECT_GE(s.rows_applied, 3000);
  (*rep)->Stop();
  EXPECT_TRUE((*rep)->Wait().ok());
}

TEST_F(ReplicatorInProcess, RestartResumesFromLocalCheckpoints) {
  {
    auto rep = Replicator::Create(Config());
    ASSERT_TRUE(rep.ok());
    ASSERT_TRUE((*rep)->Start().ok());
    ASSERT_TRUE((*rep)->WaitCaughtUp(std::chrono::seconds(60)).ok());
    (*rep)->Stop();
  }
  WriteUpdates(100, 5000);
  auto rep = Replicator::Create(Config());
  ASSERT_TRUE(rep.ok());
  ASSERT_TRUE((*rep)->Start().ok());
  ASSERT_TRUE((*rep)->WaitCaughtUp(std::chrono::seconds(60)).ok());
  ExpectMirrorEqualsSource();
  // Only the stream changes were applied again, not the full load.
  EXPECT_LT((*rep)->Status().rows_applied, 3000);
  (*rep)->Stop();
}

TEST_F(ReplicatorInProcess, RefusesAFileBoundToAnotherTunnel) {
  {
    auto rep = Replicator::Create(Config());
    ASSERT_TRUE(rep.ok());
    ASSERT_TRUE((*rep)->Start().ok());
    ASSERT_TRUE((*rep)->WaitCaughtUp(std::chrono::seconds(60)).ok());
    (*rep)->Stop();
  }
  // The tunnel is recreated under the same name: a new id the file does not know.
  tunnel::TunnelClient client(emulator_->endpoint(), "inst", kKeyId, kSecret);
  ASSERT_TRUE(client.DeleteTunnel("orders", "replicator-orders").ok());
  auto rep = Replicator::Create(Config());
  ASSERT_TRUE(rep.ok());
  base::Status s = (*rep)->Start();
  EXPECT_EQ(s.code(), base::StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("replicator resync"), std::string::npos) << s.ToString();
  EXPECT_EQ(ExitCodeFor(s), 3);
}

TEST_F(ReplicatorInProcess, RefusesANewFileFacingATunnelWithProgress) {
  {
    auto rep = Replicator::Create(Config());
    ASSERT_TRUE(rep.ok());
    ASSERT_TRUE((*rep)->Start().ok());
    ASSERT_TRUE((*rep)->WaitCaughtUp(std::chrono::seconds(60)).ok());
    (*rep)->Stop();
  }
  config::ReplicatorConfig c = Config();
  c.sqlite.path = dir_.File("other.db");
  auto rep = Replicator::Create(c);
  ASSERT_TRUE(rep.ok());
  base::Status s = (*rep)->Start();
  EXPECT_EQ(s.code(), base::StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("silent gap"), std::string::npos) << s.ToString();
}

TEST_F(ReplicatorInProcess, BadCredentialsFailWithExitCode4) {
  config::ReplicatorConfig c = Config();
  c.credentials.access_key_secret = "wrong-secret";
  auto rep = Replicator::Create(c);
  ASSERT_TRUE(rep.ok());
  base::Status s = (*rep)->Start();
  EXPECT_EQ(ExitCodeFor(s), 4) << s.ToString();
  EXPECT_EQ(s.ToString().find("wrong-secret"), std::string::npos);
}

}  // namespace
}  // namespace tablestore::replicator
