// The Tablestore Tunnel quick start of the official Go SDK, in C++ (docs/api.md):
// a TunnelClient with credentials from the environment, a BaseAndStream tunnel (created, or
// reused by name), a SimpleProcessFactory callback that prints every record on one line, and
// a TunnelDaemon that runs until Ctrl-C.
//
//   export TABLESTORE_ACCESS_KEY_ID=... TABLESTORE_ACCESS_KEY_SECRET=...
//   tunnel_quickstart [--endpoint URL] [--instance NAME] [--tunnel NAME] TABLE
//
// The endpoint and the instance default to $TABLESTORE_ENDPOINT and $TABLESTORE_INSTANCE;
// the tunnel name to "quickstart-TABLE". Records go to stdout, one line each:
//
//   record channel=CH action=PUT_ROW pk=(id=string("a"), seq=integer(1))
//       columns=(qty put integer(5) @1795620408409, old delete_all_versions)
//
// (on one line). Progress and errors go to stderr. Exit code 0 after Ctrl-C (SIGINT or
// SIGTERM), 1 on failure, 2 on usage errors.
//
// Only public headers are used (plus spdlog, to send the library's logs to stderr): this
// file builds the same way against an installed package (find_package(TablestoreReplicator)
// + tablestore::replicator, or pkg-config).

#include <pthread.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <any>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tablestore/base/row.h"
#include "tablestore/base/status.h"
#include "tablestore/tunnel/credentials.h"
#include "tablestore/tunnel/tunnel_client.h"
#include "tablestore/tunnel/tunnel_worker.h"

namespace {

namespace base = tablestore::base;
namespace tunnel = tablestore::tunnel;

struct Args {
  std::string endpoint;
  std::string instance;
  std::string table;
  std::string tunnel_name;
};

std::string EnvOr(const char* name, std::string fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

bool ParseArgs(int argc, char** argv, Args& args) {
  args.endpoint = EnvOr("TABLESTORE_ENDPOINT");
  args.instance = EnvOr("TABLESTORE_INSTANCE");
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    if (a == "--endpoint") {
      if (!value(args.endpoint)) return false;
    } else if (a == "--instance") {
      if (!value(args.instance)) return false;
    } else if (a == "--tunnel") {
      if (!value(args.tunnel_name)) return false;
    } else if (a == "-h" || a == "--help" || (!a.empty() && a[0] == '-') || !args.table.empty()) {
      return false;
    } else {
      args.table = a;
    }
  }
  if (args.tunnel_name.empty()) args.tunnel_name = "quickstart-" + args.table;
  return !args.endpoint.empty() && !args.instance.empty() && !args.table.empty();
}

// One record as one line (the Go quick start prints rec.String()).
std::string FormatRecord(const tunnel::ChannelContext& ctx, const tunnel::Record& rec) {
  std::ostringstream out;
  out << "record channel=" << ctx.channel_id << " action=" << base::ActionTypeName(rec.action)
      << " pk=(";
  for (size_t i = 0; i < rec.row.primary_key.size(); ++i) {
    const base::Cell& c = rec.row.primary_key[i];
    out << (i ? ", " : "") << c.name << "=" << (c.value ? c.value->DebugString() : "null");
  }
  out << ") columns=(";
  for (size_t i = 0; i < rec.row.cells.size(); ++i) {
    const base::Cell& c = rec.row.cells[i];
    out << (i ? ", " : "") << c.name << " " << base::CellOpName(c.op);
    if (c.value) out << " " << c.value->DebugString();
    if (c.timestamp) out << " @" << *c.timestamp;
  }
  out << ")";
  return out.str();
}

// Shared by every channel's callback (channels are processed in parallel), handed to the
// callbacks as the factory's custom value.
struct Printer {
  std::mutex mu;
  long long records = 0;
};

// Finds the tunnel by name, or creates a BaseAndStream tunnel.
base::Result<std::string> FindOrCreateTunnel(tunnel::TunnelClient& client, const Args& args) {
  auto tunnels = client.ListTunnel(args.table);
  if (!tunnels.ok()) return tunnels.status();
  for (const tunnel::TunnelInfo& t : *tunnels) {
    if (t.tunnel_name == args.tunnel_name) {
      std::cerr << "quickstart: reusing tunnel '" << args.tunnel_name << "' (" << t.tunnel_id
                << ")\n";
      return t.tunnel_id;
    }
  }
  tunnel::CreateTunnelRequest req;
  req.table_name = args.table;
  req.tunnel_name = args.tunnel_name;
  req.type = tunnel::TunnelType::kBaseAndStream;
  auto created = client.CreateTunnel(req);
  if (!created.ok()) return created.status();
  std::cerr << "quickstart: created tunnel '" << args.tunnel_name << "' ("
            << created->tunnel_id << ")\n";
  return created->tunnel_id;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) {
    std::cerr << "usage: " << argv[0]
              << " [--endpoint URL] [--instance NAME] [--tunnel NAME] TABLE\n"
                 "  endpoint and instance default to $TABLESTORE_ENDPOINT and "
                 "$TABLESTORE_INSTANCE;\n"
                 "  credentials: $TABLESTORE_ACCESS_KEY_ID, $TABLESTORE_ACCESS_KEY_SECRET "
                 "[, $TABLESTORE_SESSION_TOKEN]\n";
    return 2;
  }

