#include "tablestore/tunnel/credentials.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <thread>

#include "tests/support/fake_clock.h"
#include "tests/support/test_paths.h"
#include "tests/tunnel/client/client_test_util.h"
#include "tunnel/client/command_credentials_provider.h"

namespace tablestore::tunnel {
namespace {

using base::StatusCode;
using testing::FakeClock;
using testing::LogCapture;
using testing::TempDir;

constexpr char kSecret[] = "CommandSecret/Value+0001=";
constexpr char kToken[] = "CommandToken-never-logged";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

std::string CredsJson(const std::string& id, int64_t expires_ms) {
  return "{\"access_key_id\": \"" + id + "\", \"access_key_secret\": \"" + kSecret +
         "\", \"security_token\": \"" + kToken + "\", \"expires_at\": " +
         std::to_string(expires_ms) + "}";
}

int64_t Ms(FakeClock& clock) { return clock.WallMillis(); }

// ---- environment ----

class EnvGuard {
 public:
  EnvGuard() {
    for (const char* n : kNames) unsetenv(n);
  }
  ~EnvGuard() {
    for (const char* n : kNames) unsetenv(n);
  }
  static constexpr const char* kNames[] = {"TABLESTORE_ACCESS_KEY_ID",
                                           "TABLESTORE_ACCESS_KEY_SECRET",
                                           "TABLESTORE_SESSION_TOKEN"};
};

TEST(Credentials, EnvironmentProviderReadsVariables) {
  EnvGuard guard;
  setenv("TABLESTORE_ACCESS_KEY_ID", "AKIDenv0001", 1);
  setenv("TABLESTORE_ACCESS_KEY_SECRET", kSecret, 1);
  setenv("TABLESTORE_SESSION_TOKEN", kToken, 1);
  auto provider = NewEnvironmentCredentialsProvider();
  ASSERT_TRUE(provider.ok()) << provider.status().ToString();
  unsetenv("TABLESTORE_ACCESS_KEY_ID");  // read once, at construction
  auto c = (*provider)->GetCredentials();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIDenv0001");
  EXPECT_EQ(c->access_key_secret, kSecret);
  EXPECT_EQ(c->security_token, kToken);
  EXPECT_EQ(c->expires_at, std::chrono::system_clock::time_point::max());
}

TEST(Credentials, EnvironmentMissingVariableIsNamedNeverValued) {
  EnvGuard guard;
  setenv("TABLESTORE_ACCESS_KEY_ID", "AKIDenv0001", 1);
  auto provider = NewEnvironmentCredentialsProvider();
  ASSERT_EQ(provider.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(provider.status().message().find("TABLESTORE_ACCESS_KEY_SECRET"), std::string::npos);

  setenv("TABLESTORE_ACCESS_KEY_ID", "bad id\nwith newline", 1);
  setenv("TABLESTORE_ACCESS_KEY_SECRET", kSecret, 1);
  provider = NewEnvironmentCredentialsProvider();
  ASSERT_EQ(provider.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(provider.status().message().find("bad id"), std::string::npos);
  EXPECT_EQ(provider.status().message().find(kSecret), std::string::npos);
}

// ---- JSON ----

TEST(Credentials, CommandJsonShapes) {
  auto c = ParseCredentialsJson(
      R"({"access_key_id": "AK1", "access_key_secret": "S", "expires_at": "2026-11-25T18:00:00Z"})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(c->expires_at.time_since_epoch())
                .count(),
            1'795'629'600'000);
  EXPECT_TRUE(c->security_token.empty());

  c = ParseCredentialsJson(
      R"({"access_key_id": "AK1", "access_key_secret": "S", "expires_at": "1795629600000"})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->expires_at.time_since_epoch(), std::chrono::milliseconds(1'795'629'600'000));

  c = ParseCredentialsJson(
      R"({"RequestId": "x", "Credentials": {"AccessKeyId": "STS.AK", "AccessKeySecret": "S2",
          "SecurityToken": "T2", "Expiration": "2026-11-25T18:00:00Z"}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "STS.AK");
  EXPECT_EQ(c->security_token, "T2");

  c = ParseCredentialsJson(R"({"access_key_id": "AK1", "access_key_secret": "S"})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->expires_at, std::chrono::system_clock::time_point::max());
}

TEST(Credentials, CommandJsonErrorsNeverQuoteTheOutput) {
  const std::string secretish = "TopSecretValue123";
  for (const std::string& bad : std::vector<std::string>{
           std::string("not json ") + secretish, "{\"access_key_secret\": \"" + secretish + "\"}",
           "{\"access_key_id\": \"AK\", \"access_key_secret\": 5}",
        "{\"access_key_id\": \"AK\", \"access_key_secret\": \"" + secretish +
            "\", \"expires_at\": \"tomorrow " + secretish + "\"}",
        "[\"" + secretish + "\"]", std::string("{\"access_key_id\": \"AK\", \"x\": \"") +
                                       secretish}) {
    auto c = ParseCredentialsJson(bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(c.status().message().find(secretish), std::string::npos) << c.status().message();
  }
}

// ---- command provider ----

TEST(Credentials, CommandProviderRunsCommand) {
  TempDir dir;
  FakeClock clock;
  WriteFile(dir.File("creds.json"), CredsJson("AKIDcmd1", Ms(clock) + 3'600'000));
  CommandCredentialsOptions o;
  o.clock = &clock;
  CommandCredentialsProvider provider("cat '" + dir.File("creds.json") + "'", o);
  auto c = provider.GetCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDcmd1");
  EXPECT_EQ(c->security_token, kToken);
  ASSERT_TRUE(provider.GetCredentials().ok());
  EXPECT_EQ(provider.runs(), 1) << "cached while fresh";
}

TEST(Credentials, CommandRefreshedBeforeExpiry) {
  TempDir dir;
  FakeClock clock;
  const int64_t hour = 3'600'000;
  WriteFile(dir.File("creds.json"), CredsJson("AKIDfirst", Ms(clock) + hour));
  CommandCredentialsOptions o;
  o.clock = &clock;
  o.refresh_fraction = 0.2;  // refresh in the last 12 minutes of an hour
  CommandCredentialsProvider provider("cat '" + dir.File("creds.json") + "'", o);
  ASSERT_EQ(provider.GetCredentials()->access_key_id, "AKIDfirst");

  WriteFile(dir.File("creds.json"), CredsJson("AKIDsecond", Ms(clock) + 2 * hour));
  clock.Advance(std::chrono::minutes(47));
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "AKIDfirst") << "not yet due";
  EXPECT_EQ(provider.runs(), 1);
  clock.Advance(std::chrono::minutes(2));  // 49 min: inside the last 20%, still valid
  auto c = provider.GetCredentials();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIDsecond") << "refreshed before expiry";
  EXPECT_EQ(provider.runs(), 2);
}

TEST(Credentials, CommandFailureKeepsOldCredentialsAndRetriesAtInterval) {
  LogCapture capture;
  TempDir dir;
  FakeClock clock;
  const int64_t hour = 3'600'000;
  std::string file = dir.File("creds.json");
  WriteFile(file, CredsJson("AKIDold", Ms(clock) + hour));
  CommandCredentialsOptions o;
  o.clock = &clock;
  o.retry_interval = std::chrono::seconds(10);
  // Fails (printing secrets first) when the file "fail" exists.
  std::string cmd = "if [ -e '" + dir.File("fail") + "' ]; then echo '" + kSecret +
                    "'; exit 3; fi; cat '" + file + "'";
  CommandCredentialsProvider provider(cmd, o);
  ASSERT_EQ(provider.GetCredentials()->access_key_id, "AKIDold");

  WriteFile(dir.File("fail"), "");
  clock.Advance(std::chrono::minutes(50));
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "AKIDold");
  EXPECT_EQ(provider.runs(), 2);
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "AKIDold");
  EXPECT_EQ(provider.runs(), 2) << "no re-run within retry_interval";
  clock.Advance(std::chrono::seconds(6));
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "AKIDold");
  EXPECT_EQ(provider.runs(), 3);

  // Past expiry with the command still failing: an error, not stale keys.
  clock.Advance(std::chrono::minutes(15));
  auto expired = provider.GetCredentials();
  ASSERT_EQ(expired.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("exited with status 3"), std::string::npos)
      << expired.status().message();
  EXPECT_EQ(expired.status().message().find(kSecret), std::string::npos);

  // Recovery.
  std::filesystem::remove(dir.File("fail"));
  WriteFile(file, CredsJson("AKIDnew", Ms(clock) + hour));
  clock.Advance(std::chrono::seconds(11));
  EXPECT_EQ(provider.GetCredentials()->access_key_id, "AKIDnew");

  std::string logs = capture.text();
  EXPECT_NE(logs.find("keeping the current credentials"), std::string::npos) << logs;
  EXPECT_EQ(logs.find(kSecret), std::string::npos);
  EXPECT_EQ(logs.find(kToken), std::string::npos);
}

TEST(Credentials, CommandReturningExpiredCredentialsFails) {
  TempDir dir;
  FakeClock clock;
  WriteFile(dir.File("creds.json"), CredsJson("AKIDstale", Ms(clock) - 1));
  CommandCredentialsOptions o;
  o.clock = &clock;
  CommandCredentialsProvider provider("cat '" + dir.File("creds.json") + "'", o);
  EXPECT_EQ(provider.GetCredentials().status().code(), StatusCode::kUnauthenticated);
}

TEST(Credentials, CommandTimeoutKillsTheCommand) {
  CommandCredentialsOptions o;
  o.command_timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  CommandCredentialsProvider provider("sleep 30; echo '{}'", o);
  auto c = provider.GetCredentials();
  ASSERT_EQ(c.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(c.status().message().find("timed out"), std::string::npos) << c.status().message();
  // Bounded by the timeout, not the command's 30 s (a generous bound: no timing precision).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(Credentials, ConcurrentCallersShareOneRun) {
  TempDir dir;
  FakeClock clock;
  WriteFile(dir.File("creds.json"), CredsJson("AKIDshared", Ms(clock) + 3'600'000));
  CommandCredentialsOptions o;
  o.clock = &clock;
  CommandCredentialsProvider provider("cat '" + dir.File("creds.json") + "'", o);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (provider.GetCredentials().ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(provider.runs(), 1);
}

}  // namespace
}  // namespace tablestore::tunnel
