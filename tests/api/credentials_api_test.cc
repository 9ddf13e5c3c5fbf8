// Credentials providers from the user's side (docs/api.md "Credentials"), against the
// in-process emulator: a user's provider whose keys rotate mid-run is used for the next
// requests, an expiring STS token is refreshed before it expires, and secrets never appear
// in logs (spdlog captured at trace level) or in errors.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tablestore/base/row.h"
#include "tablestore/tunnel/credentials.h"
#include "tablestore/tunnel/tunnel_client.h"
#include "tablestore/tunnel/tunnel_worker.h"
#include "tests/support/e2e/emulator_process.h"
#include "tests/support/test_paths.h"
#include "tunnel/emulator/emulator.h"

namespace tablestore {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::TempDir;
using tunnel::Credentials;
using tunnel::CredentialsProvider;
using tunnel::emulator::AccessKey;
using tunnel::emulator::Emulator;
using tunnel::emulator::EmulatorOptions;

std::unique_ptr<Emulator> StartEmulator(std::vector<AccessKey> keys) {
  EmulatorOptions o;
  o.instance = "creds";
  o.keys = std::move(keys);
  auto emu = Emulator::Start(o);
  EXPECT_TRUE(emu.ok()) << emu.status().ToString();
  return emu.ok() ? std::move(emu).value() : nullptr;
}

void CreateTable(Emulator& emu, const std::string& name) {
  tunnel::emulator::TableSpec spec;
  spec.name = name;
  spec.primary_key = {{"id", base::ValueType::kString}};
  spec.partitions = 1;
  ASSERT_TRUE(emu.CreateTable(spec).ok());
}

void PutRow(Emulator& emu, const std::string& table, const std::string& id) {
  base::RowChange ch;
  ch.action = base::ActionType::kPutRow;
  base::Cell key;
  key.name = "id";
  key.value = base::Value::String(id);
  base::Cell v;
  v.name = "v";
  v.value = base::Value::Integer(1);
  ch.row.primary_key = {key};
  ch.row.cells = {v};
  auto applied = emu.ApplyChanges(table, {ch});
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
}

nlohmann::json KeyJson(const std::string& id, const std::string& secret,
                       const std::string& token = "", int64_t expires_at_ms = 0) {
  nlohmann::json k = {{"access_key_id", id}, {"access_key_secret", secret}};
  if (!token.empty()) k["sts_token"] = token;
  if (expires_at_ms != 0) k["expires_at"] = std::to_string(expires_at_ms);
  return k;
}

tunnel::CreateTunnelRequest TunnelRequest(const std::string& table, const std::string& name) {
  tunnel::CreateTunnelRequest r;
  r.table_name = table;
  r.tunnel_name = name;
  r.type = tunnel::TunnelType::kBaseAndStream;
  return r;
}

template <class Pred>
bool PollUntil(milliseconds timeout, Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return pred();
}

int64_t WallMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A user's own provider: keys that the application swaps at run time (e.g. read from a
// vault). Counts the calls made since the last swap.
class RotatingProvider : public CredentialsProvider {
 public:
  explicit RotatingProvider(Credentials c) : creds_(std::move(c)) {}
  base::Result<Credentials> GetCredentials() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_since_set_;
    return creds_;
  }
  void Set(Credentials c) {
    std::lock_guard<std::mutex> lock(mu_);
    creds_ = std::move(c);
    calls_since_set_ = 0;
  }
  int calls_since_set() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_since_set_;
  }

 private:
  std::mutex mu_;
  Credentials creds_;
  int calls_since_set_ = 0;
};

Credentials Keys(std::string id, std::string secret) {
  Credentials c;
  c.access_key_id = std::move(id);
  c.access_key_secret = std::move(secret);
  return c;
}

// Collects the primary keys a daemon delivers.
struct Collected {
  std::mutex mu;
  std::set<std::string> ids;
  bool Has(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    return ids.count(id) > 0;
  }
};

tunnel::TunnelWorkerConfig FastWorkerConfig(std::shared_ptr<Collected> got) {
  tunnel::TunnelWorkerConfig config;
  config.processor_factory = std::make_shared<tunnel::SimpleProcessFactory>(
      [got](const tunnel::ChannelContext&, std::vector<tunnel::Record>& records) {
        std::lock_guard<std::mutex> lock(got->mu);
        for (const auto& r : records) got->ids.insert(r.row.primary_key.at(0).value->bytes);
        return base::Status::Ok();
      });
  config.heartbeat_interval = milliseconds(300);
  config.heartbeat_timeout = seconds(10);
  config.checkpoint_interval = milliseconds(300);
  config.stream_backoff_max = milliseconds(100);
  return config;
}

