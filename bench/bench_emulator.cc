// bench-emulator (contracts.md §4): how fast the emulator takes writes and serves
// ReadRecords for the typical row. Two readers: a signed httplib client over loopback (one
// request at a time, so the server works on one core at a time) and the protocol handler
// called in process (no HTTP). Over HTTP the emulator's own CPU per record is the process
// CPU minus this (client) thread's; in process, the handler is timed apart from the
// client's protobuf parse. Options: --rows N (default 200000), --json.

#include <httplib.h>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/report.h"
#include "tunnel/emulator/emulator.h"
#include "tunnel/emulator/tunnel_service.h"
#include "tunnel/emulator/workload.h"
#include "tunnel/protocol/signing.h"
#include "tunnel/protocol/token.h"
#include "tunnel/protocol/tunnel.pb.h"

namespace {

using namespace tablestore;
using namespace tablestore::tunnel;
using namespace tablestore::tunnel::emulator;
using Clock = std::chrono::steady_clock;

constexpr char kAk[] = "AKIDbench";
constexpr char kSk[] = "bench-secret";

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// CPU seconds of the process or of the calling thread.
double CpuSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// CPU used by every thread but this one (the emulator's HTTP and service threads, since
// the client runs here) between construction and Elapsed().
class ServerCpu {
 public:
  ServerCpu()
      : process_(CpuSeconds(CLOCK_PROCESS_CPUTIME_ID)),
        thread_(CpuSeconds(CLOCK_THREAD_CPUTIME_ID)) {}
  double Elapsed() const {
    return (CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - process_) -
           (CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - thread_);
  }

 private:
  double process_;
  double thread_;
};

// Resident set size in bytes (/proc/self/statm), 0 if unknown.
double ResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long pages = 0, resident = 0;
  int n = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  return n == 2 ? static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) : 0;
}

class SignedClient {
 public:
  SignedClient(int port, std::string instance) : http_("127.0.0.1", port), instance_(instance) {
    http_.set_keep_alive(true);
    http_.set_tcp_nodelay(true);
    http_.set_read_timeout(std::chrono::seconds(60));
  }

  // Returns the response body; exits on failure (a benchmark has no error path).
  std::string Call(const std::string& op, const google::protobuf::MessageLite& req) {
    std::string body = req.SerializeAsString();
    std::string path = "/tunnel/" + op;
    HeaderList h = SignRequest(SigningInput{path, body, kAk, kSk, "", instance_, kApiVersionGo, "",
                                            std::chrono::system_clock::now()});
    httplib::Headers headers;
    for (const auto& [k, v] : h) headers.emplace(k, v);
    auto res = http_.Post(path.c_str(), headers, body, "application/x-protobuf");
    if (!res || res->status != 200) {
      std::fprintf(stderr, "bench-emulator: %s failed (HTTP %d)\n", op.c_str(),
                   res ? res->status : 0);
      std::exit(1);
    }
    bytes_ += res->body.size();
    return res->body;
  }
  size_t bytes() const { return bytes_; }

 private:
  httplib::Client http_;
  std::string instance_;
  size_t bytes_ = 0;
};

template <class Resp>
Resp Parse(const std::string& body) {
  Resp r;
  if (!r.ParseFromString(body)) {
    std::fprintf(stderr, "bench-emulator: response does not parse\n");
    std::exit(1);
  }
  return r;
}

std::string CreateTunnel(SignedClient& c, const std::string& name, pb::TunnelType type) {
  pb::CreateTunnelRequest req;
  req.mutable_tunnel()->set_table_name("bench");
  req.mutable_tunnel()->set_tunnel_name(name);
  req.mutable_tunnel()->set_tunnel_type(type);
  return Parse<pb::CreateTunnelResponse>(c.Call("create", req)).tunnel_id();
}

struct Opened {
  std::string client;
  std::vector<std::string> channels;
};

Opened Open(SignedClient& c, const std::string& tunnel) {
  pb::ConnectRequest cr;
  cr.set_tunnel_id(tunnel);
  cr.mutable_client_config()->set_timeout(300);
  Opened o;
  o.client = Parse<pb::ConnectResponse>(c.Call("connect", cr)).client_id();
  pb::HeartbeatRequest hb;
  hb.set_tunnel_id(tunnel);
  hb.set_client_id(o.client);
  auto resp = Parse<pb::HeartbeatResponse>(c.Call("heartbeat", hb));
  for (const auto& ch : resp.channels()) {
    o.channels.push_back(ch.channel_id());
  }
  return o;
}

