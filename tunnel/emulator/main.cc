// tunnel-emulator: a local Tablestore Tunnel Service (docs/emulator.md, contracts.md §2).
// First stdout line: "listening on IP:PORT". Logs on stderr. Exits 0 on SIGINT/SIGTERM,
// 2 on a usage or configuration error, 1 if it cannot start.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "tunnel/emulator/control_api.h"
#include "tunnel/emulator/emulator.h"

namespace {

using tablestore::tunnel::emulator::AccessKey;
using tablestore::tunnel::emulator::Emulator;
using tablestore::tunnel::emulator::EmulatorOptions;
using tablestore::tunnel::emulator::TableSpec;
using json = nlohmann::json;

[[noreturn]] void UsageError(const std::string& message) {
  std::fprintf(stderr, "tunnel-emulator: %s\n", message.c_str());
  std::exit(2);
}

// "HOST:PORT", "[V6]:PORT" or ":PORT".
void ParseListen(const std::string& s, EmulatorOptions* o) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) UsageError("--listen must be HOST:PORT, got '" + s + "'");
  std::string host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "127.0.0.1";
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(s.substr(colon + 1), &used);
    if (used != s.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) UsageError("--listen: bad port in '" + s + "'");
  o->listen_host = host;
  o->port = port;
}

int64_t Duration(const std::string& what, const std::string& text) {
  auto ms = tablestore::tunnel::emulator::ParseDurationMs(text);
  if (!ms.ok()) UsageError(what + ": " + ms.status().message());
  return *ms;
}

int64_t Decimal(const std::string& what, const json& v) {
  try {
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_string()) {
      size_t used = 0;
      int64_t n = std::stoll(v.get<std::string>(), &used);
      if (used == v.get<std::string>().size()) return n;
    }
  } catch (const std::exception&) {
  }
  UsageError(what + ": expected an integer (or a decimal string)");
}

