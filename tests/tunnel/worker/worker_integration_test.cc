// The worker against the in-process emulator over signed HTTP (contracts.md §6 names).
// Each test creates its own emulator on an ephemeral port and polls with deadlines.

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <random>
#include <set>

#include "base/clock.h"
#include "base/mutex.h"
#include "tablestore/tunnel/tunnel_client.h"
#include "tablestore/tunnel/tunnel_worker.h"
#include "tests/tunnel/worker/running_daemon.h"
#include "tunnel/client/curl_transport.h"
#include "tunnel/emulator/emulator.h"

namespace tablestore::tunnel {
namespace {

using emulator::Emulator;
using std::chrono::milliseconds;

constexpr char kTable[] = "orders";

// A transport that can be cut, as if the process died (no Shutdown, no heartbeat).
class KillableTransport : public Transport {
 public:
  base::Result<HttpResponse> Send(const HttpRequest& request) override {
    if (dead_.load()) return base::UnavailableError("connection refused (killed)");
    return inner_.Send(request);
  }
  void Kill() { dead_ = true; }

 private:
  CurlTransport inner_;
  std::atomic<bool> dead_{false};
};

// A latest-version mirror in memory, keyed by the integer primary key; checks that no
// channel ever skips a batch.
class MirrorSink {
 public:
  std::function<base::Status(const ChannelContext&)> fail;

  std::shared_ptr<SimpleProcessFactory> Factory() {
    return std::make_shared<SimpleProcessFactory>(
        [this](const ChannelContext& ctx, std::vector<Record>& records) {
          base::MutexLock lock(&mu_);
          if (fail) TS_RETURN_IF_ERROR(fail(ctx));
          // A re-read may rewind to any earlier position (at-least-once), never skip ahead:
          // every token_in but the channel's first must be a token_out seen before.
          auto& seen = seen_[ctx.channel_id];
          if (!seen.empty() && seen.count(ctx.token_in) == 0) ++gaps_;
          if (seen.empty()) seen.insert(ctx.token_in);
          seen.insert(ctx.token_out);
          if (ctx.token_out == "finished") finished_.insert(ctx.channel_id);
          for (const Record& r : records) Apply(r);
          ++batches_;
          return base::Status::Ok();
        });
  }

  std::map<int64_t, std::map<std::string, base::Value>> rows() {
    base::MutexLock lock(&mu_);
    return rows_;
  }
  int gaps() {
    base::MutexLock lock(&mu_);
    return gaps_;
  }
  std::set<std::string> finished() {
    base::MutexLock lock(&mu_);
    return finished_;
  }

 private:
  void Apply(const Record& r) REQUIRES(mu_) {
    int64_t key = r.row.primary_key.at(0).value->integer;
    switch (r.action) {
      case base::ActionType::kPutRow: {
        auto& row = rows_[key];
        row.clear();
        for (const base::Cell& c : r.row.cells) row[c.name] = *c.value;
        break;
      }
      case base::ActionType::kUpdateRow: {
        auto it = rows_.find(key);
        bool has_put = false;
        for (const base::Cell& c : r.row.cells) has_put |= c.op == base::CellOp::kPut;
        if (it == rows_.end() && !has_put) break;
        auto& row = rows_[key];
        for (const base::Cell& c : r.row.cells) {
          if (c.op == base::CellOp::kPut) {
            row[c.name] = *c.value;
          } else {
            row.erase(c.name);
          }
        }
        break;
      }
      case base::ActionType::kDeleteRow:
        rows_.erase(key);
        break;
    }
  }

