// bench-e2e (contracts.md §4, docs/performance.md): the `replicator` binary as its own
// process against a `tunnel-emulator` process, both started here, over loopback HTTP.
//
//  1. Full load, small table (--small-rows, default --rows / 2): rows/s and the
//     replicator's peak RSS. (Half, not a quarter: the SQLite page cache, 64 MiB, is
//     part of the RSS and only fills once the mirror file outgrows it, ~450k rows.)
//  2. Full load, --rows typical rows (default 1,000,000): rows/s (replicator spawn → every
//     row committed) and peak RSS (wait4 ru_maxrss of that process, which is stopped with
//     SIGTERM once the load is committed, before any stream).
//  3. The raw loop: the same rows, read back from that mirror, written with plain prepared
//     INSERTs on the same user-visible schema, in the same channel interleaving (one
//     1000-row page per partition per commit), WAL, synchronous NORMAL, 64 MiB cache.
//  4. Stream lag at a steady --rate changes/s (the emulator's workload generator): a probe
//     thread writes extra put rows (--probe-rate/s, round robin over the 4 partitions) and
//     notes the time before each admin POST; a poller with a read-only SQLite connection
//     looks for them in the mirror every millisecond. Lag = first seen committed − sent:
//     the true write → commit latency (an upper bound by ≤ 1 ms of polling).
//  5. Stream apply rate: with the replicator stopped, the generator writes a backlog
//     (--backlog changes, the typical 30/60/10 put/update/delete mix) plus a final probe;
//     the replicator is restarted and timed from spawn until that probe is committed.
//
// Full-load progress is read from the mirror's own metadata (sum of rows_applied in
// `_replicator_checkpoints`, docs/storage.md) with a read-only connection every 10 ms: a
// cheap read, unlike `replicator status` (which counts rows).
//
// Usage: bench-e2e [--json] [--rows N] [--small-rows N] [--rate N] [--lag-secs S]
//                  [--probe-rate N] [--backlog N] [--replicator PATH] [--emulator PATH]
//                  [--keep]

#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/report.h"

namespace tablestore::bench {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr int kPartitions = 4;
constexpr int kPageRecords = 1000;  // the emulator's default ReadRecords page
constexpr char kAk[] = "bench-e2e-access-key";
constexpr char kSk[] = "bench-e2e-access-secret";

struct Config {
  int64_t rows = 1'000'000;
  int64_t small_rows = -1;  // default rows / 2
  double rate = 2000;
  double lag_secs = 20;
  double probe_rate = 50;
  int64_t backlog = 200'000;
  std::string replicator;
  std::string emulator;
  bool keep = false;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench-e2e: %s\n", what.c_str());
  std::exit(1);
}

double LoadAverage() {
  double l[3] = {0, 0, 0};
  if (getloadavg(l, 3) < 1) return -1;
  return l[0];
}

std::string LoadNote() {
  double l[3] = {0, 0, 0};
  getloadavg(l, 3);
  char buf[64];
  std::snprintf(buf, sizeof buf, "load %.2f %.2f %.2f", l[0], l[1], l[2]);
  return buf;
}

// The emulator's default split points on a string first key column (docs/emulator.md,
// tunnel/emulator/table.cc): partition i starts at two characters of the alphabet.
constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr int kAlphabetSize = 62;
std::string SplitPoint(int i) {
  int k = i * kAlphabetSize * kAlphabetSize / kPartitions;
  return std::string{kAlphabet[k / kAlphabetSize], kAlphabet[k % kAlphabetSize]};
}
// A probe key id inside partition p: the split point itself plus '~'.
std::string ProbeId(int p) { return (p == 0 ? std::string("0") : SplitPoint(p)) + "~probe"; }

// --- child processes --------------------------------------------------------------------

pid_t Spawn(const std::vector<std::string>& args, int stdout_fd, const std::string& log) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    int err = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int out = stdout_fd >= 0 ? stdout_fd : open("/dev/null", O_WRONLY);
    if (err >= 0) dup2(err, 2);
    dup2(out, 1);
    execv(argv[0], argv.data());
    std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  return pid;
}

// VmHWM of a live process in bytes (0 if unreadable).
int64_t PeakRss(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
  }
  return 0;
}