  // Block SIGINT/SIGTERM in every thread; one thread waits for them and stops the daemon
  // (TunnelDaemon::Stop is not async-signal-safe, so it is never called from a handler).
  // The library logs through spdlog's default logger, which writes to stdout unless told
  // otherwise: send it to stderr so that stdout carries only this program's output.
  spdlog::set_default_logger(spdlog::stderr_color_mt("tablestore"));

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);  // wakes the signal thread when Run() ends by itself
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // 1. The client, with the credentials from the environment.
  auto credentials = tunnel::NewEnvironmentCredentialsProvider();
  if (!credentials.ok()) {
    std::cerr << "quickstart: " << credentials.status().ToString() << "\n";
    return 1;
  }
  tunnel::TunnelClient client(args.endpoint, args.instance, *credentials);

  // 2. The tunnel.
  auto tunnel_id = FindOrCreateTunnel(client, args);
  if (!tunnel_id.ok()) {
    std::cerr << "quickstart: " << tunnel_id.status().ToString() << "\n";
    return 1;
  }

  // 3. The callback: one line per record.
  auto printer = std::make_shared<Printer>();
  auto process = [](const tunnel::ChannelContext& ctx,
                    std::vector<tunnel::Record>& records) -> base::Status {
    auto p = std::any_cast<std::shared_ptr<Printer>>(ctx.custom_value);
    std::lock_guard<std::mutex> lock(p->mu);
    for (const tunnel::Record& rec : records) std::cout << FormatRecord(ctx, rec) << "\n";
    std::cout.flush();
    p->records += static_cast<long long>(records.size());
    return base::Status::Ok();  // an error would make the worker retry this batch
  };
  tunnel::TunnelWorkerConfig config;
  config.processor_factory =
      std::make_shared<tunnel::SimpleProcessFactory>(process, nullptr, printer);

  // 4. The daemon, until Ctrl-C.
  tunnel::TunnelDaemon daemon(&client, *tunnel_id, config);
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig != SIGUSR1) std::cerr << "quickstart: stopping\n";
    daemon.Stop();
  });
  std::cerr << "quickstart: running on table '" << args.table << "'; Ctrl-C to stop\n";
  base::Status status = daemon.Run();
  pthread_kill(signal_thread.native_handle(), SIGUSR1);
  signal_thread.join();

  std::lock_guard<std::mutex> lock(printer->mu);
  std::cerr << "quickstart: " << printer->records << " records processed\n";
  if (!status.ok()) {
    std::cerr << "quickstart: " << status.ToString() << "\n";
    return 1;
  }
  return 0;
}
