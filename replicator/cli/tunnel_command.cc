#include "replicator/cli/tunnel_command.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "replicator/cli/common.h"
#include "replicator/client_factory.h"

namespace tablestore::replicator {
namespace {

nlohmann::json InfoToJson(const tunnel::TunnelInfo& t) {
  return {{"tunnel_id", t.tunnel_id},       {"tunnel_name", t.tunnel_name},
          {"table_name", t.table_name},     {"instance_name", t.instance_name},
          {"tunnel_type", t.tunnel_type},   {"stage", t.stage},
          {"expired", t.expired},           {"create_time_ns", t.create_time_ns},
          {"stream_id", t.stream_id}};
}

struct TunnelArgs {
  std::string config_path;
  std::string table;
  std::string name;
  std::string type = "BaseAndStream";
  bool yes = false;
};

// Runs `fn` with a client built from the config; sets the exit code.
template <class Fn>
void WithClient(const TunnelArgs& args, int* exit_code, Fn fn) {
  auto cfg = cli::LoadConfigOrReport(args.config_path, exit_code);
  if (!cfg.ok()) return;
  auto client = MakeTunnelClient(*cfg, nullptr, std::nullopt);
  if (!client.ok()) {
    *exit_code = cli::ReportError(client.status());
    return;
  }
  base::Status s = fn(**client);
  *exit_code = s.ok() ? cli::kExitOk : cli::ReportError(s);
}

}  // namespace

void RegisterTunnelCommand(CLI::App& app, int* exit_code) {
  CLI::App* tunnel_cmd = app.add_subcommand("tunnel", "create, list, describe or delete tunnels");
  tunnel_cmd->require_subcommand(1);
  auto args = std::make_shared<TunnelArgs>();

  CLI::App* create = tunnel_cmd->add_subcommand("create", "create a tunnel");
  cli::AddConfigOption(create, &args->config_path);
  create->add_option("--table", args->table, "source table")->required();
  create->add_option("--name", args->name, "tunnel name")->required();
  create->add_option("--type", args->type, "BaseData, Stream or BaseAndStream")
      ->check(CLI::IsMember({"BaseData", "Stream", "BaseAndStream"}))
      ->default_val("BaseAndStream");
  create->callback([args, exit_code] {
    WithClient(*args, exit_code, [&](tunnel::TunnelClient& c) -> base::Status {
      tunnel::CreateTunnelRequest req;
      req.table_name = args->table;
      req.tunnel_name = args->name;
      req.type = args->type == "BaseData" ? tunnel::TunnelType::kBaseData
                 : args->type == "Stream" ? tunnel::TunnelType::kStream
                                          : tunnel::TunnelType::kBaseAndStream;
      TS_ASSIGN_OR_RETURN(tunnel::CreateTunnelResponse r, c.CreateTunnel(req));
      std::cout << nlohmann::json{{"tunnel_id", r.tunnel_id}}.dump() << "\n";
      return base::Status::Ok();
    });
  });

  CLI::App* list = tunnel_cmd->add_subcommand("list", "list the tunnels of a table");
  cli::AddConfigOption(list, &args->config_path);
  list->add_option("--table", args->table, "source table (empty: every table)");
  list->callback([args, exit_code] {
    WithClient(*args, exit_code, [&](tunnel::TunnelClient& c) -> base::Status {
      TS_ASSIGN_OR_RETURN(std::vector<tunnel::TunnelInfo> tunnels, c.ListTunnel(args->table));
      nlohmann::json out = nlohmann::json::array();
      for (const auto& t : tunnels) out.push_back(InfoToJson(t));
      std::cout << nlohmann::json{{"tunnels", out}}.dump(2) << "\n";
      return base::Status::Ok();
    });
  });

  CLI::App* describe =
      tunnel_cmd->add_subcommand("describe", "describe a tunnel with its channels");
  cli::AddConfigOption(describe, &args->config_path);
  describe->add_option("--table", args->table, "source table")->required();
  describe->add_option("--name", args->name, "tunnel name")->required();
  describe->callback([args, exit_code] {
    WithClient(*args, exit_code, [&](tunnel::TunnelClient& c) -> base::Status {
      TS_ASSIGN_OR_RETURN(tunnel::DescribeTunnelResponse d,
                          c.DescribeTunnel(args->table, args->name));
      nlohmann::json channels = nlohmann::json::array();
      for (const auto& ch : d.channels) {
        channels.push_back({{"channel_id", ch.channel_id},
                            {"channel_type", ch.channel_type},
                            {"channel_status", ch.channel_status},
                            {"client_id", ch.client_id},
                            {"channel_rpo_ns", ch.channel_rpo_ns}});
      }
      std::cout << nlohmann::json{{"tunnel", InfoToJson(d.tunnel)},
                                  {"channels", channels},
                                  {"tunnel_rpo_ns", d.tunnel_rpo_ns}}
                       .dump(2)
                << "\n";
      return base::Status::Ok();
    });
  });

  CLI::App* del = tunnel_cmd->add_subcommand("delete", "delete a tunnel");
  cli::AddConfigOption(del, &args->config_path);
  del->add_option("--table", args->table, "source table")->required();
  del->add_option("--name", args->name, "tunnel name")->required();
  del->add_flag("-y,--yes", args->yes, "do not ask for confirmation");
  del->callback([args, exit_code] {
    if (!args->yes && !cli::Confirm("Delete tunnel '" + args->name + "' of table '" +
                                    args->table + "'?")) {
      std::cerr << "replicator: delete not confirmed (use --yes)\n";
      *exit_code = cli::kExitUsage;
      return;
    }
    WithClient(*args, exit_code, [&](tunnel::TunnelClient& c) {
      return c.DeleteTunnel(args->table, args->name);
    });
  });
}

}  // namespace tablestore::replicator
