// Built against the installed package (CMake config or pkg-config) by
// tests/api/install_test.cc. Uses every public header and a function of each library part,
// without a network: prints "consumer ok ..." and exits 0.

#include <fstream>
#include <iostream>
#include <string>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"
#include "tablestore/base/status.h"
#include "tablestore/config/replicator_config.h"
#include "tablestore/replicator/replicator.h"
#include "tablestore/tunnel/credentials.h"
#include "tablestore/tunnel/tunnel_client.h"
#include "tablestore/tunnel/tunnel_worker.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer DIR\n";
    return 2;
  }
  namespace ts = tablestore;
  std::string dir = argv[1];

  // tunnel_client: a client (nothing is sent) and a credentials provider.
  ts::tunnel::TunnelClient client("http://127.0.0.1:9", "inst", "AKID1234", "consumer-secret");
  auto creds = ts::tunnel::NewStaticCredentialsProvider("AKID1234", "consumer-secret")
                   ->GetCredentials();
  if (!creds.ok()) return 1;

  // tunnel_worker: a config validated locally.
  ts::tunnel::TunnelWorkerConfig worker;
  worker.processor_factory = std::make_shared<ts::tunnel::SimpleProcessFactory>(
      [](const ts::tunnel::ChannelContext&, std::vector<ts::tunnel::Record>&) {
        return ts::base::Status::Ok();
      });
  if (!worker.Validate().ok()) return 1;

  // config + replicator: load a TOML file, create (not start) a replicator.
  std::string path = dir + "/consumer.toml";
  std::ofstream(path) << "[source]\nendpoint = \"http://127.0.0.1:9\"\ninstance = \"inst\"\n"
                         "[[tables]]\nsource = \"orders\"\n[sqlite]\npath = \"mirror.db\"\n";
  auto config = ts::replicator::LoadConfig(path);
  if (!config.ok()) {
    std::cerr << config.status().ToString() << "\n";
    return 1;
  }
  auto bad = ts::replicator::LoadConfig(dir + "/missing.toml");
  auto rep = ts::replicator::Replicator::Create(*config);
  if (!rep.ok()) {
    std::cerr << rep.status().ToString() << "\n";
    return 1;
  }

  std::cout << "consumer ok endpoint=" << client.endpoint() << " creds=" << creds->Redacted()
            << " table=" << config->tables[0].target
            << " value=" << ts::base::Value::Integer(42).DebugString()
            << " missing=" << ts::base::StatusCodeName(bad.status().code())
            << " exit=" << ts::replicator::ExitCodeFor(ts::base::PermissionDeniedError("x"))
            << "\n";
  return 0;
}
