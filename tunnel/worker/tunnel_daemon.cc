#include "tablestore/tunnel/tunnel_worker.h"
#include "tunnel/worker/daemon_runner.h"
#include "tunnel/worker/tunnel_data_api.h"

namespace tablestore::tunnel {

class TunnelDaemon::Impl {
 public:
  Impl(TunnelClient* client, std::string tunnel_id, TunnelWorkerConfig config)
      : api_(client), runner_(&api_, std::move(tunnel_id), std::move(config)) {}
  DaemonRunner& runner() { return runner_; }

 private:
  ClientDataApi api_;
  DaemonRunner runner_;
};

TunnelDaemon::TunnelDaemon(TunnelClient* client, std::string tunnel_id,
                           TunnelWorkerConfig config)
    : impl_(std::make_unique<Impl>(client, std::move(tunnel_id), std::move(config))) {}

TunnelDaemon::~TunnelDaemon() = default;

base::Status TunnelDaemon::Run() { return impl_->runner().Run(); }

void TunnelDaemon::Stop() { impl_->runner().Stop(); }

}  // namespace tablestore::tunnel