TEST(Credentials, UserProviderRotatedKeysUsedForNextRequests) {
  auto emu = StartEmulator({{"AK-one", "secret-one", "", std::nullopt}});
  ASSERT_NE(emu, nullptr);
  testing::AdminClient admin(emu->endpoint());
  CreateTable(*emu, "t");

  auto provider = std::make_shared<RotatingProvider>(Keys("AK-one", "secret-one"));
  tunnel::TunnelClient client(emu->endpoint(), "creds", provider);
  auto created = client.CreateTunnel(TunnelRequest("t", "rotation"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();

  auto got = std::make_shared<Collected>();
  tunnel::TunnelDaemon daemon(&client, created->tunnel_id, FastWorkerConfig(got));
  base::Status run_status;
  std::thread runner([&] { run_status = daemon.Run(); });

  PutRow(*emu, "t", "before");
  EXPECT_TRUE(PollUntil(seconds(60), [&] { return got->Has("before"); }));

  // Rotate the way a real key rotation goes: the service accepts both keys, the application
  // switches, then the old key is revoked.
  admin.Must("PUT", "credentials",
             {{"keys", {KeyJson("AK-one", "secret-one"), KeyJson("AK-two", "secret-two")}}});
  provider->Set(Keys("AK-two", "secret-two"));
  const auto switched = std::chrono::steady_clock::now();
  // Requests signed before the switch have long finished once many have been signed after
  // and a few seconds have passed (a request descheduled on a loaded machine included).
  EXPECT_TRUE(PollUntil(seconds(60), [&] {
    return provider->calls_since_set() >= 20 &&
           std::chrono::steady_clock::now() - switched >= seconds(3);
  }));
  admin.Must("PUT", "credentials", {{"keys", {KeyJson("AK-two", "secret-two")}}});

  // The old key is really refused now...
  tunnel::TunnelClient old_client(emu->endpoint(), "creds", "AK-one", "secret-one");
  auto refused = old_client.ListTunnel("t");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), base::StatusCode::kUnauthenticated)
      << refused.status().ToString();
  // ...and the running daemon keeps going with the new one.
  const int calls_at_revoke = provider->calls_since_set();
  PutRow(*emu, "t", "after");
  EXPECT_TRUE(PollUntil(seconds(60), [&] { return got->Has("after"); }));
  EXPECT_GT(provider->calls_since_set(), calls_at_revoke);
  auto listed = client.ListTunnel("t");
  EXPECT_TRUE(listed.ok()) << listed.status().ToString();

  daemon.Stop();
  runner.join();
  EXPECT_TRUE(run_status.ok()) << run_status.ToString();
}

TEST(Credentials, ExpiringTokenRefreshedBeforeExpiry) {
  TempDir dir;
  // A 30 s first token: the refresh (half its lifetime before expiry) and the setup before
  // the first call keep seconds of margin on a loaded machine.
  const int64_t first_expiry = WallMs() + 30'000;
  auto emu = StartEmulator({{"AK-sts-1", "secret-1", "token-1", first_expiry},
                            {"AK-sts-2", "secret-2", "token-2", WallMs() + 3'600'000}});
  ASSERT_NE(emu, nullptr);
  CreateTable(*emu, "t");

  // The command a user would point at their STS helper: prints the current JSON and logs
  // when it ran.
  const std::string json = dir.File("creds.json");
  const std::string runs = dir.File("runs.log");
  auto write_creds = [&](const std::string& id, const std::string& secret, const std::string& token,
                         int64_t expires_at) {
    std::ofstream(json + ".tmp") << nlohmann::json{
        {"access_key_id", id},
        {"access_key_secret", secret},
        {"security_token", token},
        {"expires_at", expires_at}}.dump();
    std::filesystem::rename(json + ".tmp", json);
  };
  write_creds("AK-sts-1", "secret-1", "token-1", first_expiry);
  tunnel::CommandCredentialsOptions options;
  options.refresh_fraction = 0.5;  // refresh once less than half the lifetime is left
  options.retry_interval = milliseconds(200);
  auto provider = tunnel::NewCommandCredentialsProvider(
      "cat '" + json + "'; date +%s%3N >> '" + runs + "'", options);
  tunnel::TunnelClient client(emu->endpoint(), "creds", provider);

  auto first = client.ListTunnel("t");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // The helper now hands out the next token.
  write_creds("AK-sts-2", "secret-2", "token-2", WallMs() + 3'600'000);

  // Calls keep succeeding through the first token's expiry.
  int calls = 0;
  while (WallMs() < first_expiry + 1500) {
    auto r = client.ListTunnel("t");
    ASSERT_TRUE(r.ok()) << "call " << calls << ": " << r.status().ToString();
    ++calls;
    std::this_thread::sleep_for(milliseconds(100));
  }
  // The first token really expired (so the calls above used the refreshed one).
  tunnel::TunnelClient old_client(emu->endpoint(), "creds", "AK-sts-1", "secret-1", "token-1");
  auto refused = old_client.ListTunnel("t");
  ASSERT_FALSE(refused.ok());

  // The helper ran again before the first token expired.
  std::vector<int64_t> run_times;
  std::ifstream in(runs);
  for (int64_t t; in >> t;) run_times.push_back(t);
  ASSERT_GE(run_times.size(), 2u) << calls << " calls";
  EXPECT_LT(run_times[1], first_expiry);
  auto creds = provider->GetCredentials();
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds->access_key_id, "AK-sts-2");
}

