#include "replicator/cli/replay_command.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "replicator/cli/common.h"

namespace tablestore::replicator {
namespace {

base::Status ReadMaskFile(const std::string& path, storage::FixtureOptions* out) {
  std::ifstream in(path);
  if (!in) return base::InvalidArgumentError(path + ": cannot read the mask rules file");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return base::InvalidArgumentError(path + ": not a JSON object");
  }
  for (const auto& [key, value] : doc.items()) {
    if (key != "salt" && key != "rules") {
      return base::InvalidArgumentError(path + ": unknown key \"" + key +
                                        "\" (expected \"salt\", \"rules\")");
    }
  }
  if (doc.contains("salt")) {
    if (!doc["salt"].is_string()) return base::InvalidArgumentError(path + ": salt: not a string");
    out->masks.salt = doc["salt"].get<std::string>();
  }
  if (!doc.contains("rules")) return base::Status::Ok();
  if (!doc["rules"].is_array()) return base::InvalidArgumentError(path + ": rules: not an array");
  size_t i = 0;
  for (const auto& r : doc["rules"]) {
    const std::string where = path + ": rules[" + std::to_string(i++) + "]";
    auto text_field = [&](const char* name, std::string* value) -> base::Status {
      if (!r.is_object() || !r.contains(name) || !r[name].is_string()) {
        return base::InvalidArgumentError(where + ": \"" + name + "\" must be a string");
      }
      *value = r[name].get<std::string>();
      return base::Status::Ok();
    };
    storage::MaskRule rule;
    std::string action;
    TS_RETURN_IF_ERROR(text_field("table", &rule.table));
    TS_RETURN_IF_ERROR(text_field("column", &rule.column));
    TS_RETURN_IF_ERROR(text_field("action", &action));
    for (const auto& [key, value] : r.items()) {
      if (key != "table" && key != "column" && key != "action" && key != "value") {
        return base::InvalidArgumentError(where + ": unknown key \"" + key + "\"");
      }
    }
    if (action == "drop") {
      rule.kind = storage::MaskKind::kDrop;
    } else if (action == "hash") {
      rule.kind = storage::MaskKind::kHash;
    } else if (action == "fixed") {
      rule.kind = storage::MaskKind::kFixed;
      TS_RETURN_IF_ERROR(text_field("value", &rule.fixed));
    } else {
      return base::InvalidArgumentError(where + ": action must be \"drop\", \"hash\" or "
                                                "\"fixed\"");
    }
    out->masks.rules.push_back(std::move(rule));
  }
  return base::Status::Ok();
}

}  // namespace

void AddFixtureOptions(CLI::App* cmd, FixtureCliOptions* out) {
  cmd->add_option("--into", out->into, "fixture file to write (SQLite)")->required();
  cmd->add_option("--table", out->tables, "only this mirrored table (repeatable)");
  cmd->add_option("--columns", out->columns,
                  "only these attribute columns of their tables: TABLE.COLUMN[,...]")
      ->delimiter(',');
  cmd->add_option("--mask", out->masks,
                  "mask a column: TABLE.COLUMN=drop|hash|fixed:VALUE (TABLE * = every "
                  "table; repeatable)");
  cmd->add_option("--mask-file", out->mask_file, "mask rules file (JSON, docs/changelog.md)");
  cmd->add_option("--mask-salt", out->mask_salt,
                  "HMAC key of hash masks (default $REPLICATOR_MASK_SALT, then the file's)");
  cmd->add_flag("--force", out->force, "replace an existing fixture file");
}

base::Result<storage::FixtureOptions> ToFixtureOptions(const FixtureCliOptions& cli) {
  storage::FixtureOptions o;
  o.tables = cli.tables;
  o.overwrite = cli.force;
  for (const std::string& c : cli.columns) {
    size_t dot = c.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == c.size()) {
      return base::InvalidArgumentError("--columns " + c + ": expected TABLE.COLUMN");
    }
    o.columns.emplace_back(c.substr(0, dot), c.substr(dot + 1));
  }
  if (!cli.mask_file.empty()) TS_RETURN_IF_ERROR(ReadMaskFile(cli.mask_file, &o));
  for (const std::string& spec : cli.masks) {
    TS_ASSIGN_OR_RETURN(storage::MaskRule rule, storage::ParseMaskRule(spec));
    o.masks.rules.push_back(std::move(rule));
  }
  if (!cli.mask_salt.empty()) {
    o.masks.salt = cli.mask_salt;
  } else if (const char* env = std::getenv("REPLICATOR_MASK_SALT"); env && *env) {
    o.masks.salt = env;
  }
  TS_RETURN_IF_ERROR(o.masks.Validate());
  return o;
}

int FixtureExitCode(const base::Status& status) {
  if (status.code() == base::StatusCode::kInvalidArgument) {
    std::cerr << "replicator: " << status.ToString() << "\n";
    return cli::kExitUsage;
  }
  return cli::ReportError(status);
}

void RegisterReplayCommand(CLI::App& app, int* exit_code) {
  struct Args {
    std::string log;
    std::string config_path;
    FixtureCliOptions fixture;
    int64_t until_ms = 0;
    int64_t count = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "build a mirror file (fixture) from a change log, without any service");
  cmd->add_option("log", args->log,
                  "mirror file holding the change log (default: the config's sqlite.path)");
  cli::AddConfigOption(cmd, &args->config_path);
  AddFixtureOptions(cmd, &args->fixture);
  CLI::Option* until = cmd->add_option(
      "--until", args->until_ms,
      "apply the entries committed at or before this time (ms since the epoch)");
  cmd->add_option("--count", args->count,
                  "apply only the first N records recorded since recording started")
      ->check(CLI::NonNegativeNumber)
      ->excludes(until);
  cmd->callback([args, cmd, exit_code]() {
    std::string log = args->log;
    if (log.empty()) {
      base::Result<config::ReplicatorConfig> cfg =
          cli::LoadConfigOrReport(args->config_path, exit_code);
      if (!cfg.ok()) return;
      log = cfg->sqlite.path;
    }
    base::Result<storage::FixtureOptions> options = ToFixtureOptions(args->fixture);
    if (!options.ok()) {
      *exit_code = FixtureExitCode(options.status());
      return;
    }
    if (cmd->count("--until") > 0) options->until_ms = args->until_ms;
    if (cmd->count("--count") > 0) options->count = args->count;
    base::Result<storage::FixtureSummary> summary =
        storage::ReplayFixture(log, args->fixture.into, *options);
    if (!summary.ok()) {
      *exit_code = FixtureExitCode(summary.status().WithContext("replay"));
      return;
    }
    std::cout << "replayed " << summary->base_rows << " base row(s), " << summary->entries
              << " entr" << (summary->entries == 1 ? "y" : "ies") << " (" << summary->records
              << " record(s)) of " << summary->tables << " table(s) into "
              << args->fixture.into << "\n";
    *exit_code = cli::kExitOk;
  });
}

}  // namespace tablestore::replicator
