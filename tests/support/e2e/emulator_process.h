#pragma once

// The `tunnel-emulator` binary as a child process (contracts.md §2) and a client of its
// control API (contracts.md §3). Test helpers: failures are reported with ADD_FAILURE and
// the helpers return empty results, so a test can ASSERT on what it needs. Thread-compatible
// (AdminClient opens one connection per call, so it may be used from several threads).

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tests/support/e2e/subprocess.h"

namespace tablestore::testing {

// build/tunnel/emulator/tunnel-emulator and build/replicator/replicator.
std::string EmulatorBinary();
std::string ReplicatorBinary();

struct HttpReply {
  int status = 0;     // 0: no answer (connection error, see `error`)
  std::string body;
  std::string error;
  bool ok() const { return status >= 200 && status < 300; }
};

class AdminClient {
 public:
  explicit AdminClient(std::string url) : url_(std::move(url)) {}

  // One request; `body` is sent as application/json when not empty.
  HttpReply Call(const std::string& method, const std::string& path,
                 const std::string& body = "") const;
  // A request that must succeed (ADD_FAILURE otherwise); the answer parsed as JSON
  // (an empty object when it was not JSON).
  nlohmann::json Must(const std::string& method, const std::string& path,
                      const nlohmann::json& body = nullptr) const;

  void CreateTable(const std::string& name, const nlohmann::json& primary_key, int partitions);
  // POST /admin/tables/{name}/changes; returns `applied`.
  int ApplyChanges(const std::string& table, const nlohmann::json& changes);
  // GET /admin/tables/{name}/rows.
  base::Result<std::vector<base::Row>> Rows(const std::string& table) const;
  // POST /admin/tunnels/{tunnel_id}/rows_at.
  base::Result<std::vector<base::Row>> RowsAt(
      const std::string& tunnel_id, const std::string& table,
      const std::map<std::string, std::string>& checkpoints) const;
  std::vector<int> Split(const std::string& table, int partition);
  // POST /admin/clock {"advance": ...}: returns the new "now".
  std::string AdvanceClock(const std::string& advance);

  const std::string& url() const { return url_; }

  // Percent-encodes everything but unreserved characters.
  static std::string Encode(const std::string& name);

 private:
  std::string url_;
};

struct EmulatorProcessOptions {
  std::string instance = "e2e";
  std::string access_key_id = "e2e-ak";
  std::string access_key_secret = "e2e-secret";
  std::string sts_token;
  std::vector<std::string> extra_args;  // e.g. {"--page-max-records", "100"}
};

// Default options plus extra command-line arguments, e.g. {"--page-max-records", "100"}.
inline EmulatorProcessOptions EmulatorWithArgs(std::vector<std::string> extra_args) {
  EmulatorProcessOptions o;
  o.extra_args = std::move(extra_args);
  return o;
}

class EmulatorProcess {
 public:
  // Starts the emulator on 127.0.0.1:0 and waits for "listening on IP:PORT" on its stdout.
  // Logs go to `dir`/emulator.{out,err}. nullptr (with ADD_FAILURE) if it does not start.
  static std::unique_ptr<EmulatorProcess> Start(const std::string& dir,
                                                const EmulatorProcessOptions& options = {});
  ~EmulatorProcess();

  const std::string& url() const { return url_; }  // http://IP:PORT
  AdminClient& admin() { return admin_; }
  Subprocess& process() { return *process_; }
  const EmulatorProcessOptions& options() const { return options_; }
  // SIGTERM; the emulator must exit 0.
  ExitInfo Stop();

 private:
  EmulatorProcess(std::unique_ptr<Subprocess> p, std::string url, EmulatorProcessOptions o)
      : process_(std::move(p)), url_(url), admin_(url), options_(std::move(o)) {}

  std::unique_ptr<Subprocess> process_;
  std::string url_;
  AdminClient admin_;
  EmulatorProcessOptions options_;
};

// Row comparison, exact: primary key (names, values), attribute cells by name with value
// (type and bits) and timestamp (cell version). Returns "" when equal, else a description
// with counts and up to `max_examples` differences.
std::string DiffRows(const std::vector<base::Row>& expected,
                     const std::vector<base::Row>& actual, size_t max_examples = 5);
std::string DescribeRow(const base::Row& row);

}  // namespace tablestore::testing