// Applies a JSON config file (see docs/emulator.md); command-line flags given explicitly
// override it afterwards.
void LoadConfig(const std::string& path, EmulatorOptions* o, std::vector<TableSpec>* tables) {
  std::ifstream in(path);
  if (!in) UsageError("cannot read config file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) UsageError(path + ": not a JSON object");
  try {
    for (const auto& [key, v] : j.items()) {
      if (key == "listen") {
        ParseListen(v.get<std::string>(), o);
      } else if (key == "instance") {
        o->instance = v.get<std::string>();
      } else if (key == "keys") {
        for (const json& k : v) {
          AccessKey ak;
          ak.access_key_id = k.at("access_key_id").get<std::string>();
          ak.access_key_secret = k.at("access_key_secret").get<std::string>();
          if (k.contains("sts_token")) ak.sts_token = k["sts_token"].get<std::string>();
          if (k.contains("expires_at")) ak.expires_at_ms = Decimal("expires_at", k["expires_at"]);
          o->keys.push_back(std::move(ak));
        }
      } else if (key == "admin_token") {
        o->admin_token = v.get<std::string>();
      } else if (key == "fixed_clock") {
        o->fixed_clock_ms = Decimal("fixed_clock", v);
      } else if (key == "page_max_records") {
        o->page_max_records = v.get<size_t>();
      } else if (key == "page_max_bytes") {
        o->page_max_bytes = v.get<size_t>();
      } else if (key == "retention") {
        o->retention = std::chrono::milliseconds(Duration("retention", v.get<std::string>()));
      } else if (key == "max_timestamp_deviation") {
        o->max_timestamp_deviation =
            std::chrono::milliseconds(Duration("max_timestamp_deviation", v.get<std::string>()));
      } else if (key == "seed") {
        o->seed = v.get<uint64_t>();
      } else if (key == "http_threads") {
        o->http_threads = v.get<int>();
      } else if (key == "log_requests") {
        o->log_requests = v.get<bool>();
      } else if (key == "response_md5") {
        o->response_md5 = v.get<bool>();
      } else if (key == "tables") {
        for (const json& t : v) {
          auto spec = tablestore::tunnel::emulator::TableSpecFromJson(t);
          if (!spec.ok()) UsageError(path + ": tables: " + spec.status().message());
          tables->push_back(std::move(*spec));
        }
      } else {
        UsageError(path + ": unknown key '" + key + "'");
      }
    }
  } catch (const std::exception& e) {
    UsageError(path + ": " + e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "tunnel-emulator: a local Tablestore Tunnel Service speaking the signed HTTP + "
      "protobuf + PlainBuffer protocol, with a JSON control API under /admin/."};
  std::string listen = "127.0.0.1:8340", instance, key_id, key_secret, sts_token, config,
              admin_token, retention, ts_deviation;
  std::optional<int64_t> fixed_clock;
  std::optional<uint64_t> seed;
  std::optional<size_t> page_records, page_bytes;
  std::optional<int> http_threads;
  bool log_requests = false;
  bool no_response_md5 = false;
  auto* listen_opt = app.add_option("--listen", listen, "HOST:PORT to listen on (port 0: any)")
                         ->capture_default_str();
  app.add_option("--instance", instance, "instance name requests must carry (default: emulator)");
  app.add_option("--access-key-id", key_id,
                 "accepted AccessKey id (default: $TABLESTORE_ACCESS_KEY_ID)");
  app.add_option("--access-key-secret", key_secret,
                 "its secret (default: $TABLESTORE_ACCESS_KEY_SECRET)");
  app.add_option("--sts-token", sts_token,
                 "STS token the key requires (default: $TABLESTORE_SESSION_TOKEN)");
  app.add_option("--config", config, "JSON config file (docs/emulator.md)");
  app.add_option("--admin-token", admin_token,
                 "require 'Authorization: Bearer TOKEN' on /admin/ (and serve it on any address)");
  app.add_option("--fixed-clock", fixed_clock, "freeze the emulator clock at MS (ms since epoch)");
  app.add_option("--page-max-records", page_records, "ReadRecords page limit (default 1000)");
  app.add_option("--page-max-bytes", page_bytes, "ReadRecords page limit (default 1048576)");
  app.add_option("--retention", retention, "stream retention, e.g. 7d (default 7d)");
  app.add_option("--max-timestamp-deviation", ts_deviation,
                 "refuse cell timestamps further from the clock (default 1d)");
  app.add_option("--seed", seed,
                 "seed of tunnel and client ids (default: random; 0 with --fixed-clock)");
  app.add_option("--http-threads", http_threads, "HTTP worker threads (default 64)");
  app.add_flag("--log-requests", log_requests, "log one line per request on stderr");
  app.add_flag(
      "--no-response-md5", no_response_md5,
      "omit x-ots-contentmd5 from answers (optional for clients; saves CPU in benchmarks)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  EmulatorOptions o;
  std::vector<TableSpec> tables;
  if (!config.empty()) LoadConfig(config, &o, &tables);
  if (!config.empty() && listen_opt->count() == 0) {
    // keep the config's listen address
  } else {
    ParseListen(listen, &o);
  }
  if (!instance.empty()) o.instance = instance;
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
  };
  if (key_id.empty() && o.keys.empty()) key_id = env("TABLESTORE_ACCESS_KEY_ID");
  if (key_secret.empty() && o.keys.empty()) key_secret = env("TABLESTORE_ACCESS_KEY_SECRET");
  if (sts_token.empty() && o.keys.empty()) sts_token = env("TABLESTORE_SESSION_TOKEN");
  if (!key_id.empty() || !key_secret.empty()) {
    if (key_id.empty() || key_secret.empty()) {
      UsageError("--access-key-id and --access-key-secret go together");
    }
    o.keys.push_back(AccessKey{key_id, key_secret, sts_token, std::nullopt});
  }
  if (o.keys.empty()) {
    UsageError("no access key: give --access-key-id and --access-key-secret (or keys in --config)");
  }
  if (!admin_token.empty()) o.admin_token = admin_token;
  if (fixed_clock) o.fixed_clock_ms = *fixed_clock;
  if (page_records) o.page_max_records = *page_records;
  if (page_bytes) o.page_max_bytes = *page_bytes;
  if (!retention.empty())
    o.retention = std::chrono::milliseconds(Duration("--retention", retention));
  if (!ts_deviation.empty()) {
    o.max_timestamp_deviation =
        std::chrono::milliseconds(Duration("--max-timestamp-deviation", ts_deviation));
  }
  if (seed) o.seed = *seed;
  if (http_threads) o.http_threads = *http_threads;
  if (log_requests) o.log_requests = true;
  if (no_response_md5) o.response_md5 = false;

  // Every thread inherits this mask; the main thread waits for the signals below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto started = Emulator::Start(o);
  if (!started.ok()) {
    std::fprintf(stderr, "tunnel-emulator: %s\n", started.status().ToString().c_str());
    return started.status().code() == tablestore::base::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::unique_ptr<Emulator> emulator = std::move(*started);
  for (const TableSpec& t : tables) {
    auto s = emulator->CreateTable(t);
    if (!s.ok()) {
      std::fprintf(stderr, "tunnel-emulator: config table '%s': %s\n", t.name.c_str(),
                   s.ToString().c_str());
      return 2;
    }
  }
  std::printf("listening on %s\n", emulator->listen_address().c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "tunnel-emulator: instance '%s', endpoint %s, %zu key(s)%s\n",
               o.instance.c_str(), emulator->endpoint().c_str(), o.keys.size(),
               o.fixed_clock_ms ? ", fixed clock" : "");
  int sig = 0;
  sigwait(&signals, &sig);
  std::fprintf(stderr, "tunnel-emulator: signal %d, stopping\n", sig);
  emulator->Stop();
  return 0;
}
