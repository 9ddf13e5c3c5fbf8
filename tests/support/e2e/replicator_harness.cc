#include "tests/support/e2e/replicator_harness.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/mirror_reader.h"

namespace tablestore::testing {

std::string TomlString(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

void WriteReplicatorConfig(const std::string& path, const ReplicatorSetup& s) {
  std::ofstream f(path, std::ios::trunc);
  f << "[source]\nendpoint = " << TomlString(s.endpoint) << "\ninstance = "
    << TomlString(s.instance) << "\nconnect_timeout = \"5s\"\nrequest_timeout = \"30s\"\n\n"
    << "[credentials]\nprovider = \"environment\"\n\n";
  for (const auto& t : s.tables) {
    f << "[[tables]]\nsource = " << TomlString(t.source) << "\n";
    if (!t.target.empty()) f << "target = " << TomlString(t.target) << "\n";
    if (!t.tunnel.empty()) f << "tunnel = " << TomlString(t.tunnel) << "\n";
    f << "\n";
  }
  f << "[sqlite]\npath = " << TomlString(s.db_path) << "\n" << s.sqlite_toml << "\n";
  f << "[worker]\n" << s.worker_toml << "\n";
  f << "[logging]\nlevel = " << TomlString(s.log_level) << "\n";
  if (!f) ADD_FAILURE() << "cannot write " << path;
}

std::vector<std::string> ReplicatorRunner::Argv(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {ReplicatorBinary()};
  for (const auto& a : args) argv.push_back(a);
  argv.push_back("--config");
  argv.push_back(config_path_);
  return argv;
}

std::unique_ptr<Subprocess> ReplicatorRunner::Start(const std::vector<std::string>& args,
                                                    const std::string& tag,
                                                    std::optional<long long> file_size_limit) {
  SubprocessOptions so;
  so.argv = Argv(args);
  so.env = env_;
  so.unset_env = {"TABLESTORE_ACCESS_KEY_ID", "TABLESTORE_ACCESS_KEY_SECRET",
                  "TABLESTORE_SESSION_TOKEN"};
  so.stdout_path = dir_ + "/" + tag + ".out";
  so.stderr_path = dir_ + "/" + tag + ".err";
  so.file_size_limit = file_size_limit;
  files_.push_back(so.stdout_path);
  files_.push_back(so.stderr_path);
  return Subprocess::Start(so);
}

CommandResult ReplicatorRunner::Run(const std::vector<std::string>& args,
                                    std::chrono::milliseconds timeout) {
  SubprocessOptions so;
  so.argv = Argv(args);
  so.env = env_;
  so.unset_env = {"TABLESTORE_ACCESS_KEY_ID", "TABLESTORE_ACCESS_KEY_SECRET",
                  "TABLESTORE_SESSION_TOKEN"};
  CommandResult r = RunCommand(so, timeout);
  command_outputs_.push_back(r.out);
  command_outputs_.push_back(r.err);
  return r;
}

nlohmann::json ReplicatorRunner::StatusJson(std::string* error) {
  CommandResult r = Run({"status", "--json"}, std::chrono::seconds(30));
  if (!r.exit.exited(0)) {
    if (error) *error = r.exit.ToString() + ": " + r.err;
    return nullptr;
  }
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded()) {
    if (error) *error = "status --json printed no JSON object: " + r.out;
    return nullptr;
  }
  return j;
}

bool ReplicatorRunner::WaitForStage(const std::string& table, const std::string& stage,
                                    Subprocess* run, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (run != nullptr && !run->Running()) return false;
    nlohmann::json j = StatusJson();
    if (j.is_object() && j.contains("tables")) {
      for (const auto& t : j["tables"]) {
        if (t.value("table", "") == table && t.value("stage", "") == stage) return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

ExitInfo Terminate(Subprocess& p, std::chrono::milliseconds timeout) {
  p.Signal(SIGTERM);
  std::optional<ExitInfo> e = p.Wait(timeout);
  if (!e) {
    ADD_FAILURE() << "process " << p.pid() << " did not stop within " << timeout.count()
                  << " ms of SIGTERM; killing it";
    return p.Kill();
  }
  return *e;
}

bool MirrorSnapshot::in_stream() const {
  for (const auto& [ch, kind] : kinds) {
    if (kind == "stream" && checkpoints.count(ch)) return true;
  }
  return false;
}

namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

std::string Col(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

base::Result<MirrorSnapshot> SnapshotMirror(const std::string& db_path,
                                            const std::string& mirror_table,
                                            const std::string& scratch_path) {
  std::error_code ec;
  std::filesystem::remove(scratch_path, ec);
  {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(db_path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) {
      return base::NotFoundError("open " + db_path + ": " + sqlite3_errstr(rc));
    }
    sqlite3_busy_timeout(db.get(), 10000);
    // VACUUM INTO copies the database as of ONE read transaction.
    std::string sql = "VACUUM INTO '";
    for (char c : scratch_path) {
      sql += c;
      if (c == '\'') sql += '\'';
    }
    sql += "'";
    char* err = nullptr;
    rc = sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string m = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return base::InternalError("VACUUM INTO: " + m);
    }
  }
  MirrorSnapshot snap;
  {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(scratch_path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) return base::InternalError("open snapshot: " + std::string(sqlite3_errstr(rc)));
    sqlite3_stmt* s = nullptr;
    rc = sqlite3_prepare_v2(db.get(),
                            "SELECT tunnel_id, stage FROM _replicator_bindings WHERE mirror_table = ?1",
                            -1, &s, nullptr);
    if (rc != SQLITE_OK) {
      // No metadata yet (killed before the schema was created).
      sqlite3_finalize(s);
      return snap;
    }
    sqlite3_bind_text(s, 1, mirror_table.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW) {
      snap.bound = true;
      snap.tunnel_id = Col(s, 0);
      snap.stage = Col(s, 1);
    }
    sqlite3_finalize(s);
    if (!snap.bound) return snap;
    rc = sqlite3_prepare_v2(db.get(),
                            "SELECT channel_id, token, coalesce(kind, '') FROM "
                            "_replicator_checkpoints WHERE tunnel_id = ?1",
                            -1, &s, nullptr);
    if (rc != SQLITE_OK) return base::InternalError(sqlite3_errmsg(db.get()));
    sqlite3_bind_text(s, 1, snap.tunnel_id.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(s) == SQLITE_ROW) {
      const std::string ch = Col(s, 0);
      if (sqlite3_column_type(s, 1) != SQLITE_NULL) snap.checkpoints[ch] = Col(s, 1);
      snap.kinds[ch] = Col(s, 2);
    }
    sqlite3_finalize(s);
  }
  auto rows = storage::ReadMirrorRows(scratch_path, mirror_table);
  if (!rows.ok()) return rows.status().WithContext("reading the snapshot's rows");
  snap.rows = std::move(rows).value();
  return snap;
}

std::string CheckCheckpointInvariant(const AdminClient& admin, const std::string& db_path,
                                     const std::string& mirror_table,
                                     const std::string& source_table,
                                     const std::string& scratch_path, MirrorSnapshot* out) {
  auto snap = SnapshotMirror(db_path, mirror_table, scratch_path);
  if (!snap.ok()) return "snapshot: " + snap.status().ToString();
  if (out) *out = *snap;
  if (!snap->bound) {
    return snap->rows.empty() ? "" : "rows without a binding";
  }
  auto expected = admin.RowsAt(snap->tunnel_id, source_table, snap->checkpoints);
  if (!expected.ok()) {
    std::string cps;
    for (const auto& [c, t] : snap->checkpoints) cps += " " + c + "=" + t.substr(0, 40);
    return "rows_at refused the mirror's checkpoints (" + cps + "): " +
           expected.status().ToString();
  }
  std::string diff = DiffRows(*expected, snap->rows);
  if (!diff.empty()) {
    std::string cps;
    for (const auto& [c, t] : snap->checkpoints) cps += " " + c + "=" + t.substr(0, 40);
    return "mirror rows differ from rows_at(checkpoints:" + cps + "): " + diff;
  }
  return "";
}

std::string WaitMirrorEqualsSource(const AdminClient& admin, const std::string& db_path,
                                   const std::string& mirror_table,
                                   const std::string& source_table,
                                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  for (;;) {
    auto source = admin.Rows(source_table);
    if (!source.ok()) {
      last = "source rows: " + source.status().ToString();
    } else {
      auto mirror = storage::ReadMirrorRows(db_path, mirror_table);
      if (!mirror.ok()) {
        last = "mirror rows: " + mirror.status().ToString();
      } else {
        last = DiffRows(*source, *mirror);
        if (last.empty()) return "";
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

// Sum of rows_applied over the mirror's checkpoints, read directly (cheap enough to poll).
int64_t RowsAppliedInFile(const std::string& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return -1;
  }
  sqlite3_busy_timeout(db, 1000);
  int64_t n = -1;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT coalesce(sum(rows_applied), 0) FROM _replicator_checkpoints",
                         -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    n = sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

// Stream checkpoints exist in the file.
bool StreamStarted(const std::string& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return false;
  }
  sqlite3_busy_timeout(db, 1000);
  bool started = false;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db,
                         "SELECT count(*) FROM _replicator_checkpoints WHERE kind = 'stream' "
                         "AND token IS NOT NULL",
                         -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    started = sqlite3_column_int64(s, 0) > 0;
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return started;
}

bool WaitWorkloadInitialDone(const AdminClient& admin, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    HttpReply r = admin.Call("GET", "workload");
    if (r.ok()) {
      nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
      if (!j.is_discarded() && j.value("initial_done", false)) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

bool E2EWorld::Start(const EmulatorProcessOptions& emulator,
                     std::vector<MirrorTableSetup> tables) {
  emulator_ = EmulatorProcess::Start(dir_.path().string(), emulator);
  if (emulator_ == nullptr) return false;
  setup_.endpoint = emulator_->url();
  setup_.instance = emulator.instance;
  setup_.tables = std::move(tables);
  setup_.db_path = dir_.File("mirror.db");
  std::map<std::string, std::string> env = {
      {"TABLESTORE_ACCESS_KEY_ID", emulator.access_key_id},
      {"TABLESTORE_ACCESS_KEY_SECRET", emulator.access_key_secret}};
  if (!emulator.sts_token.empty()) env["TABLESTORE_SESSION_TOKEN"] = emulator.sts_token;
  runner_ = std::make_unique<ReplicatorRunner>(dir_.path().string(), dir_.File("replicator.toml"),
                                               env);
  WriteConfig();
  return true;
}

void E2EWorld::WriteConfig() { WriteReplicatorConfig(runner_->config_path(), setup_); }

bool E2EWorld::StartWorkload(const std::string& table, int initial_rows, double rate_per_s,
                             uint64_t seed, int partitions) {
  admin().Must("POST", "workload",
               {{"table", table},
                {"initial_rows", initial_rows},
                {"rate_per_s", rate_per_s},
                {"mix", {{"put", 0.3}, {"update", 0.6}, {"delete", 0.1}}},
                {"seed", seed},
                {"partitions", partitions}});
  return WaitWorkloadInitialDone(admin(), std::chrono::seconds(120));
}

void E2EWorld::StopWorkload() { admin().Must("DELETE", "workload"); }

namespace {

std::string TargetOf(const MirrorTableSetup& t) { return t.target.empty() ? t.source : t.target; }

}  // namespace

std::string E2EWorld::CheckInvariant(size_t i, MirrorSnapshot* snapshot) {
  const MirrorTableSetup& t = setup_.tables.at(i);
  return CheckCheckpointInvariant(admin(), setup_.db_path, TargetOf(t), t.source,
                                  dir_.File("snapshot.db"), snapshot);
}

std::string E2EWorld::WaitEqual(std::chrono::milliseconds timeout, size_t i) {
  const MirrorTableSetup& t = setup_.tables.at(i);
  return WaitMirrorEqualsSource(admin(), setup_.db_path, TargetOf(t), t.source, timeout);
}

}  // namespace tablestore::testing