  base::Mutex mu_;
  std::map<int64_t, std::map<std::string, base::Value>> rows_ GUARDED_BY(mu_);
  std::map<std::string, std::set<std::string>> seen_ GUARDED_BY(mu_);
  std::set<std::string> finished_ GUARDED_BY(mu_);
  int gaps_ GUARDED_BY(mu_) = 0;
  int batches_ GUARDED_BY(mu_) = 0;
};

base::RowChange Put(int64_t id, int64_t qty) {
  base::RowChange c;
  c.action = base::ActionType::kPutRow;
  base::Cell key;
  key.name = "id";
  key.value = base::Value::Integer(id);
  c.row.primary_key.push_back(key);
  base::Cell cell;
  cell.name = "qty";
  cell.value = base::Value::Integer(qty);
  c.row.cells.push_back(cell);
  base::Cell name;
  name.name = "name";
  name.value = base::Value::String("row-" + std::to_string(id));
  c.row.cells.push_back(name);
  return c;
}

base::RowChange Update(int64_t id, int64_t qty, bool drop_name) {
  base::RowChange c = Put(id, qty);
  c.action = base::ActionType::kUpdateRow;
  c.row.cells.resize(1);
  if (drop_name) {
    base::Cell del;
    del.name = "name";
    del.op = base::CellOp::kDeleteAllVersions;
    c.row.cells.push_back(del);
  }
  return c;
}

base::RowChange Delete(int64_t id) {
  base::RowChange c = Put(id, 0);
  c.action = base::ActionType::kDeleteRow;
  c.row.cells.clear();
  return c;
}

bool Eventually(const std::function<bool()>& done, milliseconds limit = milliseconds(15'000)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  base::CancelToken never;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    never.WaitUntil(std::chrono::steady_clock::now() + milliseconds(20));
  }
  return done();
}

using Running = testing::RunningDaemon<TunnelDaemon>;

class Worker : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator::EmulatorOptions o;
    o.keys = {{"AK", "SECRET", "", std::nullopt}};
    o.page_max_records = 20;
    auto started = Emulator::Start(o);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    emu_ = std::move(started).value();
    emulator::TableSpec spec;
    spec.name = kTable;
    spec.primary_key = {{"id", base::ValueType::kInteger}};
    spec.partitions = 4;
    ASSERT_TRUE(emu_->CreateTable(spec).ok());
    client_ = NewClient("SECRET");
  }