// CPU seconds (user + system) a live process has used so far.
double ProcCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = all.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(all.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && (fields >> f); ++i) {
    if (i == 14 || i == 15) ticks += std::atof(f.c_str());  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double ThreadCpuSeconds() {
  struct rusage ru {};
  getrusage(RUSAGE_THREAD, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Exit {
  int code = -1;
  int64_t max_rss = 0;  // bytes (ru_maxrss of the reaped child)
  double cpu_s = 0;     // user + system CPU seconds of the reaped child
};

std::optional<Exit> TryReap(pid_t pid, bool block) {
  int status = 0;
  struct rusage ru {};
  pid_t r = wait4(pid, &status, block ? 0 : WNOHANG, &ru);
  if (r != pid) return std::nullopt;
  Exit e;
  e.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  e.max_rss = static_cast<int64_t>(ru.ru_maxrss) * 1024;
  e.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  return e;
}

// SIGTERM, then waits up to `grace` (then SIGKILL).
Exit Stop(pid_t pid, std::chrono::seconds grace = std::chrono::seconds(60)) {
  kill(pid, SIGTERM);
  auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    if (auto e = TryReap(pid, false)) return *e;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  return TryReap(pid, true).value_or(Exit{});
}

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > 3000 ? all.substr(all.size() - 3000) : all;
}

// --- the emulator's control API -------------------------------------------------------

class Admin {
 public:
  Admin(const std::string& host, int port) : client_(host, port) {
    client_.set_read_timeout(120, 0);
    client_.set_keep_alive(true);
  }
  json Call(const std::string& method, const std::string& path, const json& body = nullptr) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string full = "/admin/" + path;
    httplib::Result r = method == "GET"      ? client_.Get(full)
                        : method == "DELETE" ? client_.Delete(full)
                        : method == "PUT"    ? client_.Put(full, body.dump(), "application/json")
                                             : client_.Post(full, body.dump(), "application/json");
    if (!r) Die(method + " " + full + ": " + httplib::to_string(r.error()));
    if (r->status / 100 != 2)
      Die(method + " " + full + ": HTTP " + std::to_string(r->status) + " " + r->body);
    return r->body.empty() ? json::object() : json::parse(r->body);
  }

 private:
  std::mutex mu_;
  httplib::Client client_;
};

json StringValue(const std::string& s) { return {{"type", "string"}, {"value", s}}; }
json IntValue(int64_t v) { return {{"type", "integer"}, {"value", std::to_string(v)}}; }

json ProbeChange(int partition, int64_t seq) {
  return {{"op", "put"},
          {"primary_key",
           {{{"name", "id"}, {"value", StringValue(ProbeId(partition))}},
            {{"name", "seq"}, {"value", IntValue(seq)}}}},
          {"cells", {{{"name", "qty"}, {"value", IntValue(seq)}}}}};
}

void WaitInitialDone(Admin& admin, int64_t rows, const Report& report) {
  auto start = Clock::now();
  for (;;) {
    json st = admin.Call("GET", "workload");
    if (st.contains("error")) Die("workload: " + st["error"].get<std::string>());
    if (st.value("initial_done", false)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, "emulator generated %lld rows in %.1f s",
                static_cast<long long>(rows), Seconds(Clock::now() - start));
  report.Progress(buf);
}

// --- reading the mirror -----------------------------------------------------------------

class ReadOnlyDb {
 public:
  ~ReadOnlyDb() { Close(); }
  bool Open(const std::string& path) {
    if (db_) return true;
    if (!fs::exists(path)) return false;
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      Close();
      return false;
    }
    sqlite3_busy_timeout(db_, 1000);
    return true;
  }
  void Close() {
    for (auto& s : stmts_) sqlite3_finalize(s);
    stmts_.clear();
    if (db_) sqlite3_close(db_);
    db_ = nullptr;
  }
  // nullptr if it cannot be prepared yet (schema not created).
  sqlite3_stmt* Prepare(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return nullptr;
    stmts_.push_back(s);
    return s;
  }
  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> stmts_;
};

// Rows committed so far (sum of the channels' rows_applied), -1 if not readable yet.
class CommittedRows {
 public:
  explicit CommittedRows(std::string path) : path_(std::move(path)) {}
  int64_t Read() {
    if (!stmt_) {
      if (!db_.Open(path_)) return -1;
      stmt_ = db_.Prepare("SELECT coalesce(sum(rows_applied), 0) FROM _replicator_checkpoints");
      if (!stmt_) {
        db_.Close();
        return -1;
      }
    }
    int64_t n = -1;
    if (sqlite3_step(stmt_) == SQLITE_ROW) n = sqlite3_column_int64(stmt_, 0);
    sqlite3_reset(stmt_);
    return n;
  }
  // (groups_committed, rows_applied) of the mirror's counters.
  std::pair<int64_t, int64_t> Groups() {
    std::pair<int64_t, int64_t> out{0, 0};
    if (!db_.Open(path_)) return out;
    sqlite3_stmt* s = db_.Prepare("SELECT name, value FROM _replicator_counters");
    if (!s) return out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::string name = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      if (name == "groups_committed") out.first = sqlite3_column_int64(s, 1);
      if (name == "rows_applied") out.second = sqlite3_column_int64(s, 1);
    }
    return out;
  }

 private:
  std::string path_;
  ReadOnlyDb db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// --- the raw loop -----------------------------------------------------------------------

// Rows of one partition: `columns` values per row, flat; bytes in an arena.
struct RawValue {
  int type = SQLITE_NULL;
  union {
    int64_t i;
    double d;
    struct {
      uint32_t off;
      uint32_t len;
    } b;
  };
};

struct RawRows {
  std::vector<std::string> columns;  // user-visible columns, in mirror order
  std::vector<std::vector<RawValue>> partitions;
  std::string arena;
  int64_t count = 0;
};

RawRows ReadMirrorRows(const std::string& path, const std::string& table) {
  ReadOnlyDb db;
  if (!db.Open(path)) Die("cannot open " + path);
  RawRows out;
  {
    sqlite3_stmt* s = db.Prepare("SELECT name FROM pragma_table_info('" + table + "')");
    if (!s) Die("table_info");
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::string c = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      if (c.rfind("_replicator", 0) != 0) out.columns.push_back(c);
    }
  }
  std::string cols;
  for (const std::string& c : out.columns) cols += (cols.empty() ? "\"" : ", \"") + c + "\"";
  out.partitions.resize(kPartitions);
  for (int p = 0; p < kPartitions; ++p) {
    std::string where;
    if (p > 0) where += " WHERE id >= '" + SplitPoint(p) + "'";
    if (p + 1 < kPartitions) {
      where +=
          (where.empty() ? " WHERE" : " AND") + std::string(" id < '") + SplitPoint(p + 1) + "'";
    }
    sqlite3_stmt* s =
        db.Prepare("SELECT " + cols + " FROM \"" + table + "\"" + where + " ORDER BY id, seq");
    if (!s) Die(std::string("read rows: ") + sqlite3_errmsg(db.db()));
    std::vector<RawValue>& vals = out.partitions[p];
    while (sqlite3_step(s) == SQLITE_ROW) {
      for (int c = 0; c < static_cast<int>(out.columns.size()); ++c) {
        RawValue v;
        v.type = sqlite3_column_type(s, c);
        v.i = 0;
        switch (v.type) {
          case SQLITE_INTEGER:
            v.i = sqlite3_column_int64(s, c);
            break;
          case SQLITE_FLOAT:
            v.d = sqlite3_column_double(s, c);
            break;
          case SQLITE_TEXT:
          case SQLITE_BLOB: {
            const void* bytes = sqlite3_column_blob(s, c);
            int n = sqlite3_column_bytes(s, c);
            v.b.off = static_cast<uint32_t>(out.arena.size());
            v.b.len = static_cast<uint32_t>(n);
            out.arena.append(static_cast<const char*>(bytes), static_cast<size_t>(n));
            break;
          }
          default:
            break;
        }
        vals.push_back(v);
      }
      ++out.count;
    }
  }
  return out;
}