// Reads every channel until finished or caught up; returns the records read.
int64_t ReadAll(SignedClient& c, const std::string& tunnel, const Opened& o) {
  int64_t records = 0;
  for (const std::string& ch : o.channels) {
    pb::GetCheckpointRequest g;
    g.set_tunnel_id(tunnel);
    g.set_client_id(o.client);
    g.set_channel_id(ch);
    std::string token = Parse<pb::GetCheckpointResponse>(c.Call("getcheckpoint", g)).checkpoint();
    for (;;) {
      pb::ReadRecordsRequest r;
      r.set_tunnel_id(tunnel);
      r.set_client_id(o.client);
      r.set_channel_id(ch);
      r.set_token(token);
      auto page = Parse<pb::ReadRecordsResponse>(c.Call("readrecords", r));
      records += page.records_size();
      token = page.next_token();
      if (token == kFinishedToken || !page.may_more_record()) break;
    }
  }
  return records;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Report report("emulator", &argc, argv);
  int64_t rows = 200000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rows") == 0 && i + 1 < argc) rows = std::atoll(argv[++i]);
  }
  EmulatorOptions options;
  options.keys = {AccessKey{kAk, kSk, "", std::nullopt}};
  options.http_threads = 4;
  auto started = Emulator::Start(options);
  if (!started.ok()) {
    std::fprintf(stderr, "bench-emulator: %s\n", started.status().ToString().c_str());
    return 1;
  }
  auto emu = std::move(*started);
  TableSpec spec;
  spec.name = "bench";
  spec.primary_key = {{"id", base::ValueType::kString}, {"seq", base::ValueType::kInteger}};
  spec.partitions = 4;
  if (!emu->CreateTable(spec).ok()) return 1;
  auto client_owner = std::make_unique<SignedClient>(emu->port(), emu->instance());
  SignedClient& client = *client_owner;
  std::string stream_tunnel = CreateTunnel(client, "stream", pb::Stream);

  report.Progress("writing " + std::to_string(rows) + " typical rows");
  const double rss0 = ResidentBytes();
  const double write_cpu0 = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);  // generation included
  auto t0 = Clock::now();
  for (int64_t done = 0; done < rows;) {
    std::vector<base::RowChange> batch;
    for (int i = 0; i < 1000 && done + i < rows; ++i) {
      batch.push_back(Workload::TypicalPut(1, done + i));
    }
    done += static_cast<int64_t>(batch.size());
    if (!emu->ApplyChanges("bench", std::move(batch)).ok()) return 1;
  }
  report.Add("write_changes_per_s", static_cast<double>(rows) / Seconds(t0), "changes/s");
  report.Add("write_cpu_us_per_change",
             (CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - write_cpu0) * 1e6 / static_cast<double>(rows),
             "us");
  // Rows, their cached base records and the stream's records, per written row.
  report.Add("resident_bytes_per_row", (ResidentBytes() - rss0) / static_cast<double>(rows),
             "bytes");

  std::string base_tunnel = CreateTunnel(client, "base", pb::BaseData);
  t0 = Clock::now();
  Opened base = Open(client, base_tunnel);  // Connect takes the snapshot
  report.Add("snapshot_rows_per_s", static_cast<double>(rows) / Seconds(t0), "rows/s");

  report.Progress("reading the base data over HTTP");
  size_t bytes0 = client.bytes();
  t0 = Clock::now();
  ServerCpu base_cpu;
  int64_t n = ReadAll(client, base_tunnel, base);
  double secs = Seconds(t0);
  report.Add("http_base_records_per_s", static_cast<double>(n) / secs, "records/s");
  report.Add("http_base_mb_per_s", static_cast<double>(client.bytes() - bytes0) / 1e6 / secs,
             "MB/s");
  report.Add("http_base_emulator_cpu_us_per_record",
             base_cpu.Elapsed() * 1e6 / static_cast<double>(std::max<int64_t>(n, 1)), "us");

  report.Progress("reading the stream over HTTP");
  Opened stream = Open(client, stream_tunnel);
  t0 = Clock::now();
  ServerCpu stream_cpu;
  int64_t m = ReadAll(client, stream_tunnel, stream);
  report.Add("http_stream_records_per_s", static_cast<double>(m) / Seconds(t0), "records/s");
  report.Add("http_stream_emulator_cpu_us_per_record",
             stream_cpu.Elapsed() * 1e6 / static_cast<double>(std::max<int64_t>(m, 1)), "us");
  if (n != rows || m != rows) {
    std::fprintf(stderr, "bench-emulator: read %lld base and %lld stream records, expected %lld\n",
                 static_cast<long long>(n), static_cast<long long>(m),
                 static_cast<long long>(rows));
    return 1;
  }

  report.Progress("reading the base data in process (no HTTP)");
  pb::GetCheckpointRequest g;
  g.set_tunnel_id(base_tunnel);
  g.set_client_id(base.client);
  int64_t k = 0;
  double handler_s = 0;  // inside the handler only
  t0 = Clock::now();
  for (const std::string& ch : base.channels) {
    g.set_channel_id(ch);
    pb::GetCheckpointResponse cp;
    cp.ParseFromString(emu->service().Handle("getcheckpoint", g.SerializeAsString()).body);
    std::string token = cp.checkpoint();
    while (token != kFinishedToken) {
      pb::ReadRecordsRequest r;
      r.set_tunnel_id(base_tunnel);
      r.set_client_id(base.client);
      r.set_channel_id(ch);
      r.set_token(token);
      std::string request = r.SerializeAsString();
      auto h0 = Clock::now();
      ServiceReply reply = emu->service().Handle("readrecords", request);
      handler_s += Seconds(h0);
      pb::ReadRecordsResponse page;
      if (reply.http_status != 200 || !page.ParseFromString(reply.body)) return 1;
      k += page.records_size();
      token = page.next_token();
    }
  }
  report.Add("inprocess_base_records_per_s", static_cast<double>(k) / Seconds(t0), "records/s");
  report.Add("inprocess_base_handler_records_per_s", static_cast<double>(k) / handler_s,
             "records/s");
  client_owner.reset();  // close the keep-alive connection before stopping the server
  emu->Stop();
  report.Print();
  return 0;
}
