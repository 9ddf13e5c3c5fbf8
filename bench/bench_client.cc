// bench-client: end-to-end read rate emulator → TunnelClient → no-op sink, for the typical
// row (docs/emulator.md). The emulator runs in this process (same 2 cores), over real HTTP
// on loopback. Figures: base data read by one thread (channel after channel) and by one
// thread per channel, the stream part, and the ReadRecords page latency.
//   bench-client [--json] [--rows N]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/report.h"
#include "tablestore/tunnel/tunnel_client.h"
#include "tunnel/emulator/emulator.h"
#include "tunnel/emulator/workload.h"

namespace {

using namespace tablestore;
using tunnel::TunnelClient;
using Clock = std::chrono::steady_clock;

constexpr char kAk[] = "AKIDbenchclient";
constexpr char kSk[] = "bench-client-secret";

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Totals {
  std::mutex mu;
  int64_t records = 0;
  int64_t cells = 0;  // the no-op sink touches every record
  int64_t bytes = 0;
  std::vector<double> page_ms;
};

struct Opened {
  std::string client_id;
  std::vector<std::string> channels;
};

int Fail(const std::string& what, const base::Status& s) {
  std::fprintf(stderr, "bench-client: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

std::string Create(TunnelClient& client, const std::string& name, tunnel::TunnelType type) {
  tunnel::CreateTunnelRequest req;
  req.table_name = "bench";
  req.tunnel_name = name;
  req.type = type;
  req.start_from_earliest = true;
  auto r = client.CreateTunnel(req);
  if (!r.ok()) Fail("CreateTunnel", r.status());
  return r->tunnel_id;
}

Opened Open(TunnelClient& client, const std::string& tunnel_id) {
  Opened o;
  auto id = client.Connect(tunnel_id, std::chrono::seconds(300), "bench");
  if (!id.ok()) Fail("Connect", id.status());
  o.client_id = *id;
  for (int i = 0; i < 10 && o.channels.empty(); ++i) {
    auto hb = client.Heartbeat(tunnel_id, o.client_id, {});
    if (!hb.ok()) Fail("Heartbeat", hb.status());
    for (const auto& ch : *hb) o.channels.push_back(ch.channel_id);
  }
  return o;
}

void ReadChannel(TunnelClient& client, const std::string& tunnel_id, const Opened& o,
                 const std::string& channel, Totals* totals) {
  auto cp = client.GetCheckpoint(tunnel_id, o.client_id, channel);
  if (!cp.ok()) Fail("GetCheckpoint", cp.status());
  std::string token = cp->token;
  int64_t records = 0, cells = 0, bytes = 0;
  std::vector<double> page_ms;
  while (token != "finished") {
    auto t0 = Clock::now();
    auto page = client.ReadRecords(tunnel_id, o.client_id, channel, token);
    page_ms.push_back(Seconds(t0) * 1000);
    if (!page.ok()) Fail("ReadRecords", page.status());
    for (const base::RowChange& c : page->records) cells += static_cast<int64_t>(c.row.cells.size());
    records += static_cast<int64_t>(page->records.size());
    bytes += static_cast<int64_t>(page->wire_bytes);
    token = page->next_token;
    if (page->records.empty() && !page->may_more_record.value_or(false) && token != "finished") {
      break;  // a stream channel with nothing left right now
    }
  }
  std::lock_guard<std::mutex> lock(totals->mu);
  totals->records += records;
  totals->cells += cells;
  totals->bytes += bytes;
  totals->page_ms.insert(totals->page_ms.end(), page_ms.begin(), page_ms.end());
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  bench::Report report("client", &argc, argv);
  int64_t rows = 200'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rows") == 0 && i + 1 < argc) rows = std::atoll(argv[++i]);
  }
  tunnel::emulator::EmulatorOptions options;
  options.keys = {{kAk, kSk, "", std::nullopt}};
  options.http_threads = 8;
  auto started = tunnel::emulator::Emulator::Start(options);
  if (!started.ok()) Fail("emulator", started.status());
  auto emu = std::move(*started);
  tunnel::emulator::TableSpec spec;
  spec.name = "bench";
  spec.primary_key = {{"id", base::ValueType::kString}, {"seq", base::ValueType::kInteger}};
  spec.partitions = 4;
  if (auto s = emu->CreateTable(spec); !s.ok()) Fail("CreateTable", s);

  TunnelClient client(emu->endpoint(), emu->instance(), kAk, kSk);
  std::string stream_tunnel = Create(client, "stream", tunnel::TunnelType::kStream);
  report.Progress("writing " + std::to_string(rows) + " typical rows");
  for (int64_t done = 0; done < rows;) {
    std::vector<base::RowChange> batch;
    for (int i = 0; i < 1000 && done + i < rows; ++i) {
      batch.push_back(tunnel::emulator::Workload::TypicalPut(1, done + i));
    }
    done += static_cast<int64_t>(batch.size());
    if (auto r = emu->ApplyChanges("bench", std::move(batch)); !r.ok()) Fail("write", r.status());
  }

  // Base data, one thread.
  {
    std::string id = Create(client, "base1", tunnel::TunnelType::kBaseData);
    Opened o = Open(client, id);
    report.Progress("base data, one thread, " + std::to_string(o.channels.size()) + " channels");
    Totals t;
    auto t0 = Clock::now();
    for (const auto& ch : o.channels) ReadChannel(client, id, o, ch, &t);
    double secs = Seconds(t0);
    if (t.records != rows) {
      std::fprintf(stderr, "bench-client: read %lld records, expected %lld\n",
                   static_cast<long long>(t.records), static_cast<long long>(rows));
      return 1;
    }
    report.Add("base_records_per_s_1thread", static_cast<double>(t.records) / secs, "records/s");
    report.Add("base_mb_per_s_1thread", static_cast<double>(t.bytes) / 1e6 / secs, "MB/s");
    report.Add("page_latency_p50_ms", Percentile(t.page_ms, 0.5), "ms");
    report.Add("page_latency_p99_ms", Percentile(t.page_ms, 0.99), "ms");
    report.Add("records_per_page", static_cast<double>(t.records) /
                                       static_cast<double>(std::max<size_t>(1, t.page_ms.size())),
               "records");
  }
  // Base data, one thread per channel (one keep-alive connection each).
  {
    std::string id = Create(client, "baseN", tunnel::TunnelType::kBaseData);
    Opened o = Open(client, id);
    report.Progress("base data, one thread per channel");
    Totals t;
    auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (const auto& ch : o.channels) {
      threads.emplace_back([&, ch] { ReadChannel(client, id, o, ch, &t); });
    }
    for (auto& th : threads) th.join();
    double secs = Seconds(t0);
    report.Add("base_records_per_s_parallel", static_cast<double>(t.records) / secs, "records/s");
  }
  // Stream part (records since the tunnel was created: every write above).
  {
    Opened o = Open(client, stream_tunnel);
    report.Progress("stream, one thread");
    Totals t;
    auto t0 = Clock::now();
    for (const auto& ch : o.channels) ReadChannel(client, stream_tunnel, o, ch, &t);
    double secs = Seconds(t0);
    report.Add("stream_records_per_s_1thread", static_cast<double>(t.records) / secs,
               "records/s");
  }
  report.Print();
  return 0;
}
