#include "replicator/cli/status_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "base/clock.h"
#include "replicator/cli/common.h"

namespace tablestore::replicator {
namespace {

constexpr int64_t kDefaultRetentionMs = 7LL * 24 * 3600 * 1000;  // the real service's

std::string FormatAge(int64_t ms) {
  char buf[64];
  if (ms < 0) ms = 0;
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  } else if (ms < 120'000) {
    std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
  } else if (ms < 7'200'000) {
    std::snprintf(buf, sizeof buf, "%.1f min", ms / 60000.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f h", ms / 3600000.0);
  }
  return buf;
}

}  // namespace

nlohmann::json StatusToJson(const storage::StatusSnapshot& snap, int64_t now_ms,
                            int64_t retention_ms) {
  nlohmann::json out;
  out["schema_version"] = snap.schema_version;
  out["now_ms"] = now_ms;
  if (snap.run_started_at_ms) out["run_started_at_ms"] = *snap.run_started_at_ms;
  out["counters"] = snap.counters;
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : snap.tables) {
    nlohmann::json jt;
    jt["table"] = t.mirror_table;
    jt["source"] = t.source_table;
    jt["tunnel_id"] = t.tunnel_id;
    jt["tunnel_name"] = t.tunnel_name;
    jt["stage"] = t.stage;
    jt["rows"] = t.row_count;
    jt["rows_applied"] = t.rows_applied;
    jt["duplicates_skipped"] = t.duplicates_skipped;
    jt["worker_client_id"] = t.worker_client_id ? nlohmann::json(*t.worker_client_id)
                                                : nlohmann::json(nullptr);
    int64_t last_commit_ms = 0;
    int base_seen = 0, base_finished = 0;
    int64_t first_update_ms = 0;
    nlohmann::json channels = nlohmann::json::array();
    for (const auto& c : t.channels) {
      nlohmann::json jc;
      jc["channel_id"] = c.channel_id;
      jc["kind"] = c.kind ? nlohmann::json(*c.kind) : nlohmann::json(nullptr);
      jc["status"] = c.status;
      jc["rows_applied"] = c.rows_applied;
      jc["batches_applied"] = c.batches_applied;
      jc["duplicates_skipped"] = c.duplicates_skipped;
      jc["checkpoint_age_ms"] = now_ms - c.updated_at_ms;
      jc["updated_at_ms"] = c.updated_at_ms;
      if (c.last_change_time_us) {
        jc["last_change_time_us"] = *c.last_change_time_us;
        jc["lag_ms"] = now_ms - *c.last_change_time_us / 1000;
        // The service keeps stream data for the retention only; a position near it is
        // about to be trimmed (design.md rule 6).
        if (now_ms - *c.last_change_time_us / 1000 > retention_ms * 8 / 10) {
          jc["warning"] = "stream position is older than 80% of the stream retention";
        }
      }
      last_commit_ms = std::max(last_commit_ms, c.updated_at_ms);
      if (c.kind && *c.kind == "base") {
        ++base_seen;
        if (c.status == "finished") ++base_finished;
        if (first_update_ms == 0 || c.updated_at_ms < first_update_ms) {
          first_update_ms = c.updated_at_ms;
        }
      }
      channels.push_back(std::move(jc));
    }
    jt["channels"] = std::move(channels);
    jt["last_commit_ms"] = last_commit_ms;
    if (t.watermark_us) {
      jt["watermark_us"] = *t.watermark_us;
      jt["lag_estimate_ms"] = now_ms - *t.watermark_us / 1000;
    } else {
      jt["watermark_us"] = nullptr;
    }
    if (t.stage != "stream" && base_seen > 0) {
      jt["base_channels_seen"] = base_seen;
      jt["base_channels_finished"] = base_finished;
      if (base_finished > 0 && snap.run_started_at_ms) {
        // Estimate from channels finished so far (channel sizes are similar: partitions).
        int64_t elapsed = now_ms - *snap.run_started_at_ms;
        int64_t eta = elapsed * (base_seen - base_finished) / base_finished;
        jt["full_load_eta_ms"] = eta;
        if (elapsed + eta > retention_ms) {
          jt["warning"] = "the full load would not finish within the stream retention";
        }
      }
    }
    // Schema drift: attribute columns first seen after the table's first records (more than
    // a second after its key columns were registered), and columns that held several types.
    int64_t created_ms = 0;
    for (const auto& c : t.columns) {
      if (c.primary_key && (created_ms == 0 || c.first_seen_at_ms < created_ms)) {
        created_ms = c.first_seen_at_ms;
      }
    }
    nlohmann::json drift = nlohmann::json::array();
    nlohmann::json cols = nlohmann::json::array();
    for (const auto& c : t.columns) {
      nlohmann::json jc = {{"name", c.mirror_name},
                           {"source_name", c.source_name},
                           {"primary_key", c.primary_key},
                           {"types", c.types}};
      if (c.rename_reason) jc["renamed"] = *c.rename_reason;
      const bool added = !c.primary_key && c.first_seen_at_ms > created_ms + 1000;
      const bool retyped = c.types.size() > 1;
      if (added || retyped) {
        drift.push_back({{"name", c.mirror_name},
                         {"added", added},
                         {"type_changed", retyped},
                         {"first_seen_at_ms", c.first_seen_at_ms},
                         {"types", c.types}});
      }
      cols.push_back(std::move(jc));
    }
    jt["columns"] = std::move(cols);
    jt["schema_drift"] = std::move(drift);
    tables.push_back(std::move(jt));
  }
  out["tables"] = std::move(tables);
  return out;
}

void RegisterStatusCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand("status", "show replication progress from the mirror file");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cli::AddConfigOption(cmd, path.get());
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->callback([=] {
    auto cfg = cli::LoadConfigOrReport(*path, exit_code);
    if (!cfg.ok()) return;
    auto snap = storage::ReadStatusSnapshot(cfg->sqlite.path);
    if (!snap.ok()) {
      *exit_code = cli::ReportError(snap.status());
      return;
    }
    const int64_t now_ms = base::Clock::Real()->WallMillis();
    nlohmann::json j = StatusToJson(*snap, now_ms, kDefaultRetentionMs);
    if (*json) {
      std::cout << j.dump() << "\n";
      *exit_code = cli::kExitOk;
      return;
    }
    std::cout << "mirror " << cfg->sqlite.path << " (schema " << snap->schema_version << ")\n";
    for (const auto& t : j["tables"]) {
      std::cout << "table " << t["table"].get<std::string>() << " <- "
                << t["source"].get<std::string>() << " via tunnel "
                << t["tunnel_name"].get<std::string>() << " ("
                << t["tunnel_id"].get<std::string>() << ")\n";
      std::cout << "  stage: " << t["stage"].get<std::string>()
                << "   rows: " << t["rows"].get<int64_t>()
                << "   applied: " << t["rows_applied"].get<int64_t>()
                << "   duplicates skipped: " << t["duplicates_skipped"].get<int64_t>() << "\n";
      if (t.contains("lag_estimate_ms")) {
        std::cout << "  watermark lag: " << FormatAge(t["lag_estimate_ms"].get<int64_t>())
                  << "\n";
      }
      if (t.contains("full_load_eta_ms")) {
        std::cout << "  full load: " << t["base_channels_finished"].get<int>() << "/"
                  << t["base_channels_seen"].get<int>() << " channels, ETA "
                  << FormatAge(t["full_load_eta_ms"].get<int64_t>()) << "\n";
      }
      if (t.contains("warning")) {
        std::cout << "  WARNING: " << t["warning"].get<std::string>() << "\n";
      }
      for (const auto& c : t["channels"]) {
        std::cout << "  channel " << c["channel_id"].get<std::string>() << " ["
                  << (c["kind"].is_null() ? std::string("?") : c["kind"].get<std::string>())
                  << ", " << c["status"].get<std::string>()
                  << "] rows " << c["rows_applied"].get<int64_t>() << ", checkpoint age "
                  << FormatAge(c["checkpoint_age_ms"].get<int64_t>());
        if (c.contains("lag_ms")) std::cout << ", lag " << FormatAge(c["lag_ms"].get<int64_t>());
        std::cout << "\n";
      }
      for (const auto& d : t["schema_drift"]) {
        std::cout << "  schema drift: column " << d["name"].get<std::string>()
                  << (d["added"].get<bool>() ? " added" : "")
                  << (d["type_changed"].get<bool>() ? " changed type" : "") << " (types "
                  << d["types"].dump() << ")\n";
      }
    }
    *exit_code = cli::kExitOk;
  });
}

}  // namespace tablestore::replicator
