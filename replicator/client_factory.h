#pragma once

// Builds the TunnelClient a config describes: endpoint, instance, TLS options and the
// credentials provider (environment by default, static, or a refreshing command).

#include <memory>
#include <optional>

#include "tablestore/config/replicator_config.h"
#include "tablestore/base/result.h"
#include "tablestore/tunnel/tunnel_client.h"

namespace tablestore::replicator {

// `credentials` overrides the config's provider when set. kUnauthenticated when the
// environment lacks the keys (naming the variable, never a value).
base::Result<std::shared_ptr<tunnel::CredentialsProvider>> MakeCredentialsProvider(
    const config::CredentialsConfig& credentials);

base::Result<std::unique_ptr<tunnel::TunnelClient>> MakeTunnelClient(
    const config::ReplicatorConfig& config,
    std::shared_ptr<tunnel::CredentialsProvider> credentials,
    const std::optional<tunnel::ClientOptions>& client_options);

}  // namespace tablestore::replicator
