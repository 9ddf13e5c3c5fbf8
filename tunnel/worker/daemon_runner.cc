#include "tunnel/worker/daemon_runner.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace tablestore::tunnel {

namespace {

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') return "unknown-host";
  return std::string(buf);
}

}  // namespace

base::Status DescribeFatal(const std::string& tunnel_id, const base::Status& status) {
  const std::string t = "tunnel '" + tunnel_id + "' cannot continue";
  switch (status.code()) {
    case base::StatusCode::kOutOfRange:
      return status.WithContext(t +
                                ": its data expired or a stream position was trimmed, "
                                "so records would be lost; resync (recreate the tunnel "
                                "and reload)");
    case base::StatusCode::kUnauthenticated:
      return status.WithContext(t + ": authentication failed; check the access key");
    case base::StatusCode::kPermissionDenied:
      return status.WithContext(t + ": permission denied; check the key's policy");
    case base::StatusCode::kInvalidArgument:
      return status.WithContext(t +
                                ": the service rejected a parameter; does the tunnel "
                                "exist?");
    case base::StatusCode::kDataLoss:
      return status.WithContext(t + ": a page failed to decode again and again");
    default:
      return status.WithContext(t);
  }
}

DaemonRunner::DaemonRunner(TunnelDataApi* api, std::string tunnel_id, TunnelWorkerConfig config)
    : api_(api), tunnel_id_(std::move(tunnel_id)), config_(std::move(config)) {
  if (config_.clock == nullptr) config_.clock = base::Clock::Real();
  if (config_.client_tag.empty()) config_.client_tag = HostName();
}

int DaemonRunner::workers_started() {
  base::MutexLock lock(&mu_);
  return workers_started_;
}

void DaemonRunner::Stop() {
  stop_.Cancel();
  base::MutexLock lock(&mu_);
  if (current_ != nullptr) current_->Stop();
}

std::chrono::milliseconds RestartDelay(int failures, std::chrono::milliseconds min,
                                       std::chrono::milliseconds max, std::mt19937_64& rng) {
  using std::chrono::milliseconds;
  int64_t ceiling = std::max(min, milliseconds(100)).count();
  for (int i = 0; i < std::max(failures, 1) && ceiling < max.count(); ++i) ceiling *= 2;
  ceiling = std::clamp(ceiling, min.count(), max.count());
  std::uniform_int_distribution<int64_t> pick(min.count(), ceiling);
  return milliseconds(pick(rng));
}

base::Status DaemonRunner::Run() {
  TS_RETURN_IF_ERROR(config_.Validate().WithContext("tunnel worker config"));
  {
    base::MutexLock lock(&mu_);
    if (running_) return base::FailedPreconditionError("TunnelDaemon::Run is already running");
    running_ = true;
  }
  std::mt19937_64 rng{std::random_device{}()};
  base::Status result;
  int failures = 0;  // worker ends in a row, each after less than kHealthyWorkerLife
  while (!stop_.cancelled()) {
    const base::Clock::SteadyTime started = config_.clock->Now();
    Worker worker(api_, tunnel_id_, config_);
    {
      base::MutexLock lock(&mu_);
      current_ = &worker;
      ++workers_started_;
    }
    if (stop_.cancelled()) worker.Stop();  // Stop() raced with the registration
    WorkerOutcome outcome = worker.Run();
    {
      base::MutexLock lock(&mu_);
      current_ = nullptr;
    }
    if (outcome.stopped) break;
    if (outcome.fatal) {
      result = DescribeFatal(tunnel_id_, outcome.status);
      spdlog::error("{}", result.ToString());
      break;
    }
    if (stop_.cancelled()) break;
    if (config_.clock->Now() - started >= kHealthyWorkerLife) failures = 0;
    ++failures;
    const std::chrono::milliseconds delay =
        RestartDelay(failures, config_.restart_delay_min, config_.restart_delay_max, rng);
    spdlog::warn("tunnel {}: worker ended ({}); reconnecting in {} ms", tunnel_id_,
                 outcome.status.ToString(), delay.count());
    config_.clock->SleepFor(delay, &stop_);
  }
  base::MutexLock lock(&mu_);
  running_ = false;
  return result;
}

}  // namespace tablestore::tunnel