// Writes the rows like the replicator's full load would at best: one page of every
// partition per commit, plain INSERT, prepared once. Returns rows/s (writes only).
double RawInsertLoop(const RawRows& rows, const std::string& path, double* cpu_s) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    Die("raw open");
  }
  auto exec = [&](const std::string& sql) {
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      Die("raw: " + sql + ": " + sqlite3_errmsg(db));
    }
  };
  exec("PRAGMA journal_mode = WAL");
  exec("PRAGMA synchronous = NORMAL");
  exec("PRAGMA cache_size = -65536");
  std::string cols, params;
  for (size_t c = 0; c < rows.columns.size(); ++c) {
    cols += (c ? ", \"" : "\"") + rows.columns[c] + "\"";
    params += (c ? ", ?" : "?") + std::to_string(c + 1);
  }
  exec("CREATE TABLE t (" + cols + ", PRIMARY KEY (id, seq)) WITHOUT ROWID");
  sqlite3_stmt* insert = nullptr;
  std::string sql = "INSERT INTO t (" + cols + ") VALUES (" + params + ")";
  if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &insert, nullptr) !=
      SQLITE_OK) {
    Die("raw prepare");
  }
  const size_t ncols = rows.columns.size();
  std::vector<size_t> next(kPartitions, 0);
  const double cpu_before = ThreadCpuSeconds();
  auto start = Clock::now();
  for (bool more = true; more;) {
    more = false;
    exec("BEGIN IMMEDIATE");
    for (int p = 0; p < kPartitions; ++p) {
      const std::vector<RawValue>& vals = rows.partitions[p];
      size_t total = vals.size() / ncols;
      size_t end = std::min(total, next[p] + kPageRecords);
      for (; next[p] < end; ++next[p]) {
        const RawValue* row = &vals[next[p] * ncols];
        for (size_t c = 0; c < ncols; ++c) {
          const RawValue& v = row[c];
          int i = static_cast<int>(c) + 1;
          switch (v.type) {
            case SQLITE_INTEGER:
              sqlite3_bind_int64(insert, i, v.i);
              break;
            case SQLITE_FLOAT:
              sqlite3_bind_double(insert, i, v.d);
              break;
            case SQLITE_TEXT:
              sqlite3_bind_text(insert, i, rows.arena.data() + v.b.off, static_cast<int>(v.b.len),
                                SQLITE_STATIC);
              break;
            case SQLITE_BLOB:
              sqlite3_bind_blob(insert, i, rows.arena.data() + v.b.off, static_cast<int>(v.b.len),
                                SQLITE_STATIC);
              break;
            default:
              sqlite3_bind_null(insert, i);
          }
        }
        if (sqlite3_step(insert) != SQLITE_DONE)
          Die(std::string("raw step: ") + sqlite3_errmsg(db));
        sqlite3_reset(insert);
      }
      if (next[p] < total) more = true;
    }
    exec("COMMIT");
  }
  double secs = Seconds(Clock::now() - start);
  *cpu_s = ThreadCpuSeconds() - cpu_before;
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return static_cast<double>(rows.count) / secs;
}

