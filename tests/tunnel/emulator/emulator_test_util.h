#pragma once

// Helpers for the emulator tests: a raw signed protobuf client over httplib, admin calls,
// and row builders. Test-only; thread-compatible.

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tunnel/emulator/emulator.h"
#include "tunnel/protocol/signing.h"
#include "tunnel/protocol/tunnel.pb.h"

namespace tablestore::tunnel::emulator::testing {

inline constexpr char kAk[] = "AKIDtest0001";
inline constexpr char kSk[] = "test/secret+0001=";

struct RawResponse {
  bool transport_ok = false;  // false: connection reset / truncated
  int status = 0;
  std::string body;
  httplib::Headers headers;
  // Parsed Error for non-2xx protobuf answers.
  bool has_error = false;
  pb::Error error;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Signs like a client (docs/tunnel-protocol.md §2.4) with full control over the headers.
struct SignOptions {
  std::string access_key_id = kAk;
  std::string access_key_secret = kSk;
  std::string sts_token;
  std::string api_version = std::string(kApiVersionGo);
  std::string date;  // empty: FormatOtsDate(now)
  std::string instance;  // empty: the emulator's
  // Runs after signing (to drop or corrupt headers).
  std::function<void(HeaderList&)> mutate;
};

class RawClient {
 public:
  RawClient(int port, std::string instance)
      : http_("127.0.0.1", port), instance_(std::move(instance)) {
    http_.set_keep_alive(true);
    http_.set_tcp_nodelay(true);
    http_.set_read_timeout(std::chrono::seconds(30));
  }

  RawResponse Post(const std::string& path, const std::string& body,
                   const SignOptions& o = SignOptions()) {
    HeaderList h = {
        {"x-ots-date", o.date.empty() ? FormatOtsDate(std::chrono::system_clock::now()) : o.date},
        {"x-ots-apiversion", o.api_version},
        {"x-ots-accesskeyid", o.access_key_id},
        {"x-ots-instancename", o.instance.empty() ? instance_ : o.instance},
        {"x-ots-contentmd5", ContentMd5(body)},
    };
    if (!o.sts_token.empty()) h.emplace_back("x-ots-ststoken", o.sts_token);
    h.emplace_back("x-ots-signature", SignCanonical(o.access_key_secret, CanonicalString(path, h)));
    if (o.mutate) o.mutate(h);
    httplib::Headers headers;
    for (const auto& [k, v] : h) headers.emplace(k, v);
    auto res = http_.Post(path.c_str(), headers, body, "application/x-protobuf");
    return Convert(res);
  }

  template <class Resp>
  RawResponse Call(const std::string& op, const google::protobuf::MessageLite& req, Resp* resp,
                   const SignOptions& o = SignOptions()) {
    RawResponse r = Post("/tunnel/" + op, req.SerializeAsString(), o);
    if (r.transport_ok && r.status == 200 && resp != nullptr) {
      EXPECT_TRUE(resp->ParseFromString(r.body)) << op << ": response does not parse";
    }
    return r;
  }

  RawResponse Raw(const std::string& method, const std::string& path, const std::string& body,
                  const httplib::Headers& headers = {}) {
    httplib::Result res(nullptr, httplib::Error::Unknown);
    if (method == "GET") {
      res = http_.Get(path.c_str(), headers);
    } else if (method == "POST") {
      res = http_.Post(path.c_str(), headers, body, "application/json");
    } else if (method == "PUT") {
      res = http_.Put(path.c_str(), headers, body, "application/json");
    } else {
      res = http_.Delete(path.c_str(), headers);
    }
    return Convert(res);
  }

 private:
  static RawResponse Convert(const httplib::Result& res) {
    RawResponse r;
    if (!res) return r;
    r.transport_ok = true;
    r.status = res->status;
    r.body = res->body;
    r.headers = res->headers;
    if (r.status / 100 != 2 && r.error.ParseFromString(r.body)) r.has_error = true;
    return r;
  }

  httplib::Client http_;
  std::string instance_;
};

inline EmulatorOptions TestOptions() {
  EmulatorOptions o;
  o.keys = {AccessKey{kAk, kSk, "", std::nullopt}};
  o.seed = 7;
  o.http_threads = 8;
  return o;
}

// An emulator with one string-keyed table "orders" (`partitions` ranges split at "m" etc.).
struct Harness {
  explicit Harness(EmulatorOptions o = TestOptions()) {
    auto started = Emulator::Start(std::move(o));
    if (!started.ok()) {
      ADD_FAILURE() << started.status().ToString();
      return;
    }
    emu = std::move(*started);
    client = std::make_unique<RawClient>(emu->port(), emu->instance());
  }
  ~Harness() {
    client.reset();
    if (emu) emu->Stop();
  }

  void CreateTable(const std::string& name, int partitions,
                   std::vector<std::string> split_points = {}) {
    TableSpec spec;
    spec.name = name;
    spec.primary_key = {{"id", base::ValueType::kString}};
    spec.partitions = partitions;
    for (const std::string& s : split_points) spec.split_points.push_back(base::Value::String(s));
    ASSERT_TRUE(emu->CreateTable(spec).ok());
  }

