#include "replicator/cli/verify_command.h"

#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "config/units.h"
#include "replicator/cli/common.h"
#include "storage/mirror_reader.h"
#include "tunnel/protocol/row_json.h"

namespace tablestore::replicator {
namespace {

std::string KeyOf(const base::Row& row) {
  std::string key;
  for (const auto& c : row.primary_key) {
    key += c.value ? c.value->DebugString() : "null";
    key += '\x1f';
  }
  return key;
}

std::string Describe(const base::Row& row) {
  std::string out = "{";
  for (const auto& c : row.primary_key) {
    out += c.name + "=" + (c.value ? c.value->DebugString() : "null") + " ";
  }
  out += "|";
  for (const auto& c : row.cells) {
    out += " " + c.name + "=" + (c.value ? c.value->DebugString() : "null");
    if (c.timestamp) out += "@" + std::to_string(*c.timestamp);
  }
  return out + "}";
}

std::vector<base::Cell> SortedCells(const base::Row& row) {
  std::vector<base::Cell> cells = row.cells;
  std::stable_sort(cells.begin(), cells.end(),
                   [](const base::Cell& a, const base::Cell& b) { return a.name < b.name; });
  return cells;
}

bool SameContent(const base::Row& a, const base::Row& b, bool compare_versions) {
  std::vector<base::Cell> ca = SortedCells(a), cb = SortedCells(b);
  if (ca.size() != cb.size()) return false;
  for (size_t i = 0; i < ca.size(); ++i) {
    if (ca[i].name != cb[i].name || ca[i].value != cb[i].value) return false;
    if (compare_versions && ca[i].timestamp != cb[i].timestamp) return false;
  }
  for (size_t i = 0; i < a.primary_key.size() && i < b.primary_key.size(); ++i) {
    if (a.primary_key[i].name != b.primary_key[i].name) return false;
  }
  return a.primary_key.size() == b.primary_key.size();
}

// GET {url}/admin/tables/{table}/rows as rows.
base::Result<std::vector<base::Row>> FetchSourceRows(const std::string& url,
                                                     const std::string& table) {
  httplib::Client http(url);
  http.set_read_timeout(120, 0);
  // Percent-encode everything but unreserved characters (names may contain '/').
  std::string encoded;
  for (char ch : table) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded.push_back(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      encoded += buf;
    }
  }
  const std::string path = "/admin/tables/" + encoded + "/rows";
  auto res = http.Get(path);
  if (!res) {
    return base::UnavailableError("GET " + url + path + ": " + httplib::to_string(res.error()));
  }
  if (res->status != 200) {
    return base::UnavailableError("GET " + url + path + ": HTTP " + std::to_string(res->status) +
                                  ": " + res->body.substr(0, 200));
  }
  std::vector<base::Row> rows;
  std::istringstream lines(res->body);
  std::string line;
  size_t n = 0;
  while (std::getline(lines, line)) {
    ++n;
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return base::DataLossError("source dump line " + std::to_string(n) + " is not JSON");
    }
    auto row = tunnel::RowFromJson(j);
    if (!row.ok()) return row.status().WithContext("source dump line " + std::to_string(n));
    rows.push_back(std::move(row).value());
  }
  return rows;
}

}  // namespace

RowDiff CompareRows(const std::vector<base::Row>& source, const std::vector<base::Row>& mirror,
                    bool compare_versions) {
  RowDiff diff;
  diff.source_rows = source.size();
  diff.mirror_rows = mirror.size();
  std::map<std::string, const base::Row*> by_key;
  for (const auto& r : mirror) by_key[KeyOf(r)] = &r;
  auto note = [&](std::string text) {
    if (diff.examples.size() < 5) diff.examples.push_back(std::move(text));
  };
  for (const auto& s : source) {
    auto it = by_key.find(KeyOf(s));
    if (it == by_key.end()) {
      ++diff.missing;
      note("missing in mirror: " + Describe(s));
      continue;
    }
    if (!SameContent(s, *it->second, compare_versions)) {
      ++diff.different;
      note("differs: source " + Describe(s) + " mirror " + Describe(*it->second));
    }
    by_key.erase(it);
  }
  diff.unexpected = by_key.size();
  for (const auto& [k, r] : by_key) note("not in source: " + Describe(*r));
  return diff;
}

void RegisterVerifyCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "verify", "compare the mirror with a tunnel-emulator's source tables, row by row");
  auto path = std::make_shared<std::string>();
  auto url = std::make_shared<std::string>();
  auto table = std::make_shared<std::string>();
  auto wait = std::make_shared<std::string>("0s");
  auto no_versions = std::make_shared<bool>(false);
  cli::AddConfigOption(cmd, path.get());
  cmd->add_option("--emulator", *url, "emulator base URL, e.g. http://127.0.0.1:8340")
      ->required();
  cmd->add_option("-t,--table", *table, "only this mirror table (default: every table)");
  cmd->add_option("--wait", *wait, "retry until equal for up to this long (e.g. 60s)");
  cmd->add_flag("--ignore-versions", *no_versions, "do not compare cell timestamps");
  cmd->callback([=] {
    auto cfg = cli::LoadConfigOrReport(*path, exit_code);
    if (!cfg.ok()) return;
    auto wait_for = config::ParseDuration(*wait);
    if (!wait_for.ok()) {
      std::cerr << "replicator: --wait: " << wait_for.status().message() << "\n";
      *exit_code = cli::kExitUsage;
      return;
    }
    const auto deadline = std::chrono::steady_clock::now() + *wait_for;
    bool all_equal = true;
    for (const auto& t : cfg->tables) {
      if (!table->empty() && t.target != *table) continue;
      RowDiff diff;
      for (;;) {
        auto source = FetchSourceRows(*url, t.source);
        if (!source.ok()) {
          *exit_code = cli::ReportError(source.status());
          return;
        }
        auto mirror = storage::ReadMirrorRows(cfg->sqlite.path, t.target);
        if (!mirror.ok()) {
          *exit_code = cli::ReportError(mirror.status());
          return;
        }
        diff = CompareRows(*source, *mirror, !*no_versions);
        if (diff.equal() || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
      std::cout << "table " << t.target << ": source rows " << diff.source_rows
                << ", mirror rows " << diff.mirror_rows << ", missing " << diff.missing
                << ", unexpected " << diff.unexpected << ", different " << diff.different
                << " -> " << (diff.equal() ? "EQUAL (values, types and versions)" : "DIFFERENT")
                << "\n";
      for (const auto& e : diff.examples) std::cout << "  " << e << "\n";
      if (!diff.equal()) all_equal = false;
    }
    *exit_code = all_equal ? cli::kExitOk : cli::kExitRuntime;
  });
}

}  // namespace tablestore::replicator
