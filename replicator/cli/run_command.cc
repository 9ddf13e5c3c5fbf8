#include "replicator/cli/run_command.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <thread>

#include "base/clock.h"
#include "replicator/cli/common.h"
#include "replicator/client_factory.h"
#include "storage/mirror.h"
#include "tablestore/replicator/replicator.h"
#include "tablestore/tunnel/tunnel_client.h"

namespace tablestore::replicator {
namespace {

// Full-load progress: a status line on a terminal, a log line every 10 s otherwise.
// Returns when `stop` is cancelled.
void ShowProgress(Replicator* rep, const base::CancelToken* stop) {
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  auto last_log = start;
  int64_t last_rows = 0;
  auto last_time = start;
  bool announced_stream = false;
  while (base::Clock::Real()->SleepFor(std::chrono::seconds(1), stop)) {
    StatusSnapshot s = rep->Status();
    int total = 0, finished = 0;
    bool all_stream = !s.tables.empty();
    for (const auto& t : s.tables) {
      total += t.base_channels_total;
      finished += t.base_channels_finished;
      if (t.stage != "stream") all_stream = false;
    }
    auto now = std::chrono::steady_clock::now();
    double dt = std::chrono::duration<double>(now - last_time).count();
    double rate = dt > 0 ? static_cast<double>(s.rows_applied - last_rows) / dt : 0;
    last_rows = s.rows_applied;
    last_time = now;
    if (all_stream) {
      if (!announced_stream) {
        if (tty) std::fprintf(stderr, "\n");
        double secs = std::chrono::duration<double>(now - start).count();
        spdlog::info("full load done: {} rows applied in {:.1f} s; streaming changes",
                     s.rows_applied, secs);
        announced_stream = true;
      }
      if (now - last_log >= std::chrono::seconds(60)) {
        spdlog::info("streaming: {} rows applied, {} commits, {} duplicates skipped",
                     s.rows_applied, s.groups_committed, s.duplicates_skipped);
        last_log = now;
      }
      continue;
    }
    if (tty) {
      std::fprintf(stderr, "\rfull load: %lld rows, %.0f rows/s, base channels %d/%d finished   ",
                   static_cast<long long>(s.rows_applied), rate, finished, total);
      std::fflush(stderr);
    } else if (now - last_log >= std::chrono::seconds(10)) {
      spdlog::info("full load: {} rows, {:.0f} rows/s, base channels {}/{} finished",
                   s.rows_applied, rate, finished, total);
      last_log = now;
    }
  }
}

}  // namespace

int RunUntilSignal(const config::ReplicatorConfig& config) {
  // Signals are taken by a dedicated thread (sigwait), never by async handlers.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  base::Result<std::unique_ptr<Replicator>> created = Replicator::Create(config);
  if (!created.ok()) return cli::ReportError(created.status());
  std::unique_ptr<Replicator> rep = std::move(created).value();

  std::atomic<bool> stopping{false};
  Replicator* rep_ptr = rep.get();
  std::thread([set, rep_ptr, &stopping]() {
    int sig = 0;
    sigwait(&set, &sig);
    stopping = true;
    spdlog::info("signal {}: stopping (committing in-flight batches, checkpointing); "
                 "send it again to exit at once", sig);
    rep_ptr->RequestStop();
    sigwait(&set, &sig);
    std::fprintf(stderr, "replicator: second signal %d: exiting at once\n", sig);
    std::_Exit(128 + sig);
  }).detach();

  base::Status started = rep->Start();
  if (!started.ok()) {
    rep->Stop();
    return cli::ReportError(started);
  }
  spdlog::info("replicating {} table(s) into {}", config.tables.size(), config.sqlite.path);

  base::CancelToken progress_stop;
  std::thread progress([&] { ShowProgress(rep.get(), &progress_stop); });
  base::Status result = rep->Wait();
  rep->Stop();
  progress_stop.Cancel();
  progress.join();
  if (!result.ok()) return cli::ReportError(result);
  spdlog::info("stopped cleanly");
  return cli::kExitOk;
}

void RegisterRunCommand(CLI::App& app, int* exit_code) {
  CLI::App* run = app.add_subcommand(
      "run", "full load, then stream changes into the SQLite mirror until SIGINT/SIGTERM");
  auto path = std::make_shared<std::string>();
  cli::AddConfigOption(run, path.get());
  run->callback([path, exit_code] {
    auto cfg = cli::LoadConfigOrReport(*path, exit_code);
    if (!cfg.ok()) return;
    *exit_code = RunUntilSignal(*cfg);
  });
}

void RegisterResyncCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "resync",
      "drop a mirrored table's data and bindings, recreate its tunnel, and reload it");
  auto path = std::make_shared<std::string>();
  auto table = std::make_shared<std::string>();
  auto yes = std::make_shared<bool>(false);
  auto no_run = std::make_shared<bool>(false);
  cli::AddConfigOption(cmd, path.get());
  cmd->add_option("-t,--table", *table, "mirror (target) table name from the config")
      ->required();
  cmd->add_flag("-y,--yes", *yes, "do not ask for confirmation");
  cmd->add_flag("--no-run", *no_run, "only reset; the next `replicator run` reloads");
  cmd->callback([=] {
    auto cfg = cli::LoadConfigOrReport(*path, exit_code);
    if (!cfg.ok()) return;
    const config::TableConfig* t = nullptr;
    for (const auto& tc : cfg->tables) {
      if (tc.target == *table) t = &tc;
    }
    if (t == nullptr) {
      std::cerr << "replicator: resync: no table '" << *table << "' in " << *path << "\n";
      *exit_code = cli::kExitUsage;
      return;
    }
    if (!*yes && !cli::Confirm("Drop all mirrored rows of '" + t->target + "' in " +
                               cfg->sqlite.path + ", delete tunnel '" + t->tunnel +
                               "' and reload from scratch?")) {
      std::cerr << "replicator: resync not confirmed (use --yes)\n";
      *exit_code = cli::kExitUsage;
      return;
    }
    {
      storage::MirrorOptions mo;
      mo.path = cfg->sqlite.path;
      auto mirror = storage::Mirror::Open(mo);
      if (!mirror.ok()) {
        *exit_code = cli::ReportError(mirror.status());
        return;
      }
      base::Status dropped = (*mirror)->DropTable(t->target);
      if (!dropped.ok() && dropped.code() != base::StatusCode::kNotFound) {
        *exit_code = cli::ReportError(dropped);
        return;
      }
    }
    auto client = MakeTunnelClient(*cfg, nullptr, std::nullopt);
    if (!client.ok()) {
      *exit_code = cli::ReportError(client.status());
      return;
    }
    base::Status deleted = (*client)->DeleteTunnel(t->source, t->tunnel);
    if (!deleted.ok() && deleted.code() != base::StatusCode::kInvalidArgument &&
        deleted.code() != base::StatusCode::kNotFound) {
      *exit_code = cli::ReportError(deleted);
      return;
    }
    spdlog::info("resync: table '{}' dropped, tunnel '{}' deleted", t->target, t->tunnel);
    if (*no_run) {
      *exit_code = cli::kExitOk;
      return;
    }
    *exit_code = RunUntilSignal(*cfg);
  });
}

}  // namespace tablestore::replicator
