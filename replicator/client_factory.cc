#include "replicator/client_factory.h"

#include <spdlog/spdlog.h>

namespace tablestore::replicator {

base::Result<std::shared_ptr<tunnel::CredentialsProvider>> MakeCredentialsProvider(
    const config::CredentialsConfig& credentials) {
  switch (credentials.provider) {
    case config::CredentialsProviderKind::kStatic:
      return tunnel::NewStaticCredentialsProvider(credentials.access_key_id,
                                                  credentials.access_key_secret,
                                                  credentials.security_token);
    case config::CredentialsProviderKind::kCommand: {
      tunnel::CommandCredentialsOptions o;
      o.refresh_fraction = credentials.refresh_fraction;
      return tunnel::NewCommandCredentialsProvider(credentials.command, o);
    }
    case config::CredentialsProviderKind::kEnvironment:
      break;
  }
  return tunnel::NewEnvironmentCredentialsProvider();
}

base::Result<std::unique_ptr<tunnel::TunnelClient>> MakeTunnelClient(
    const config::ReplicatorConfig& config,
    std::shared_ptr<tunnel::CredentialsProvider> credentials,
    const std::optional<tunnel::ClientOptions>& client_options) {
  if (!credentials) {
    TS_ASSIGN_OR_RETURN(credentials, MakeCredentialsProvider(config.credentials));
  }
  tunnel::ClientOptions o = client_options.value_or(tunnel::ClientOptions{});
  if (!client_options) {
    o.connect_timeout = config.source.connect_timeout;
    o.request_timeout = config.source.request_timeout;
    o.ca_file = config.source.ca_file;
    o.ca_path = config.source.ca_path;
    o.insecure_skip_verify = config.source.insecure_skip_verify;
  }
  return std::make_unique<tunnel::TunnelClient>(config.source.endpoint, config.source.instance,
                                                std::move(credentials), std::move(o));
}

}  // namespace tablestore::replicator
