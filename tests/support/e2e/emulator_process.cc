#include "tests/support/e2e/emulator_process.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <sstream>

#include "tunnel/protocol/row_json.h"

namespace tablestore::testing {

std::string EmulatorBinary() { return std::string(TS_BINARY_DIR) + "/tunnel/emulator/tunnel-emulator"; }
std::string ReplicatorBinary() { return std::string(TS_BINARY_DIR) + "/replicator/replicator"; }

std::string AdminClient::Encode(const std::string& name) {
  std::string out;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

HttpReply AdminClient::Call(const std::string& method, const std::string& path,
                            const std::string& body) const {
  httplib::Client http(url_);
  http.set_connection_timeout(10, 0);
  http.set_read_timeout(120, 0);
  http.set_write_timeout(120, 0);
  const std::string full = "/admin/" + path;
  httplib::Result res{nullptr, httplib::Error::Unknown};
  if (method == "GET") {
    res = http.Get(full);
  } else if (method == "POST") {
    res = http.Post(full, body, "application/json");
  } else if (method == "PUT") {
    res = http.Put(full, body, "application/json");
  } else if (method == "DELETE") {
    res = http.Delete(full);
  }
  HttpReply reply;
  if (!res) {
    reply.error = method + " " + full + ": " + httplib::to_string(res.error());
    return reply;
  }
  reply.status = res->status;
  reply.body = res->body;
  return reply;
}

nlohmann::json AdminClient::Must(const std::string& method, const std::string& path,
                                 const nlohmann::json& body) const {
  HttpReply r = Call(method, path, body.is_null() ? "" : body.dump());
  if (!r.ok()) {
    ADD_FAILURE() << method << " /admin/" << path << ": HTTP " << r.status << " " << r.error
                  << " " << r.body.substr(0, 500);
    return nlohmann::json::object();
  }
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

void AdminClient::CreateTable(const std::string& name, const nlohmann::json& primary_key,
                              int partitions) {
  Must("POST", "tables", {{"name", name}, {"primary_key", primary_key}, {"partitions", partitions}});
}

int AdminClient::ApplyChanges(const std::string& table, const nlohmann::json& changes) {
  nlohmann::json r = Must("POST", "tables/" + Encode(table) + "/changes", {{"changes", changes}});
  return r.value("applied", -1);
}

namespace {

base::Result<std::vector<base::Row>> ParseLines(const std::string& body) {
  std::vector<base::Row> rows;
  std::istringstream lines(body);
  std::string line;
  size_t n = 0;
  while (std::getline(lines, line)) {
    ++n;
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      return base::DataLossError("line " + std::to_string(n) + " is not JSON");
    }
    auto row = tunnel::RowFromJson(j);
    if (!row.ok()) return row.status().WithContext("line " + std::to_string(n));
    rows.push_back(std::move(row).value());
  }
  return rows;
}

base::Status FromReply(const HttpReply& r, const std::string& what) {
  if (r.status == 0) return base::UnavailableError(what + ": " + r.error);
  std::string m = what + ": HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300);
  if (r.status == 404) return base::NotFoundError(m);
  if (r.status == 409) return base::FailedPreconditionError(m);
  return base::InternalError(m);
}

}  // namespace

base::Result<std::vector<base::Row>> AdminClient::Rows(const std::string& table) const {
  HttpReply r = Call("GET", "tables/" + Encode(table) + "/rows");
  if (!r.ok()) return FromReply(r, "rows of '" + table + "'");
  return ParseLines(r.body);
}

base::Result<std::vector<base::Row>> AdminClient::RowsAt(
    const std::string& tunnel_id, const std::string& table,
    const std::map<std::string, std::string>& checkpoints) const {
  nlohmann::json cps = nlohmann::json::object();
  for (const auto& [ch, token] : checkpoints) cps[ch] = token;
  nlohmann::json body = {{"table", table}, {"checkpoints", cps}};
  HttpReply r = Call("POST", "tunnels/" + Encode(tunnel_id) + "/rows_at", body.dump());
  if (!r.ok()) return FromReply(r, "rows_at of '" + table + "'");
  return ParseLines(r.body);
}

std::vector<int> AdminClient::Split(const std::string& table, int partition) {
  nlohmann::json r = Must("POST", "tables/" + Encode(table) + "/split", {{"partition", partition}});
  std::vector<int> out;
  if (r.contains("children")) out = r["children"].get<std::vector<int>>();
  return out;
}

std::string AdminClient::AdvanceClock(const std::string& advance) {
  nlohmann::json r = Must("POST", "clock", {{"advance", advance}});
  return r.value("now", "");
}

std::unique_ptr<EmulatorProcess> EmulatorProcess::Start(const std::string& dir,
                                                        const EmulatorProcessOptions& options) {
  SubprocessOptions so;
  so.argv = {EmulatorBinary(), "--listen", "127.0.0.1:0", "--instance", options.instance,
             "--access-key-id", options.access_key_id, "--access-key-secret",
             options.access_key_secret, "--http-threads", "16"};
  if (!options.sts_token.empty()) {
    so.argv.push_back("--sts-token");
    so.argv.push_back(options.sts_token);
  }
  for (const auto& a : options.extra_args) so.argv.push_back(a);
  so.unset_env = {"TABLESTORE_ACCESS_KEY_ID", "TABLESTORE_ACCESS_KEY_SECRET",
                  "TABLESTORE_SESSION_TOKEN"};
  so.stdout_path = dir + "/emulator.out";
  so.stderr_path = dir + "/emulator.err";
  std::unique_ptr<Subprocess> p = Subprocess::Start(so);
  if (p == nullptr) return nullptr;
  if (!p->WaitForOutput("\n", std::chrono::seconds(30), /*in_stderr=*/false)) {
    ADD_FAILURE() << "tunnel-emulator did not start: " << p->Stderr();
    return nullptr;
  }
  const std::string out = p->Stdout();
  const std::string prefix = "listening on ";
  if (out.rfind(prefix, 0) != 0) {
    ADD_FAILURE() << "tunnel-emulator's first stdout line is not 'listening on': " << out;
    return nullptr;
  }
  const std::string addr = out.substr(prefix.size(), out.find('\n') - prefix.size());
  return std::unique_ptr<EmulatorProcess>(
      new EmulatorProcess(std::move(p), "http://" + addr, options));
}

EmulatorProcess::~EmulatorProcess() {
  if (process_ && process_->Running()) {
    process_->Signal(SIGTERM);
    if (!process_->Wait(std::chrono::seconds(20))) process_->Kill();
  }
}

ExitInfo EmulatorProcess::Stop() {
  process_->Signal(SIGTERM);
  std::optional<ExitInfo> e = process_->Wait(std::chrono::seconds(30));
  if (!e) return process_->Kill();
  return *e;
}

std::string DescribeRow(const base::Row& row) {
  std::string out = "{";
  for (const auto& c : row.primary_key) {
    out += c.name + "=" + (c.value ? c.value->DebugString().substr(0, 80) : "null") + " ";
  }
  out += "|";
  for (const auto& c : row.cells) {
    out += " " + c.name + "=" + (c.value ? c.value->DebugString().substr(0, 80) : "null");
    if (c.timestamp) out += "@" + std::to_string(*c.timestamp);
  }
  return out + "}";
}

namespace {

std::string KeyOf(const base::Row& row) {
  std::string key;
  for (const auto& c : row.primary_key) {
    key += c.name;
    key += '\x1e';
    key += c.value ? c.value->DebugString() : "null";
    key += '\x1f';
  }
  return key;
}

bool SameCells(const base::Row& a, const base::Row& b) {
  auto sorted = [](const base::Row& r) {
    std::vector<const base::Cell*> v;
    for (const auto& c : r.cells) v.push_back(&c);
    std::stable_sort(v.begin(), v.end(),
                     [](const base::Cell* x, const base::Cell* y) { return x->name < y->name; });
    return v;
  };
  auto ca = sorted(a), cb = sorted(b);
  if (ca.size() != cb.size()) return false;
  for (size_t i = 0; i < ca.size(); ++i) {
    if (ca[i]->name != cb[i]->name || ca[i]->value != cb[i]->value ||
        ca[i]->timestamp != cb[i]->timestamp) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string DiffRows(const std::vector<base::Row>& expected, const std::vector<base::Row>& actual,
                     size_t max_examples) {
  std::map<std::string, const base::Row*> by_key;
  for (const auto& r : actual) by_key[KeyOf(r)] = &r;
  size_t missing = 0, different = 0;
  std::vector<std::string> examples;
  auto note = [&](std::string s) {
    if (examples.size() < max_examples) examples.push_back(std::move(s));
  };
  for (const auto& e : expected) {
    auto it = by_key.find(KeyOf(e));
    if (it == by_key.end()) {
      ++missing;
      note("missing: " + DescribeRow(e));
      continue;
    }
    if (!SameCells(e, *it->second)) {
      ++different;
      note("differs: expected " + DescribeRow(e) + " actual " + DescribeRow(*it->second));
    }
    by_key.erase(it);
  }
  for (const auto& [k, r] : by_key) note("unexpected: " + DescribeRow(*r));
  if (missing == 0 && different == 0 && by_key.empty() && expected.size() == actual.size()) {
    return "";
  }
  std::string out = "expected " + std::to_string(expected.size()) + " rows, actual " +
                    std::to_string(actual.size()) + ": missing " + std::to_string(missing) +
                    ", different " + std::to_string(different) + ", unexpected " +
                    std::to_string(by_key.size());
  for (const auto& e : examples) out += "\n  " + e;
  return out;
}

}  // namespace tablestore::testing
