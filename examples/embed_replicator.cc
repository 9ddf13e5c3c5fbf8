// The replicator as a library (docs/api.md): start a Replicator from a TOML config, print
// the change notifications of its commit listener, wait until the mirror has caught up,
// query the mirror with the sqlite3 C API, then stop (or, with --follow, keep replicating
// and printing notifications until Ctrl-C).
//
//   export TABLESTORE_ACCESS_KEY_ID=... TABLESTORE_ACCESS_KEY_SECRET=...
//   embed_replicator CONFIG.toml [--timeout SECONDS] [--rows N] [--follow]
//
// stdout, one line each:
//   commit table=orders changes=3 keys=[(string("a"), integer(1)), ...]   (listener)
//   caught up
//   table orders rows=3                                                   (sqlite3 query)
//   row orders id='a' seq=1 qty=5                                         (first N rows)
//   stopped rows_applied=3
// Progress and errors go to stderr. Exit codes as `replicator run` (ExitCodeFor).
//
// Only public headers are used (plus sqlite3.h, and spdlog to send the library's logs to
// stderr).

#include <pthread.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <chrono>
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
#include "tablestore/config/replicator_config.h"
#include "tablestore/replicator/replicator.h"

namespace {

namespace base = tablestore::base;
namespace replicator = tablestore::replicator;

struct Args {
  std::string config;
  int timeout_s = 300;
  int rows = 5;
  bool follow = false;
};

bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--timeout" || a == "--rows") && i + 1 < argc) {
      (a == "--timeout" ? args.timeout_s : args.rows) = std::atoi(argv[++i]);
    } else if (a == "--follow") {
      args.follow = true;
    } else if (!a.empty() && a[0] != '-' && args.config.empty()) {
      args.config = a;
    } else {
      return false;
    }
  }
  return !args.config.empty() && args.timeout_s > 0 && args.rows >= 0;
}

std::mutex g_out_mu;  // the listener runs on the applier thread

void PrintLine(const std::string& line) {
  std::lock_guard<std::mutex> lock(g_out_mu);
  std::cout << line << "\n";
  std::cout.flush();
}

// The commit listener: one line per table of each commit. Runs on the replicator's applier
// thread, so it only formats and prints (hand heavy work to your own thread).
void OnCommit(const std::vector<replicator::ChangedRows>& changed) {
  constexpr size_t kMaxKeys = 10;
  for (const replicator::ChangedRows& t : changed) {
    std::ostringstream out;
    out << "commit table=" << t.table << " changes=" << t.keys.size() << " keys=[";
    for (size_t i = 0; i < t.keys.size() && i < kMaxKeys; ++i) {
      out << (i ? ", " : "") << "(";
      for (size_t j = 0; j < t.keys[i].size(); ++j) {
        out << (j ? ", " : "") << t.keys[i][j].DebugString();
      }
      out << ")";
    }
    if (t.keys.size() > kMaxKeys) out << ", ... " << t.keys.size() - kMaxKeys << " more";
    out << "]";
    PrintLine(out.str());
  }
}

std::string QuoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string ColumnText(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL:
      return "NULL";
    case SQLITE_INTEGER:
      return std::to_string(sqlite3_column_int64(stmt, i));
    case SQLITE_FLOAT: {
      std::ostringstream out;
      out << sqlite3_column_double(stmt, i);
      return out.str();
    }
    case SQLITE_BLOB: {
      const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, i));
      std::string hex = "x'";
      static constexpr char kDigits[] = "0123456789abcdef";
      for (int k = 0; k < sqlite3_column_bytes(stmt, i); ++k) {
        hex += kDigits[p[k] >> 4];
        hex += kDigits[p[k] & 15];
      }
      return hex + "'";
    }
    default:
      return "'" +
             std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
                         sqlite3_column_bytes(stmt, i)) +
             "'";
  }
}