// --- the bench --------------------------------------------------------------------------

class E2e {
 public:
  E2e(Config config, Report* report) : config_(std::move(config)), report_(*report) {}

  int Run();

 private:
  void StartEmulator();
  std::string WriteConfig(const std::string& table, const std::string& db);
  pid_t StartReplicator(const std::string& config, const std::string& log);
  // Full load of `table` (`rows` rows) into `db`; returns (rows/s, peak RSS bytes).
  std::pair<double, int64_t> FullLoad(const std::string& table, int64_t rows,
                                      const std::string& name);
  void StreamLag();
  void StreamApply();
  void CheckAlive(pid_t pid, const std::string& log);

  // Probes: the highest probe seq committed per partition.
  std::vector<int64_t> CommittedProbes(ReadOnlyDb& db, std::vector<sqlite3_stmt*>& stmts);

  Config config_;
  Report& report_;
  fs::path dir_;
  pid_t emulator_ = -1;
  int emulator_out_ = -1;
  std::string endpoint_;
  std::unique_ptr<Admin> admin_;
  std::string big_config_, big_db_;
  int64_t next_probe_ = 0;  // probe seq numbers are global, partition = seq % kPartitions
};

void E2e::StartEmulator() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) Die("pipe");
  std::string log = (dir_ / "emulator.log").string();
  int child_out = dup(fds[1]);  // without O_CLOEXEC, so it survives exec
  emulator_ = Spawn({config_.emulator, "--listen", "127.0.0.1:0", "--instance", "bench",
                     "--access-key-id", kAk, "--access-key-secret", kSk,
                     // The header is optional and no client here checks it; its MD5 would
                     // be half of the emulator's CPU per base row on the shared cores.
                     "--no-response-md5"},
                    child_out, log);
  close(child_out);
  close(fds[1]);
  emulator_out_ = fds[0];
  std::string line;
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos) {
    struct pollfd pfd {
      emulator_out_, POLLIN, 0
    };
    if (Clock::now() > deadline || poll(&pfd, 1, 100) < 0)
      Die("emulator did not start: " + Tail(log));
    if (pfd.revents & (POLLIN | POLLHUP)) {
      char buf[256];
      ssize_t n = read(emulator_out_, buf, sizeof buf);
      if (n <= 0) Die("emulator exited: " + Tail(log));
      line.append(buf, static_cast<size_t>(n));
    }
  }
  line = line.substr(0, line.find('\n'));
  const std::string prefix = "listening on ";
  if (line.rfind(prefix, 0) != 0) Die("emulator said: " + line);
  std::string addr = line.substr(prefix.size());
  size_t colon = addr.rfind(':');
  endpoint_ = "http://" + addr;
  admin_ = std::make_unique<Admin>(addr.substr(0, colon), std::atoi(addr.c_str() + colon + 1));
  report_.Progress("tunnel-emulator listening on " + endpoint_);
}