  static base::RowChange Put(const std::string& id, int64_t qty) {
    base::RowChange ch;
    ch.action = base::ActionType::kPutRow;
    base::Cell pk;
    pk.name = "id";
    pk.value = base::Value::String(id);
    ch.row.primary_key.push_back(pk);
    base::Cell c;
    c.name = "qty";
    c.value = base::Value::Integer(qty);
    ch.row.cells.push_back(c);
    return ch;
  }
  static base::RowChange Delete(const std::string& id) {
    base::RowChange ch = Put(id, 0);
    ch.action = base::ActionType::kDeleteRow;
    ch.row.cells.clear();
    return ch;
  }
  static base::RowChange Update(const std::string& id, int64_t qty) {
    base::RowChange ch = Put(id, qty);
    ch.action = base::ActionType::kUpdateRow;
    return ch;
  }

  void Apply(std::vector<base::RowChange> changes) {
    auto r = emu->ApplyChanges("orders", std::move(changes));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::string CreateTunnel(const std::string& name, pb::TunnelType type,
                           const std::string& table = "orders") {
    pb::CreateTunnelRequest req;
    req.mutable_tunnel()->set_table_name(table);
    req.mutable_tunnel()->set_tunnel_name(name);
    req.mutable_tunnel()->set_tunnel_type(type);
    pb::CreateTunnelResponse resp;
    RawResponse r = client->Call("create", req, &resp);
    EXPECT_EQ(r.status, 200) << r.error.code() << " " << r.error.message();
    return resp.tunnel_id();
  }

  std::string Connect(const std::string& tunnel, int64_t timeout_s = 300) {
    pb::ConnectRequest req;
    req.set_tunnel_id(tunnel);
    req.mutable_client_config()->set_timeout(timeout_s);
    req.mutable_client_config()->set_client_tag("test");
    pb::ConnectResponse resp;
    RawResponse r = client->Call("connect", req, &resp);
    EXPECT_EQ(r.status, 200) << r.error.code() << " " << r.error.message();
    return resp.client_id();
  }

  // Heartbeat reporting `channels`; returns the server's answer (status in *code if given).
  std::vector<pb::Channel> Heartbeat(const std::string& tunnel, const std::string& client_id,
                                     const std::vector<pb::Channel>& channels = {},
                                     RawResponse* raw = nullptr) {
    pb::HeartbeatRequest req;
    req.set_tunnel_id(tunnel);
    req.set_client_id(client_id);
    for (const pb::Channel& c : channels) *req.add_channels() = c;
    pb::HeartbeatResponse resp;
    RawResponse r = client->Call("heartbeat", req, &resp);
    if (raw) *raw = r;
    return {resp.channels().begin(), resp.channels().end()};
  }

  pb::GetCheckpointResponse GetCheckpoint(const std::string& tunnel, const std::string& client_id,
                                          const std::string& channel) {
    pb::GetCheckpointRequest req;
    req.set_tunnel_id(tunnel);
    req.set_client_id(client_id);
    req.set_channel_id(channel);
    pb::GetCheckpointResponse resp;
    RawResponse r = client->Call("getcheckpoint", req, &resp);
    EXPECT_EQ(r.status, 200) << r.error.code() << " " << r.error.message();
    return resp;
  }

  RawResponse Checkpoint(const std::string& tunnel, const std::string& client_id,
                         const std::string& channel, const std::string& token, int64_t seq) {
    pb::CheckpointRequest req;
    req.set_tunnel_id(tunnel);
    req.set_client_id(client_id);
    req.set_channel_id(channel);
    req.set_checkpoint(token);
    req.set_sequence_number(seq);
    pb::CheckpointResponse resp;
    return client->Call("checkpoint", req, &resp);
  }

  RawResponse Read(const std::string& tunnel, const std::string& client_id,
                   const std::string& channel, const std::string& token,
                   pb::ReadRecordsResponse* resp) {
    pb::ReadRecordsRequest req;
    req.set_tunnel_id(tunnel);
    req.set_client_id(client_id);
    req.set_channel_id(channel);
    req.set_token(token);
    return client->Call("readrecords", req, resp);
  }

  nlohmann::json Admin(const std::string& method, const std::string& path,
                       const nlohmann::json& body = nullptr, int* status = nullptr) {
    RawResponse r = client->Raw(method, path, body.is_null() ? "" : body.dump());
    if (status) *status = r.status;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return j;
  }

  std::unique_ptr<Emulator> emu;
  std::unique_ptr<RawClient> client;
};

inline pb::Channel Ch(const std::string& id, int64_t version, pb::ChannelStatus status) {
  pb::Channel c;
  c.set_channel_id(id);
  c.set_version(version);
  c.set_status(status);
  return c;
}

// Polls `pred` (no fixed sleeps: short waits between tries) until true or `timeout`.
inline bool PollUntil(const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace tablestore::tunnel::emulator::testing