// Reads the mirror like any other SQLite reader (WAL: readers never block the replicator).
// The mirror's own bookkeeping columns (prefix "_replicator") are skipped.
bool QueryMirror(const tablestore::config::ReplicatorConfig& config, int max_rows) {
  if (config.sqlite.path == ":memory:") return true;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(config.sqlite.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    std::cerr << "embed: cannot open " << config.sqlite.path << ": " << sqlite3_errmsg(db)
              << "\n";
    sqlite3_close(db);
    return false;
  }
  sqlite3_busy_timeout(db, 5000);
  bool ok = true;
  for (const tablestore::config::TableConfig& t : config.tables) {
    std::string table = QuoteIdentifier(t.target);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &stmt,
                           nullptr) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW) {
      std::cerr << "embed: " << sqlite3_errmsg(db) << "\n";
      sqlite3_finalize(stmt);
      ok = false;
      continue;
    }
    PrintLine("table " + t.target + " rows=" + std::to_string(sqlite3_column_int64(stmt, 0)));
    sqlite3_finalize(stmt);

    std::string sql = "SELECT * FROM " + table + " LIMIT " + std::to_string(max_rows);
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      std::cerr << "embed: " << sqlite3_errmsg(db) << "\n";
      ok = false;
      continue;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string line = "row " + t.target;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        std::string name = sqlite3_column_name(stmt, i);
        if (name.rfind("_replicator", 0) == 0) continue;
        line += " " + name + "=" + ColumnText(stmt, i);
      }
      PrintLine(line);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) {
    std::cerr << "usage: " << argv[0]
              << " CONFIG.toml [--timeout SECONDS] [--rows N] [--follow]\n";
    return 2;
  }
  // The library logs through spdlog's default logger, which writes to stdout unless told
  // otherwise: send it to stderr so that stdout carries only this program's output.
  spdlog::set_default_logger(spdlog::stderr_color_mt("tablestore"));

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);  // wakes the signal thread at the end
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // 1. The config (validated before any network or credential use).
  auto config = replicator::LoadConfig(args.config);
  if (!config.ok()) {
    std::cerr << "embed: " << config.status().ToString() << "\n";
    return 2;
  }

  // 2. The replicator, with a commit listener.
  replicator::ReplicatorOptions options;
  options.on_commit = OnCommit;
  auto rep = replicator::Replicator::Create(*config, options);
  if (!rep.ok()) {
    std::cerr << "embed: " << rep.status().ToString() << "\n";
    return replicator::ExitCodeFor(rep.status());
  }
  replicator::Replicator& r = **rep;
  if (base::Status s = r.Start(); !s.ok()) {
    std::cerr << "embed: " << s.ToString() << "\n";
    return replicator::ExitCodeFor(s);
  }

  // 3. Wait for the full load and the stream to catch up, then query the mirror.
  base::Status caught_up = r.WaitCaughtUp(std::chrono::seconds(args.timeout_s));
  if (!caught_up.ok()) {
    std::cerr << "embed: " << caught_up.ToString() << "\n";
    r.Stop();
    return replicator::ExitCodeFor(caught_up) == 0 ? 1 : replicator::ExitCodeFor(caught_up);
  }
  PrintLine("caught up");
  bool queried = QueryMirror(*config, args.rows);

  // 4. Optionally keep replicating until Ctrl-C, then stop (drain, commit, checkpoint).
  base::Status result;
  if (args.follow) {
    std::cerr << "embed: following the stream; Ctrl-C to stop\n";
    std::thread signal_thread([&] {
      int sig = 0;
      sigwait(&signals, &sig);
      r.RequestStop();  // safe from any thread; Wait() returns, Stop() drains
    });
    result = r.Wait();
    pthread_kill(signal_thread.native_handle(), SIGUSR1);
    signal_thread.join();
  }
  r.Stop();
  replicator::StatusSnapshot snapshot = r.Status();
  PrintLine("stopped rows_applied=" + std::to_string(snapshot.rows_applied));
  if (!result.ok()) {
    std::cerr << "embed: " << result.ToString() << "\n";
    return replicator::ExitCodeFor(result);
  }
  return queried ? 0 : 1;
}