  std::unique_ptr<TunnelClient> NewClient(const std::string& secret,
                                          std::shared_ptr<Transport> transport = nullptr) {
    ClientOptions options;
    options.meta_retry_budget = milliseconds(3'000);
    options.read_retry_budget = milliseconds(3'000);
    options.request_timeout = milliseconds(5'000);
    options.transport = std::move(transport);
    return std::make_unique<TunnelClient>(emu_->endpoint(), emu_->instance(), "AK", secret,
                                          options);
  }

  void Write(std::vector<base::RowChange> changes) {
    auto applied = emu_->ApplyChanges(kTable, std::move(changes));
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  }

  void WriteInitial(int n) {
    std::vector<base::RowChange> changes;
    for (int i = 0; i < n; ++i) changes.push_back(Put(i, i));
    Write(std::move(changes));
  }

  // Puts, updates and deletes over existing and new keys.
  void WriteStream(int n, int64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<base::RowChange> changes;
    for (int i = 0; i < n; ++i) {
      int64_t id = static_cast<int64_t>(rng() % 400);
      switch (rng() % 4) {
        case 0:
          changes.push_back(Put(id, i));
          break;
        case 1:
          changes.push_back(Update(id, i, false));
          break;
        case 2:
          changes.push_back(Update(id, i, true));
          break;
        default:
          changes.push_back(Delete(id));
          break;
      }
    }
    Write(std::move(changes));
  }

  std::string CreateTunnel() {
    CreateTunnelRequest req;
    req.table_name = kTable;
    req.tunnel_name = "t" + std::to_string(++tunnels_);
    req.type = TunnelType::kBaseAndStream;
    auto created = client_->CreateTunnel(req);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->tunnel_id : "";
  }

  std::map<int64_t, std::map<std::string, base::Value>> Source() {
    std::map<int64_t, std::map<std::string, base::Value>> out;
    auto rows = emu_->Rows(kTable);
    EXPECT_TRUE(rows.ok());
    if (!rows.ok()) return out;
    for (const base::Row& r : *rows) {
      auto& row = out[r.primary_key.at(0).value->integer];
      for (const base::Cell& c : r.cells) row[c.name] = *c.value;
    }
    return out;
  }

  bool StageIsStream(const std::string& tunnel_id) {
    auto d = emu_->DescribeTunnel(tunnel_id);
    return d.ok() && d->tunnel().stage() == "ProcessStream";
  }

  TunnelWorkerConfig Config(MirrorSink& sink) {
    TunnelWorkerConfig c;
    c.processor_factory = sink.Factory();
    c.heartbeat_interval = milliseconds(300);
    c.heartbeat_timeout = milliseconds(2'000);
    c.checkpoint_interval = milliseconds(100);
    c.restart_delay_min = milliseconds(10);
    c.restart_delay_max = milliseconds(100);
    c.stream_backoff_max = milliseconds(100);
    return c;
  }

  // Full consumption (base, then stream) with one kind of fault injected.
  void RunWith(emulator::FaultSettings faults) {
    WriteInitial(300);
    std::string tunnel = CreateTunnel();
    faults.seed = 7;
    faults.slow_delay = milliseconds(50);
    ASSERT_TRUE(emu_->SetFaults(faults).ok());
    MirrorSink sink;
    Running run(client_.get(), tunnel, Config(sink));
    ASSERT_TRUE(Eventually([&] { return StageIsStream(tunnel); }));
    WriteStream(300, 5);
    ASSERT_TRUE(Eventually([&] { return sink.rows() == Source(); }));
    EXPECT_EQ(sink.gaps(), 0);
    EXPECT_TRUE(run.StopAndWait().ok());
    emulator::FaultCounts n = emu_->fault_counts();
    EXPECT_GT(n.http_5xx + n.server_unavailable + n.reset + n.slow + n.truncate + n.corrupt, 0);
  }

  std::unique_ptr<Emulator> emu_;
  std::unique_ptr<TunnelClient> client_;
  int tunnels_ = 0;
};

TEST_F(Worker, ConsumesBaseThenStream) {
  WriteInitial(300);
  std::string tunnel = CreateTunnel();
  MirrorSink sink;
  Running run(client_.get(), tunnel, Config(sink));
  ASSERT_TRUE(Eventually([&] { return StageIsStream(tunnel); }));
  WriteStream(500, 1);
  ASSERT_TRUE(Eventually([&] { return sink.rows() == Source(); }));
  EXPECT_EQ(sink.rows().size(), Source().size());
  EXPECT_EQ(sink.gaps(), 0);
  EXPECT_TRUE(run.StopAndWait().ok());
}

TEST_F(Worker, PartitionSplit) {
  WriteInitial(100);
  std::string tunnel = CreateTunnel();
  MirrorSink sink;
  Running run(client_.get(), tunnel, Config(sink));
  ASSERT_TRUE(Eventually([&] { return StageIsStream(tunnel); }));
  WriteStream(200, 2);
  ASSERT_TRUE(Eventually([&] { return sink.rows() == Source(); }));
  auto children = emu_->Split(kTable, 0);
  ASSERT_TRUE(children.ok()) << children.status().ToString();
  WriteStream(300, 3);
  ASSERT_TRUE(Eventually([&] { return sink.rows() == Source(); }));
  EXPECT_EQ(sink.gaps(), 0);
  // The parent stream channel ended (finished) and was handed over to its children.
  auto terminated_streams = [&] {
    int n = 0;
    auto d = emu_->DescribeTunnel(tunnel);
    if (!d.ok()) return -1;
    for (const auto& ch : d->channels()) {
      if (ch.channel_type() == "Stream" && ch.channel_status() == "TERMINATED") ++n;
    }
    return n;
  };
  EXPECT_TRUE(Eventually([&] { return terminated_streams() == 1; })) << terminated_streams();
  EXPECT_TRUE(run.StopAndWait().ok());
}

TEST_F(Worker, FailoverWhenClientDies) {
  WriteInitial(50);
  std::string tunnel = CreateTunnel();
  auto victim_wire = std::make_shared<KillableTransport>();
  auto victim_client = NewClient("SECRET", victim_wire);
  MirrorSink sink;  // one mirror fed by both clients, as the replicator would be
  Running victim(victim_client.get(), tunnel, Config(sink));
  ASSERT_TRUE(Eventually([&] { return StageIsStream(tunnel); }));
  Running survivor(client_.get(), tunnel, Config(sink));
  auto owners = [&] {
    std::map<std::string, int> by_client;
    auto d = emu_->DescribeTunnel(tunnel);
    if (!d.ok()) return by_client;
    for (const auto& ch : d->channels()) {
      if (ch.channel_type() == "Stream" && ch.channel_status() == "OPEN") {
        ++by_client[ch.client_id()];
      }
    }
    return by_client;
  };
  // Balanced: both clients hold stream channels.
  ASSERT_TRUE(Eventually([&] { return owners().size() == 2; })) << owners().size();
  victim_wire->Kill();
  // After the victim's 2 s heartbeat timeout, the survivor holds all four.
  ASSERT_TRUE(Eventually([&] {
    auto o = owners();
    return o.size() == 1 && o.begin()->second == 4;
  }));
  WriteStream(200, 4);
  // Every later stream change reaches the mirror through the survivor.
  ASSERT_TRUE(Eventually([&] { return sink.rows() == Source(); }));
  EXPECT_EQ(sink.gaps(), 0);
  EXPECT_TRUE(survivor.StopAndWait().ok());
}

TEST_F(Worker, RecoversFromFaultHttp5xx) { RunWith({.http_5xx = 0.1}); }
TEST_F(Worker, RecoversFromFaultServerUnavailable) { RunWith({.server_unavailable = 0.1}); }
TEST_F(Worker, RecoversFromFaultReset) { RunWith({.reset = 0.1}); }
TEST_F(Worker, RecoversFromFaultSlow) { RunWith({.slow = 0.2}); }
TEST_F(Worker, RecoversFromFaultTruncate) { RunWith({.truncate = 0.3}); }
TEST_F(Worker, RecoversFromFaultCorrupt) { RunWith({.corrupt = 0.3}); }

TEST_F(Worker, BadSignatureIsFatal) {
  std::string tunnel = CreateTunnel();
  auto bad = NewClient("WRONG-SECRET");
  MirrorSink sink;
  Running run(bad.get(), tunnel, Config(sink));
  std::optional<base::Status> end = run.WaitEnd(milliseconds(15'000));
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->code(), base::StatusCode::kUnauthenticated) << end->ToString();
}

TEST_F(Worker, ExpiredTunnelIsFatal) {
  WriteInitial(10);
  std::string tunnel = CreateTunnel();
  emu_->AdvanceClock(std::chrono::hours(24 * 8));
  MirrorSink sink;
  Running run(client_.get(), tunnel, Config(sink));
  std::optional<base::Status> end = run.WaitEnd(milliseconds(15'000));
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->code(), base::StatusCode::kOutOfRange) << end->ToString();
  EXPECT_NE(end->message().find("resync"), std::string::npos);
}

TEST_F(Worker, CallbackErrorRetriesTheBatchNeverSkipsIt) {
  WriteInitial(300);
  std::string tunnel = CreateTunnel();
  MirrorSink sink;
  std::set<std::string> failed_once;
  int failures = 0;
  sink.fail = [&](const ChannelContext& ctx) {
    // The first delivery of every third page fails.
    if (std::hash<std::string>()(ctx.token_in) % 3 == 0 &&
        failed_once.insert(ctx.token_in).second) {
      ++failures;
      return base::UnavailableError("sink busy");
    }
    return base::Status::Ok();
  };
  Running run(client_.get(), tunnel, Config(sink));
  ASSERT_TRUE(Eventually([&] { return StageIsStream(tunnel); }));
  WriteStream(200, 6);
  ASSERT_TRUE(Eventually([&] { return sink.rows() == Source(); }));
  EXPECT_EQ(sink.gaps(), 0);
  EXPECT_GT(failures, 0);
  EXPECT_TRUE(run.StopAndWait().ok());
}

}  // namespace
}  // namespace tablestore::tunnel