std::string E2e::WriteConfig(const std::string& table, const std::string& db) {
  std::string path = (dir_ / (table + ".toml")).string();
  std::ofstream out(path);
  out << "[source]\nendpoint = \"" << endpoint_ << "\"\ninstance = \"bench\"\n\n"
      << "[credentials]\nprovider = \"environment\"\n\n"
      << "[[tables]]\nsource = \"" << table << "\"\n\n"
      << "[sqlite]\npath = \"" << db << "\"\n\n"
      << "[logging]\nlevel = \"info\"\n";
  return path;
}

pid_t E2e::StartReplicator(const std::string& config, const std::string& log) {
  return Spawn({config_.replicator, "run", "--config", config}, -1, log);
}

void E2e::CheckAlive(pid_t pid, const std::string& log) {
  if (auto e = TryReap(pid, false)) {
    Die("the replicator exited (code " + std::to_string(e->code) + "):\n" + Tail(log));
  }
}

std::pair<double, int64_t> E2e::FullLoad(const std::string& table, int64_t rows,
                                         const std::string& name) {
  admin_->Call("POST", "tables",
               {{"name", table},
                {"primary_key",
                 {{{"name", "id"}, {"type", "string"}}, {{"name", "seq"}, {"type", "integer"}}}},
                {"partitions", kPartitions}});
  admin_->Call("POST", "workload",
               {{"table", table},
                {"initial_rows", rows},
                {"rate_per_s", 0},
                {"mix", {{"put", 0.3}, {"update", 0.6}, {"delete", 0.1}}},
                {"seed", 1}});
  WaitInitialDone(*admin_, rows, report_);

  std::string db = (dir_ / (table + ".db")).string();
  std::string config = WriteConfig(table, db);
  std::string log = (dir_ / (table + ".replicator.log")).string();
  std::string load_before = LoadNote();
  CommittedRows committed(db);
  const double emulator_cpu_before = ProcCpuSeconds(emulator_);
  double emulator_cpu_at_first = 0;
  auto start = Clock::now();
  pid_t pid = StartReplicator(config, log);
  int64_t hwm = 0;
  std::optional<Clock::time_point> first;
  auto last_note = start;
  for (;;) {
    int64_t n = committed.Read();
    auto now = Clock::now();
    if (n > 0 && !first) {
      first = now;
      emulator_cpu_at_first = ProcCpuSeconds(emulator_);
    }
    if (n >= rows) break;
    CheckAlive(pid, log);
    hwm = std::max(hwm, PeakRss(pid));
    if (now - last_note > std::chrono::seconds(5)) {
      last_note = now;
      report_.Progress(name + ": " + std::to_string(std::max<int64_t>(n, 0)) + " rows committed");
    }
    if (now - start > std::chrono::minutes(20)) Die(name + ": full load did not finish in 20 min");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  double secs = Seconds(Clock::now() - start);
  const double emulator_cpu = ProcCpuSeconds(emulator_) - emulator_cpu_before;
  hwm = std::max(hwm, PeakRss(pid));
  Exit e = Stop(pid);
  if (e.code != 0)
    Die(name + ": replicator exit code " + std::to_string(e.code) + "\n" + Tail(log));
  int64_t peak = std::max(hwm, e.max_rss);
  auto [groups, applied] = committed.Groups();
  double rate = static_cast<double>(rows) / secs;
  const double first_s = first ? Seconds(*first - start) : 0.0;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s: %lld rows in %.2f s (first commit after %.2f s; emulator CPU %.2f s until "
                "then, %.2f s in all; replicator CPU %.2f s) = %.0f rows/s, peak RSS %.1f MiB, "
                "%.0f rows/commit (%s → %s)",
                name.c_str(), static_cast<long long>(rows), secs, first_s,
                emulator_cpu_at_first - emulator_cpu_before, emulator_cpu, e.cpu_s, rate,
                peak / 1048576.0, groups > 0 ? static_cast<double>(applied) / groups : 0.0,
                load_before.c_str(), LoadNote().c_str());
  report_.Progress(buf);
  if (name == "full_load") {
    report_.Add("full_load_first_commit_s", first_s, "s");
    report_.Add("full_load_after_first_commit_rows_per_s",
                secs > first_s ? static_cast<double>(rows) / (secs - first_s) : 0.0, "rows/s");
    report_.Add("full_load_replicator_cpu_us_per_row", e.cpu_s * 1e6 / static_cast<double>(rows),
                "us/row");
    report_.Add("full_load_emulator_cpu_us_per_row", emulator_cpu * 1e6 / static_cast<double>(rows),
                "us/row");
    report_.Add("full_load_rows_per_commit", groups > 0 ? static_cast<double>(applied) / groups : 0,
                "rows");
    big_config_ = config;
    big_db_ = db;
  }
  return {rate, peak};
}

std::vector<int64_t> E2e::CommittedProbes(ReadOnlyDb& db, std::vector<sqlite3_stmt*>& stmts) {
  std::vector<int64_t> out(kPartitions, -1);
  if (stmts.empty()) {
    if (!db.Open(big_db_)) return out;
    for (int p = 0; p < kPartitions; ++p) {
      sqlite3_stmt* s =
          db.Prepare("SELECT max(seq) FROM \"orders\" WHERE id = '" + ProbeId(p) + "'");
      if (!s) Die(std::string("probe query: ") + sqlite3_errmsg(db.db()));
      stmts.push_back(s);
    }
  }
  sqlite3_exec(db.db(), "BEGIN", nullptr, nullptr, nullptr);
  for (int p = 0; p < kPartitions; ++p) {
    if (sqlite3_step(stmts[p]) == SQLITE_ROW && sqlite3_column_type(stmts[p], 0) != SQLITE_NULL) {
      out[p] = sqlite3_column_int64(stmts[p], 0);
    }
    sqlite3_reset(stmts[p]);
  }
  sqlite3_exec(db.db(), "COMMIT", nullptr, nullptr, nullptr);
  return out;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

void E2e::StreamLag() {
  std::string log = (dir_ / "orders.stream.log").string();
  pid_t pid = StartReplicator(big_config_, log);
  ReadOnlyDb db;
  std::vector<sqlite3_stmt*> stmts;
  // Ready: a first probe is committed (the replicator is in the stream stage).
  {
    int64_t seq = next_probe_++;
    admin_->Call("POST", "tables/orders/changes",
                 {{"changes", {ProbeChange(seq % kPartitions, seq)}}});
    auto deadline = Clock::now() + std::chrono::seconds(60);
    while (CommittedProbes(db, stmts)[seq % kPartitions] < seq) {
      CheckAlive(pid, log);
      if (Clock::now() > deadline) Die("stream did not start within 60 s\n" + Tail(log));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  admin_->Call("POST", "workload",
               {{"table", "orders"},
                {"initial_rows", 0},
                {"rate_per_s", config_.rate},
                {"mix", {{"put", 0.3}, {"update", 0.6}, {"delete", 0.1}}},
                {"seed", 2}});
  std::this_thread::sleep_for(std::chrono::seconds(2));  // warm up
  std::string load_before = LoadNote();
  int64_t changes_before = admin_->Call("GET", "workload").value("changes", int64_t{0});
  auto window_start = Clock::now();

  // Sender and poller.
  std::mutex mu;
  std::vector<std::pair<int64_t, Clock::time_point>> sent;  // (seq, time)
  std::vector<double> lags_ms;
  std::atomic<bool> sending{true};
  const int64_t first_seq = next_probe_;
  std::thread sender([&] {
    auto start = Clock::now();
    auto period = std::chrono::duration<double>(1.0 / config_.probe_rate);
    for (int64_t i = 0;; ++i) {
      auto due =
          start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(i));
      if (due - start > std::chrono::duration<double>(config_.lag_secs)) break;
      std::this_thread::sleep_until(due);
      int64_t seq = first_seq + i;
      {
        std::lock_guard<std::mutex> lock(mu);
        sent.emplace_back(seq, Clock::now());
      }
      admin_->Call("POST", "tables/orders/changes",
                   {{"changes", {ProbeChange(seq % kPartitions, seq)}}});
    }
    sending = false;
  });
  size_t seen = 0;  // probes [0, seen) of `sent` are committed
  auto stop_polling = Clock::time_point::max();
  for (;;) {
    std::vector<int64_t> top = CommittedProbes(db, stmts);
    auto now = Clock::now();
    {
      std::lock_guard<std::mutex> lock(mu);
      // Probes of one partition commit in order; across partitions they may not, so scan
      // every unseen probe.
      for (size_t i = seen; i < sent.size(); ++i) {
        auto& [seq, t] = sent[i];
        if (seq >= 0 && top[seq % kPartitions] >= seq) {
          lags_ms.push_back(std::chrono::duration<double, std::milli>(now - t).count());
          seq = -1;
        }
      }
      while (seen < sent.size() && sent[seen].first < 0) ++seen;
      if (!sending && stop_polling == Clock::time_point::max()) {
        stop_polling = now + std::chrono::seconds(30);
      }
      if (!sending && seen == sent.size()) break;
    }
    if (now > stop_polling) Die("probes not committed within 30 s after the last write");
    CheckAlive(pid, log);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  sender.join();
  int64_t changes_after = admin_->Call("GET", "workload").value("changes", int64_t{0});
  double window = Seconds(Clock::now() - window_start);
  admin_->Call("DELETE", "workload");
  next_probe_ = first_seq + static_cast<int64_t>(sent.size());
  int64_t hwm = PeakRss(pid);
  Exit e = Stop(pid);
  if (e.code != 0) Die("stream: replicator exit code " + std::to_string(e.code) + "\n" + Tail(log));
  double rate = static_cast<double>(changes_after - changes_before) / window;
  double p50 = Percentile(lags_ms, 0.50), p99 = Percentile(lags_ms, 0.99);
  double max = lags_ms.empty() ? 0 : *std::max_element(lags_ms.begin(), lags_ms.end());
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "stream: %.0f changes/s for %.0f s, %zu probes: lag p50 %.1f ms, p99 %.1f ms, "
                "max %.1f ms; peak RSS %.1f MiB (%s → %s)",
                rate, window, lags_ms.size(), p50, p99, max, std::max(hwm, e.max_rss) / 1048576.0,
                load_before.c_str(), LoadNote().c_str());
  report_.Progress(buf);
  report_.Add("stream_rate_changes_per_s", rate, "changes/s");
  report_.Add("stream_lag_p50_ms", p50, "ms");
  report_.Add("stream_lag_p99_ms", p99, "ms");
  report_.Add("stream_lag_max_ms", max, "ms");
  report_.Add("stream_lag_probes", static_cast<double>(lags_ms.size()), "probes");
  report_.Add("stream_peak_rss_bytes", static_cast<double>(std::max(hwm, e.max_rss)), "bytes");
}

void E2e::StreamApply() {
  // The backlog, written while no replicator runs.
  admin_->Call("POST", "workload",
               {{"table", "orders"},
                {"initial_rows", 0},
                {"rate_per_s", 1e6},
                {"mix", {{"put", 0.3}, {"update", 0.6}, {"delete", 0.1}}},
                {"seed", 3}});
  for (;;) {
    json st = admin_->Call("GET", "workload");
    if (st.value("changes", int64_t{0}) >= config_.backlog || !st.value("running", true)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  admin_->Call("DELETE", "workload");
  int64_t changes = admin_->Call("GET", "workload").value("changes", int64_t{0});
  // One final probe per partition: every partition's backlog is applied once all four are.
  int64_t last = 0;
  for (int p = 0; p < kPartitions; ++p) {
    last = next_probe_++;
    admin_->Call("POST", "tables/orders/changes",
                 {{"changes", {ProbeChange(last % kPartitions, last)}}});
  }
  std::string log = (dir_ / "orders.backlog.log").string();
  std::string load_before = LoadNote();
  ReadOnlyDb db;
  std::vector<sqlite3_stmt*> stmts;
  auto start = Clock::now();
  pid_t pid = StartReplicator(big_config_, log);
  for (;;) {
    std::vector<int64_t> top = CommittedProbes(db, stmts);
    // The probes [last - 3, last] each landed in its own partition.
    bool all = true;
    for (int64_t s = last - kPartitions + 1; s <= last; ++s) {
      if (top[s % kPartitions] < s) all = false;
    }
    if (all) break;
    CheckAlive(pid, log);
    if (Clock::now() - start > std::chrono::minutes(10)) Die("backlog not applied in 10 min");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  double secs = Seconds(Clock::now() - start);
  Exit e = Stop(pid);
  if (e.code != 0)
    Die("backlog: replicator exit code " + std::to_string(e.code) + "\n" + Tail(log));
  double rate = static_cast<double>(changes + kPartitions) / secs;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "stream backlog: %lld changes applied in %.2f s (from spawn) = %.0f changes/s, "
                "peak RSS %.1f MiB (%s → %s)",
                static_cast<long long>(changes), secs, rate, e.max_rss / 1048576.0,
                load_before.c_str(), LoadNote().c_str());
  report_.Progress(buf);
  report_.Add("stream_apply_rows_per_s", rate, "changes/s");
  report_.Add("stream_backlog_changes", static_cast<double>(changes), "changes");
}

int E2e::Run() {
  dir_ = fs::temp_directory_path() / ("bench-e2e-" + std::to_string(getpid()));
  fs::create_directories(dir_);
  setenv("TABLESTORE_ACCESS_KEY_ID", kAk, 1);
  setenv("TABLESTORE_ACCESS_KEY_SECRET", kSk, 1);
  report_.Add("machine_load_1m_start", LoadAverage(), "load");
  StartEmulator();

  int64_t small = config_.small_rows >= 0 ? config_.small_rows : config_.rows / 2;
  auto [small_rate, small_rss] = FullLoad("orders_small", small, "full_load_small");
  auto [rate, rss] = FullLoad("orders", config_.rows, "full_load");

  // The raw loop on the very same rows.
  report_.Progress("raw loop: reading the rows back from the mirror");
  RawRows rows = ReadMirrorRows(big_db_, "orders");
  if (rows.count != config_.rows) {
    Die("mirror holds " + std::to_string(rows.count) + " rows, expected " +
        std::to_string(config_.rows));
  }
  std::string load_before = LoadNote();
  double raw_cpu = 0;
  double raw = RawInsertLoop(rows, (dir_ / "raw.db").string(), &raw_cpu);
  rows = RawRows{};
  char buf[160];
  std::snprintf(buf, sizeof buf, "raw loop: %.0f rows/s, CPU %.2f s (%s → %s)", raw, raw_cpu,
                load_before.c_str(), LoadNote().c_str());
  report_.Progress(buf);

  report_.Add("full_load_rows", static_cast<double>(config_.rows), "rows");
  report_.Add("full_load_rows_per_s", rate, "rows/s");
  report_.Add("raw_insert_rows_per_s", raw, "rows/s");
  report_.AddRatio("full_load_ratio", "full_load_rows_per_s", "raw_insert_rows_per_s");
  report_.Add("raw_insert_cpu_us_per_row", raw_cpu * 1e6 / static_cast<double>(config_.rows),
              "us/row");
  report_.Add("peak_rss_bytes", static_cast<double>(rss), "bytes");
  report_.Add("small_full_load_rows", static_cast<double>(small), "rows");
  report_.Add("small_full_load_rows_per_s", small_rate, "rows/s");
  report_.Add("small_peak_rss_bytes", static_cast<double>(small_rss), "bytes");
  report_.AddRatio("peak_rss_ratio", "peak_rss_bytes", "small_peak_rss_bytes");

  if (config_.lag_secs > 0) StreamLag();
  if (config_.backlog > 0) StreamApply();

  Exit e = Stop(emulator_, std::chrono::seconds(30));
  if (e.code != 0) report_.Progress("tunnel-emulator exit code " + std::to_string(e.code));
  close(emulator_out_);
  report_.Add("machine_load_1m_end", LoadAverage(), "load");
  if (config_.keep) {
    report_.Progress("kept " + dir_.string());
  } else {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  report_.Print();
  return 0;
}

std::string Sibling(const std::string& rel) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (self.parent_path().parent_path() / rel).string();
}

int Main(int argc, char** argv) {
  Report report("e2e", &argc, argv);
  Config config;
  config.replicator = Sibling("replicator/replicator");
  config.emulator = Sibling("tunnel/emulator/tunnel-emulator");
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--rows") {
      config.rows = std::atoll(next().c_str());
    } else if (arg == "--small-rows") {
      config.small_rows = std::atoll(next().c_str());
    } else if (arg == "--rate") {
      config.rate = std::atof(next().c_str());
    } else if (arg == "--lag-secs") {
      config.lag_secs = std::atof(next().c_str());
    } else if (arg == "--probe-rate") {
      config.probe_rate = std::atof(next().c_str());
    } else if (arg == "--backlog") {
      config.backlog = std::atoll(next().c_str());
    } else if (arg == "--replicator") {
      config.replicator = next();
    } else if (arg == "--emulator") {
      config.emulator = next();
    } else if (arg == "--keep") {
      config.keep = true;
    } else {
      std::fprintf(stderr,
                   "usage: bench-e2e [--json] [--rows N] [--small-rows N] [--rate N] "
                   "[--lag-secs S] [--probe-rate N] [--backlog N] [--replicator PATH] "
                   "[--emulator PATH] [--keep]\n");
      return 2;
    }
  }
  if (config.rows < 1 || config.probe_rate <= 0 || config.rate < 0) {
    std::fprintf(stderr, "bench-e2e: --rows, --probe-rate must be positive\n");
    return 2;
  }
  for (const std::string& bin : {config.replicator, config.emulator}) {
    if (access(bin.c_str(), X_OK) != 0)
      Die(bin + " not found (build replicator_cli and tunnel_emulator_bin)");
  }
  signal(SIGPIPE, SIG_IGN);
  E2e bench(config, &report);
  return bench.Run();
}

}  // namespace
}  // namespace tablestore::bench

int main(int argc, char** argv) { return tablestore::bench::Main(argc, argv); }