// Captures everything spdlog's default logger writes, at trace level, for one test.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()), level_(spdlog::get_level()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::trace);
  }
  ~LogCapture() {
    spdlog::set_default_logger(previous_);
    spdlog::set_level(level_);
  }
  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
  spdlog::level::level_enum level_;
};

std::string StatusText(const base::Status& s) {
  std::string text = s.ToString();
  for (const char* key : {tunnel::kPayloadServiceCode, tunnel::kPayloadHttpStatus,
                          tunnel::kPayloadRequestId, "message", "service_message"}) {
    if (const std::string* p = s.GetPayload(key)) text += " " + *p;
  }
  return text;
}

TEST(Credentials, SecretsNeverAppearInLogsOrErrors) {
  const std::vector<std::string> secrets = {"GoodSecret-do-not-log",  "GoodToken-do-not-log",
                                            "WrongSecret-do-not-log", "CmdSecret-do-not-log",
                                            "EnvSecret-do-not-log",   "EnvToken-do-not-log"};
  TempDir dir;
  LogCapture logs;
  auto emu = StartEmulator(
      {{"AKgood", "GoodSecret-do-not-log", "GoodToken-do-not-log", WallMs() + 3'600'000}});
  ASSERT_NE(emu, nullptr);
  CreateTable(*emu, "t");
  std::vector<std::string> errors;

  // Successful calls, logged at trace level.
  tunnel::TunnelClient good(emu->endpoint(), "creds", "AKgood", "GoodSecret-do-not-log",
                            "GoodToken-do-not-log");
  auto created = good.CreateTunnel(TunnelRequest("t", "secrets"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(good.ListTunnel("t").ok());

  // A wrong secret: the service refuses the signature.
  tunnel::TunnelClient wrong(emu->endpoint(), "creds", "AKgood", "WrongSecret-do-not-log",
                             "GoodToken-do-not-log");
  auto refused = wrong.ListTunnel("t");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), base::StatusCode::kUnauthenticated);
  errors.push_back(StatusText(refused.status()));

  // A daemon with the wrong secret stops with a fatal, secret-free error.
  tunnel::TunnelWorkerConfig config = FastWorkerConfig(std::make_shared<Collected>());
  tunnel::TunnelDaemon daemon(&wrong, created->tunnel_id, config);
  base::Status run = daemon.Run();
  EXPECT_EQ(run.code(), base::StatusCode::kUnauthenticated) << run.ToString();
  errors.push_back(StatusText(run));

  // A credentials command whose output is not valid JSON, and one that fails after
  // printing secrets on stdout and stderr.
  for (const std::string& command :
       {std::string("echo '{\"access_key_id\": \"AKcmd\", \"access_key_secret\": "
                    "\"CmdSecret-do-not-log\"'"),
        std::string("echo '{\"access_key_id\": \"AKcmd\", \"access_key_secret\": "
                    "\"CmdSecret-do-not-log\"}'; echo CmdSecret-do-not-log >&2; exit 3")}) {
    auto provider = tunnel::NewCommandCredentialsProvider(command);
    auto creds = provider->GetCredentials();
    ASSERT_FALSE(creds.ok()) << command;
    errors.push_back(StatusText(creds.status()));
    tunnel::TunnelClient via_command(emu->endpoint(), "creds", provider);
    auto r = via_command.ListTunnel("t");
    ASSERT_FALSE(r.ok());
    errors.push_back(StatusText(r.status()));
  }

  // Environment credentials that the service does not accept.
  ::setenv("TABLESTORE_ACCESS_KEY_ID", "AKgood", 1);
  ::setenv("TABLESTORE_ACCESS_KEY_SECRET", "EnvSecret-do-not-log", 1);
  ::setenv("TABLESTORE_SESSION_TOKEN", "EnvToken-do-not-log", 1);
  auto env = tunnel::NewEnvironmentCredentialsProvider();
  ::unsetenv("TABLESTORE_ACCESS_KEY_ID");
  ::unsetenv("TABLESTORE_ACCESS_KEY_SECRET");
  ::unsetenv("TABLESTORE_SESSION_TOKEN");
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  tunnel::TunnelClient via_env(emu->endpoint(), "creds", *env);
  auto env_refused = via_env.ListTunnel("t");
  ASSERT_FALSE(env_refused.ok());
  errors.push_back(StatusText(env_refused.status()));
  auto env_creds = (*env)->GetCredentials();
  ASSERT_TRUE(env_creds.ok());
  errors.push_back(env_creds->Redacted());
  EXPECT_EQ(env_creds->Redacted(), "AKgo**** (sts)");

  const std::string log_text = logs.text();
  // The capture works (the client logged its requests), so the checks below can fail.
  EXPECT_NE(log_text.find("tunnel request"), std::string::npos) << log_text;
  for (const std::string& secret : secrets) {
    EXPECT_EQ(log_text.find(secret), std::string::npos) << secret << " in the logs:\n" << log_text;
    for (const std::string& e : errors) {
      EXPECT_EQ(e.find(secret), std::string::npos) << secret << " in an error: " << e;
    }
  }
}

}  // namespace
}  // namespace tablestore
