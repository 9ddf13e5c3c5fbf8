#include "config/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/test_paths.h"

namespace tablestore::config {
namespace {

using std::chrono::milliseconds;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;

constexpr char kFile[] = "/etc/replicator/replicator.toml";

// The smallest valid config, laid out so that tests can add keys to each section:
// Doc(source_extra, tables, sqlite_extra, tail).
std::string Doc(const std::string& source_extra = "",
                const std::string& tables = "[[tables]]\nsource = \"orders\"\n",
                const std::string& sqlite_extra = "", const std::string& tail = "") {
  return "[source]\n"
         "endpoint = \"https://inst.example.com\"\n"
         "instance = \"inst\"\n" +
         source_extra +
         "\n[sqlite]\n"
         "path = \"/data/mirror.db\"\n" +
         sqlite_extra + "\n" + tables + "\n" + tail;
}

// `text` with the first `from` replaced by `to`.
std::string Replace(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// A Doc() with one extra section at the end.
std::string WithSection(const std::string& section) {
  return Doc("", "[[tables]]\nsource = \"orders\"\n", "", section);
}

base::Result<ReplicatorConfig> Parse(const std::string& text) { return ParseConfig(text, kFile); }

// The error message of a config that must not load.
std::string ErrorOf(const std::string& text, std::string_view file = "replicator.toml") {
  base::Result<ReplicatorConfig> config = ParseConfig(text, file);
  if (config.ok()) {
    ADD_FAILURE() << "config unexpectedly valid:\n" << text;
    return "";
  }
  EXPECT_EQ(config.status().code(), base::StatusCode::kInvalidArgument);
  return config.status().message();
}

// ---------------------------------------------------------------------------------------
// Defaults and values.

TEST(ConfigLoader, MinimalConfigGetsDocumentedDefaults) {
  base::Result<ReplicatorConfig> config = Parse(Doc());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const ReplicatorConfig& c = *config;
  EXPECT_EQ(c.file_name, kFile);
  EXPECT_EQ(c.base_dir, "/etc/replicator");

  EXPECT_EQ(c.source.endpoint, "https://inst.example.com");
  EXPECT_EQ(c.source.instance, "inst");
  EXPECT_EQ(c.source.ca_file, "");
  EXPECT_EQ(c.source.ca_path, "");
  EXPECT_FALSE(c.source.insecure_skip_verify);
  EXPECT_EQ(c.source.connect_timeout, milliseconds(10'000));
  EXPECT_EQ(c.source.request_timeout, milliseconds(60'000));

  EXPECT_EQ(c.credentials.provider, CredentialsProviderKind::kEnvironment);
  EXPECT_EQ(c.credentials.access_key_id, "");
  EXPECT_EQ(c.credentials.access_key_secret, "");
  EXPECT_EQ(c.credentials.command, "");
  EXPECT_DOUBLE_EQ(c.credentials.refresh_fraction, 0.2);

  ASSERT_EQ(c.tables.size(), 1u);
  const TableConfig& t = c.tables[0];
  EXPECT_EQ(t.source, "orders");
  EXPECT_EQ(t.tunnel, "replicator-orders");
  EXPECT_EQ(t.target, "orders");
  EXPECT_TRUE(t.include.empty());
  EXPECT_TRUE(t.exclude.empty());
  EXPECT_TRUE(t.rename.empty());
  EXPECT_FALSE(t.columns.has_value());
  EXPECT_FALSE(t.primary_key.has_value());

  EXPECT_EQ(c.sqlite.path, "/data/mirror.db");
  EXPECT_EQ(c.sqlite.synchronous, SqliteSynchronous::kNormal);
  EXPECT_EQ(c.sqlite.batch_max_rows, 20'000u);
  EXPECT_EQ(c.sqlite.batch_max_delay, milliseconds(50));
  EXPECT_EQ(c.sqlite.busy_timeout, milliseconds(5'000));
  EXPECT_EQ(c.sqlite.queue_max_batches, 64u);

  EXPECT_EQ(c.worker.heartbeat_interval, milliseconds(10'000));
  EXPECT_EQ(c.worker.heartbeat_timeout, milliseconds(60'000));
  EXPECT_EQ(c.worker.checkpoint_interval, milliseconds(10'000));
  EXPECT_EQ(c.worker.max_channel_parallel, 0u);
  EXPECT_EQ(c.worker.read_ahead_pages, 2u);
  EXPECT_EQ(c.worker.client_tag, "");
  EXPECT_EQ(c.worker.stream_poll_max, milliseconds(1'000));

  EXPECT_EQ(c.logging.level, LogLevel::kInfo);
  EXPECT_EQ(c.logging.format, LogFormat::kText);
  EXPECT_EQ(c.logging.file, "");

  EXPECT_FALSE(c.changelog.enabled);
  EXPECT_EQ(c.changelog.max_size, 1024ULL * 1024 * 1024);
  EXPECT_EQ(c.changelog.max_age, milliseconds(7LL * 24 * 3600 * 1000));
}

TEST(ConfigLoader, ReadsEveryKey) {
  const std::string text = R"(
[source]
endpoint = "http://127.0.0.1:8340"
instance = "demo"
ca_file = "/etc/ssl/ca.pem"
ca_path = "/etc/ssl/certs"
insecure_skip_verify = true
connect_timeout = "3s"
request_timeout = "2m"

[credentials]
provider = "command"
command = "get-sts --json"
refresh_fraction = 0.5

[[tables]]
source = "orders"
tunnel = "t-orders"
target = "orders_mirror"
include = ["qty", "price", "Note"]
exclude = ["secret"]
rename = { Note = "note_text", "a b" = "a_b" }
columns = ["qty", "price", "Note", "secret", "a b"]
primary_key = [{ name = "id", type = "string" }, { name = "seq", type = "integer" },
               { name = "blob", type = "binary" }]

[[tables]]
source = "customers"

[sqlite]
path = "/var/lib/m.db"
synchronous = "full"
batch_max_rows = 5000
batch_max_delay = "0ms"
busy_timeout = "1m"
queue_max_batches = 8

[worker]
heartbeat_interval = "5s"
heartbeat_timeout = "30s"
checkpoint_interval = "1s"
max_channel_parallel = 16
read_ahead_pages = 0
client_tag = "host-a"
stream_poll_max = "250ms"

[logging]
level = "debug"
format = "json"
file = "/var/log/rep.log"

[changelog]
enabled = true
max_size = "64MiB"
max_age = "0s"
)";
  base::Result<ReplicatorConfig> config = Parse(text);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const ReplicatorConfig& c = *config;
  EXPECT_EQ(c.source.endpoint, "http://127.0.0.1:8340");
  EXPECT_EQ(c.source.instance, "demo");
  EXPECT_EQ(c.source.ca_file, "/etc/ssl/ca.pem");
  EXPECT_EQ(c.source.ca_path, "/etc/ssl/certs");
  EXPECT_TRUE(c.source.insecure_skip_verify);
  EXPECT_EQ(c.source.connect_timeout, milliseconds(3'000));
  EXPECT_EQ(c.source.request_timeout, milliseconds(120'000));

  EXPECT_EQ(c.credentials.provider, CredentialsProviderKind::kCommand);
  EXPECT_EQ(c.credentials.command, "get-sts --json");
  EXPECT_DOUBLE_EQ(c.credentials.refresh_fraction, 0.5);

  ASSERT_EQ(c.tables.size(), 2u);
  const TableConfig& t = c.tables[0];
  EXPECT_EQ(t.source, "orders");
  EXPECT_EQ(t.tunnel, "t-orders");
  EXPECT_EQ(t.target, "orders_mirror");
  EXPECT_THAT(t.include, ElementsAre("qty", "price", "Note"));
  EXPECT_THAT(t.exclude, ElementsAre("secret"));
  EXPECT_THAT(t.rename, ElementsAre(Pair("Note", "note_text"), Pair("a b", "a_b")));
  ASSERT_TRUE(t.columns.has_value());
  EXPECT_THAT(*t.columns, ElementsAre("qty", "price", "Note", "secret", "a b"));
  ASSERT_TRUE(t.primary_key.has_value());
  ASSERT_EQ(t.primary_key->size(), 3u);
  EXPECT_EQ((*t.primary_key)[0].name, "id");
  EXPECT_EQ((*t.primary_key)[0].type, KeyType::kString);
  EXPECT_EQ((*t.primary_key)[1].name, "seq");
  EXPECT_EQ((*t.primary_key)[1].type, KeyType::kInteger);
  EXPECT_EQ((*t.primary_key)[2].name, "blob");
  EXPECT_EQ((*t.primary_key)[2].type, KeyType::kBinary);
  EXPECT_EQ(c.tables[1].tunnel, "replicator-customers");
  EXPECT_EQ(c.tables[1].target, "customers");

  EXPECT_EQ(c.sqlite.path, "/var/lib/m.db");
  EXPECT_EQ(c.sqlite.synchronous, SqliteSynchronous::kFull);
  EXPECT_EQ(c.sqlite.batch_max_rows, 5000u);
  EXPECT_EQ(c.sqlite.batch_max_delay, milliseconds(0));
  EXPECT_EQ(c.sqlite.busy_timeout, milliseconds(60'000));
  EXPECT_EQ(c.sqlite.queue_max_batches, 8u);

  EXPECT_EQ(c.worker.heartbeat_interval, milliseconds(5'000));
  EXPECT_EQ(c.worker.heartbeat_timeout, milliseconds(30'000));
  EXPECT_EQ(c.worker.checkpoint_interval, milliseconds(1'000));
  EXPECT_EQ(c.worker.max_channel_parallel, 16u);
  EXPECT_EQ(c.worker.read_ahead_pages, 0u);
  EXPECT_EQ(c.worker.client_tag, "host-a");
  EXPECT_EQ(c.worker.stream_poll_max, milliseconds(250));

  EXPECT_EQ(c.logging.level, LogLevel::kDebug);
  EXPECT_EQ(c.logging.format, LogFormat::kJson);
  EXPECT_EQ(c.logging.file, "/var/log/rep.log");

  EXPECT_TRUE(c.changelog.enabled);
  EXPECT_EQ(c.changelog.max_size, 64u * 1024 * 1024);
  EXPECT_EQ(c.changelog.max_age, milliseconds(0));
}

TEST(ConfigLoader, ReadsStaticCredentials) {
  base::Result<ReplicatorConfig> config =
      Parse(WithSection("[credentials]\nprovider = \"static\"\naccess_key_id = \"AK\"\n"
                        "access_key_secret = \"SK\"\nsecurity_token = \"TOK\"\n"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->credentials.provider, CredentialsProviderKind::kStatic);
  EXPECT_EQ(config->credentials.access_key_id, "AK");
  EXPECT_EQ(config->credentials.access_key_secret, "SK");
  EXPECT_EQ(config->credentials.security_token, "TOK");
}

TEST(ConfigLoader, AcceptsEveryLogLevel) {
  for (const char* level : {"trace", "debug", "info", "warn", "error"}) {
    base::Result<ReplicatorConfig> config =
        Parse(WithSection(std::string("[logging]\nlevel = \"") + level + "\"\n"));
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(LogLevelName(config->logging.level), level);
  }
}

TEST(ConfigLoader, NamesMatchTheFileSpelling) {
  EXPECT_EQ(CredentialsProviderName(CredentialsProviderKind::kEnvironment), "environment");
  EXPECT_EQ(CredentialsProviderName(CredentialsProviderKind::kStatic), "static");
  EXPECT_EQ(CredentialsProviderName(CredentialsProviderKind::kCommand), "command");
  EXPECT_EQ(KeyTypeName(KeyType::kInteger), "integer");
  EXPECT_EQ(KeyTypeName(KeyType::kString), "string");
  EXPECT_EQ(KeyTypeName(KeyType::kBinary), "binary");
  EXPECT_EQ(SqliteSynchronousName(SqliteSynchronous::kOff), "off");
  EXPECT_EQ(SqliteSynchronousName(SqliteSynchronous::kNormal), "normal");
  EXPECT_EQ(SqliteSynchronousName(SqliteSynchronous::kFull), "full");
  EXPECT_EQ(LogFormatName(LogFormat::kText), "text");
  EXPECT_EQ(LogFormatName(LogFormat::kJson), "json");
}

TEST(ConfigLoader, AcceptsEndpointForms) {
  for (const char* endpoint : {"http://127.0.0.1:8340", "https://inst.cn-hangzhou.ots.aliyuncs.com",
                               "https://[::1]:443", "http://localhost", "https://a_b-c.d:65535"}) {
    std::string text = Doc();
    text.replace(text.find("https://inst.example.com"), 24, endpoint);
    base::Result<ReplicatorConfig> config = Parse(text);
    ASSERT_TRUE(config.ok()) << endpoint << ": " << config.status().ToString();
    EXPECT_EQ(config->source.endpoint, endpoint);
  }
}

// ---------------------------------------------------------------------------------------
// Exact message format.

TEST(ConfigLoader, BadEnumNamesFileLineKeyExpectedAndFound) {
  EXPECT_EQ(ErrorOf(Doc("", "[[tables]]\nsource = \"orders\"\n", "synchronous = \"fast\"\n")),
            "replicator.toml:7: sqlite.synchronous: expected one of \"off\", \"normal\", "
            "\"full\", found \"fast\"");
}

TEST(ConfigLoader, RejectsUnknownTopLevelKey) {
  EXPECT_EQ(ErrorOf("verbose = true\n" + Doc()),
            "replicator.toml:1: verbose: unknown key (expected one of: source credentials tables "
            "sqlite worker logging changelog)");
  EXPECT_EQ(ErrorOf(Doc() + "[sqlit]\nx = 1\n"),
            "replicator.toml:11: sqlit: unknown key; did you mean \"sqlite\"?");
  EXPECT_EQ(ErrorOf(Doc() + "[[table]]\nsource = \"x\"\n"),
            "replicator.toml:11: table: unknown key; did you mean \"tables\"?");
}

TEST(ConfigLoader, RejectsUnknownNestedKey) {
  EXPECT_EQ(ErrorOf(Doc("endpont = \"https://x\"\n")),
            "replicator.toml:4: source.endpont: unknown key; did you mean \"endpoint\"?");
  // Unknown keys are reported before missing ones, so the typo is what the user sees.
  EXPECT_EQ(ErrorOf("[source]\nendpont = \"https://x\"\ninstance = \"i\"\n"),
            "replicator.toml:2: source.endpont: unknown key; did you mean \"endpoint\"?");
  EXPECT_EQ(
      ErrorOf(Doc("", "[[tables]]\nsource = \"a\"\n[[tables]]\nsource = \"b\"\ncolums = []\n")),
      "replicator.toml:12: tables[1].colums: unknown key; did you mean \"columns\"?");
  EXPECT_THAT(ErrorOf(Doc("",
                          "[[tables]]\nsource = \"a\"\n"
                          "primary_key = [{ name = \"id\", type = \"string\", size = 4 }]\n")),
              HasSubstr("tables[0].primary_key[0].size: unknown key"));
  EXPECT_THAT(ErrorOf(Doc("tls = { verify = false }\n")),
              HasSubstr("replicator.toml:4: source.tls: unknown key"));
  EXPECT_THAT(ErrorOf(Doc("\"odd key\" = 1\n")), HasSubstr("source.\"odd key\": unknown key"));
}

TEST(ConfigLoader, RejectsUnknownKeyInEverySection) {
  for (const char* section : {"credentials", "worker", "logging", "changelog"}) {
    EXPECT_THAT(ErrorOf(WithSection(std::string("[") + section + "]\nbogus_key = 1\n")),
                HasSubstr(std::string(section) + ".bogus_key: unknown key"))
        << section;
  }
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"orders\"\n", "bogus_key = 1\n")),
              HasSubstr("sqlite.bogus_key: unknown key"));
}

TEST(ConfigLoader, ReportsTheFirstUnknownKeyInFileOrder) {
  // Tables are hash maps inside toml11; the report must still be deterministic.
  EXPECT_THAT(ErrorOf(Doc("zzz = 1\naaa = 2\nmmm = 3\n")), HasSubstr("source.zzz: unknown key"));
}

TEST(ConfigLoader, SyntaxErrorNamesTheLine) {
  EXPECT_EQ(ErrorOf("[source]\nendpoint = \"https://x\"\ninstance = \n"),
            "replicator.toml:3: TOML syntax error: missing value after key-value separator '='");
  EXPECT_EQ(ErrorOf("[source]\nendpoint = 1\nendpoint = 2\n"),
            "replicator.toml:3: TOML syntax error: value (\"endpoint\") already exists");
}

// ---------------------------------------------------------------------------------------
// Types.

TEST(ConfigLoader, RejectsWrongTypes) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {Doc("insecure_skip_verify = \"yes\"\n"),
       "source.insecure_skip_verify: expected a boolean (true or false), found a string"},
      {Doc("connect_timeout = 10\n"),
       "source.connect_timeout: expected a duration string such as \"30s\", found an integer"},
      {Doc("ca_file = 3\n"), "source.ca_file: expected a string, found an integer"},
      {"source = \"x\"\n", "source: expected a table, found a string"},
      {"tables = { source = \"x\" }\n" + Doc("", ""),
       "tables: expected an array of tables ([[tables]]), found a table"},
      {"tables = [\"orders\"]\n" + Doc("", ""), "tables[0]: expected a table, found a string"},
      {Doc("", "[[tables]]\nsource = 5\n"),
       "tables[0].source: expected a string, found an integer"},
      {Doc("", "[[tables]]\nsource = \"o\"\ninclude = \"a\"\n"),
       "tables[0].include: expected an array of column names, found a string"},
      {Doc("", "[[tables]]\nsource = \"o\"\nexclude = [\"a\", 2]\n"),
       "tables[0].exclude[1]: expected a column name string, found an integer"},
      {Doc("", "[[tables]]\nsource = \"o\"\nrename = [\"a\"]\n"),
       "tables[0].rename: expected a table, found an array"},
      {Doc("", "[[tables]]\nsource = \"o\"\nrename = { a = 1 }\n"),
       "tables[0].rename.a: expected a string, found an integer"},
      {Doc("", "[[tables]]\nsource = \"o\"\nprimary_key = [\"id\"]\n"),
       "tables[0].primary_key[0]: expected a table {name = \"...\", type = \"...\"}, found a "
       "string"},
      {Doc("", "[[tables]]\nsource = \"o\"\n", "batch_max_rows = 2.5\n"),
       "sqlite.batch_max_rows: expected an integer from 1 to 10000000, found a float"},
      {Doc("", "[[tables]]\nsource = \"o\"\n", "synchronous = 1\n"),
       "sqlite.synchronous: expected one of \"off\", \"normal\", \"full\", found an integer"},
      {Replace(Doc(), "\"/data/mirror.db\"", "1979-05-27"),
       "sqlite.path: expected a string, found a date"},
      {WithSection("[worker]\nclient_tag = false\n"),
       "worker.client_tag: expected a string, found a boolean"},
      {WithSection("[logging]\nfile = [\"a\"]\n"),
       "logging.file: expected a string, found an array"},
      {WithSection("[changelog]\nenabled = 1\n"),
       "changelog.enabled: expected a boolean (true or false), found an integer"},
      {WithSection("[changelog]\nmax_size = 1.5\n"),
       "changelog.max_size: expected a size such as \"64MiB\" or an integer number of bytes, "
       "found a float"},
      {WithSection("[credentials]\nprovider = \"command\"\ncommand = \"x\"\n"
                   "refresh_fraction = \"0.5\"\n"),
       "credentials.refresh_fraction: expected a number strictly between 0 and 1, found a "
       "string"},
      {"worker = 1\n" + Doc(), "worker: expected a table, found an integer"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ErrorOf(c.text), HasSubstr(c.message)) << c.text;
  }
}

// ---------------------------------------------------------------------------------------
// Values.

TEST(ConfigLoader, RejectsBadDurations) {
  EXPECT_EQ(ErrorOf(Doc("connect_timeout = \"10 s\"\n")),
            "replicator.toml:4: source.connect_timeout: expected a duration such as \"30s\" (an "
            "integer and one of ms, s, m, h, d), found \"10 s\"");
  for (const char* bad : {"10", "1.5s", "-1s", "10sec", "1h30m", "", "10S"}) {
    EXPECT_THAT(
        ErrorOf(WithSection(std::string("[worker]\ncheckpoint_interval = \"") + bad + "\"\n")),
        AllOf(HasSubstr("worker.checkpoint_interval: expected a duration"),
              HasSubstr(std::string("found \"") + bad + "\"")))
        << bad;
  }
  EXPECT_THAT(ErrorOf(Doc("request_timeout = \"0s\"\n")),
              HasSubstr("source.request_timeout: expected a duration above zero, found \"0s\""));
  EXPECT_THAT(ErrorOf(WithSection("[worker]\nstream_poll_max = \"0ms\"\n")),
              HasSubstr("worker.stream_poll_max: expected a duration above zero"));
  EXPECT_THAT(ErrorOf(WithSection("[changelog]\nmax_age = \"forever\"\n")),
              HasSubstr("changelog.max_age: expected a duration"));
}

TEST(ConfigLoader, RejectsBadEnumValues) {
  EXPECT_THAT(ErrorOf(WithSection("[credentials]\nprovider = \"env\"\n")),
              HasSubstr("credentials.provider: expected one of \"environment\", \"static\", "
                        "\"command\", found \"env\""));
  EXPECT_THAT(ErrorOf(WithSection("[logging]\nlevel = \"warning\"\n")),
              HasSubstr("logging.level: expected one of \"trace\", \"debug\", \"info\", "
                        "\"warn\", \"error\", found \"warning\""));
  EXPECT_THAT(ErrorOf(WithSection("[logging]\nformat = \"JSON\"\n")),
              HasSubstr("logging.format: expected one of \"text\", \"json\", found \"JSON\""));
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\n", "synchronous = \"NORMAL\"\n")),
              HasSubstr("found \"NORMAL\""));
}

TEST(ConfigLoader, RejectsMissingRequiredKeys) {
  EXPECT_EQ(ErrorOf("[sqlite]\npath = \"m.db\"\n[[tables]]\nsource = \"o\"\n"),
            "replicator.toml: source: missing required table");
  EXPECT_EQ(ErrorOf("[source]\ninstance = \"i\"\n"),
            "replicator.toml:1: source.endpoint: missing required key");
  EXPECT_EQ(ErrorOf("[source]\nendpoint = \"https://x\"\n"),
            "replicator.toml:1: source.instance: missing required key");
  EXPECT_EQ(ErrorOf("[source]\nendpoint = \"https://x\"\ninstance = \"i\"\n"),
            "replicator.toml: tables: missing: at least one [[tables]] entry is required");
  EXPECT_EQ(ErrorOf("tables = []\n[source]\nendpoint = \"https://x\"\ninstance = \"i\"\n"),
            "replicator.toml:1: tables: expected at least one [[tables]] entry, found none");
  EXPECT_EQ(ErrorOf("[source]\nendpoint = \"https://x\"\ninstance = \"i\"\n"
                    "[[tables]]\nsource = \"o\"\n"),
            "replicator.toml: sqlite: missing required table");
  EXPECT_EQ(ErrorOf("[source]\nendpoint = \"https://x\"\ninstance = \"i\"\n"
                    "[[tables]]\nsource = \"o\"\n[sqlite]\nsynchronous = \"off\"\n"),
            "replicator.toml:6: sqlite.path: missing required key");
  EXPECT_EQ(ErrorOf(Doc("", "[[tables]]\ntarget = \"o\"\n")),
            "replicator.toml:8: tables[0].source: missing required key");
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\nprimary_key = [{ name = \"id\" }]\n")),
              HasSubstr("tables[0].primary_key[0].type: missing required key"));
  EXPECT_THAT(
      ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\nprimary_key = [{ type = \"string\" }]\n")),
      HasSubstr("tables[0].primary_key[0].name: missing required key"));
  EXPECT_THAT(
      ErrorOf(WithSection("[credentials]\nprovider = \"static\"\naccess_key_id = \"AK\"\n")),
      HasSubstr("credentials.access_key_secret: missing required key"));
  EXPECT_THAT(
      ErrorOf(WithSection("[credentials]\nprovider = \"static\"\naccess_key_secret = \"SK\"\n")),
      HasSubstr("credentials.access_key_id: missing required key"));
  EXPECT_THAT(ErrorOf(WithSection("[credentials]\nprovider = \"command\"\n")),
              HasSubstr("credentials.command: missing required key"));
}

TEST(ConfigLoader, RejectsEmptyRequiredStrings) {
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"\"\n")),
              HasSubstr("tables[0].source: expected a non-empty string, found \"\""));
  std::string no_path = Doc();
  no_path.replace(no_path.find("/data/mirror.db"), 15, "");
  EXPECT_THAT(ErrorOf(no_path), HasSubstr("sqlite.path: expected a non-empty string"));
  EXPECT_THAT(ErrorOf(WithSection("[credentials]\nprovider = \"command\"\ncommand = \"\"\n")),
              HasSubstr("credentials.command: expected a non-empty string"));
}

TEST(ConfigLoader, RejectsBadEndpoints) {
  struct Case {
    const char* endpoint;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{
           {"https://inst.example.com/", "no trailing slash"},
           {"ftp://inst.example.com", "the scheme must be http:// or https://"},
           {"inst.example.com", "the scheme must be http:// or https://"},
           {"HTTPS://inst.example.com", "the scheme must be http:// or https://"},
           {"https://", "no host"},
           {"https://inst.example.com/v1", "no path, query or fragment"},
           {"https://inst.example.com?x=1", "no path, query or fragment"},
           {"https://user@inst.example.com", "no user information"},
           {"https://inst.example.com:", "bad port"},
           {"https://inst.example.com:0", "bad port"},
           {"https://inst.example.com:65536", "bad port"},
           {"https://inst.example.com:80a", "bad port"},
           {"https://:80", "no host"},
           {"https://in st.example.com", "bad character in host"},
           {"https://[::1", "unterminated IPv6 address"},
       }) {
    std::string text = Doc();
    text.replace(text.find("https://inst.example.com"), 24, c.endpoint);
    EXPECT_EQ(ErrorOf(text), std::string("replicator.toml:2: source.endpoint: expected "
                                         "\"https://HOST[:PORT]\" or \"http://HOST[:PORT]\" (") +
                                 c.why + "), found \"" + c.endpoint + "\"")
        << c.endpoint;
  }
}

TEST(ConfigLoader, RejectsBadInstanceNames) {
  std::string text = Doc();
  text.replace(text.find("\"inst\""), 6, "\"my inst\"");
  EXPECT_THAT(ErrorOf(text), HasSubstr("source.instance: expected an instance name of printable "
                                       "ASCII without spaces, found \"my inst\""));
}

TEST(ConfigLoader, RejectsCountsOutOfRange) {
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\n", "batch_max_rows = 0\n")),
              HasSubstr("sqlite.batch_max_rows: expected an integer from 1 to 10000000, found 0"));
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\n", "queue_max_batches = 0\n")),
              HasSubstr("sqlite.queue_max_batches: expected an integer from 1 to 65536, found 0"));
  EXPECT_THAT(ErrorOf(WithSection("[worker]\nread_ahead_pages = -1\n")),
              HasSubstr("worker.read_ahead_pages: expected an integer from 0 to 1024, found -1"));
  EXPECT_THAT(ErrorOf(WithSection("[worker]\nmax_channel_parallel = 100000\n")),
              HasSubstr("worker.max_channel_parallel: expected an integer from 0 to 65536, "
                        "found 100000"));
  EXPECT_THAT(ErrorOf(WithSection("[changelog]\nmax_size = -1\n")),
              HasSubstr("changelog.max_size: expected a size of at least 0 bytes, found -1"));
  EXPECT_THAT(ErrorOf(WithSection("[changelog]\nmax_size = \"1 GB\"\n")),
              HasSubstr("changelog.max_size: expected a size such as \"64MiB\""));
}

TEST(ConfigLoader, HeartbeatTimeoutMustExceedInterval) {
  EXPECT_THAT(ErrorOf(WithSection("[worker]\nheartbeat_timeout = \"10s\"\n")),
              HasSubstr("worker.heartbeat_timeout: heartbeat_timeout (10s) must exceed "
                        "heartbeat_interval (10s)"));
  EXPECT_THAT(ErrorOf(WithSection("[worker]\nheartbeat_interval = \"2m\"\n")),
              HasSubstr("worker.heartbeat_interval: heartbeat_timeout (1m) must exceed "
                        "heartbeat_interval (2m)"));
  EXPECT_TRUE(Parse(WithSection("[worker]\nheartbeat_interval = \"1999ms\"\n"
                                "heartbeat_timeout = \"2s\"\n"))
                  .ok());
  EXPECT_THAT(ErrorOf(WithSection("[worker]\nheartbeat_interval = \"1s\"\n"
                                  "heartbeat_timeout = \"1500ms\"\n")),
              HasSubstr("worker.heartbeat_timeout: expected a whole number of seconds (the "
                        "service takes seconds), found \"1500ms\""));
}

TEST(ConfigLoader, RejectsBadRefreshFraction) {
  for (const char* value : {"0", "1", "0.0", "1.0", "-0.5", "1.5", "nan", "inf"}) {
    EXPECT_THAT(ErrorOf(WithSection(std::string("[credentials]\nprovider = \"command\"\n"
                                                "command = \"x\"\nrefresh_fraction = ") +
                                    value + "\n")),
                HasSubstr("credentials.refresh_fraction: expected a number strictly between 0 "
                          "and 1, found"))
        << value;
  }
}

TEST(ConfigLoader, RejectsKeysOfAnotherCredentialsProvider) {
  EXPECT_THAT(ErrorOf(WithSection("[credentials]\naccess_key_id = \"AK\"\n")),
              HasSubstr("credentials.access_key_id: only allowed when provider = \"static\" "
                        "(provider is \"environment\")"));
  EXPECT_THAT(ErrorOf(WithSection("[credentials]\nprovider = \"static\"\naccess_key_id = \"AK\"\n"
                                  "access_key_secret = \"SK\"\ncommand = \"x\"\n")),
              HasSubstr("credentials.command: only allowed when provider = \"command\" "
                        "(provider is \"static\")"));
  EXPECT_THAT(ErrorOf(WithSection("[credentials]\nprovider = \"command\"\ncommand = \"x\"\n"
                                  "security_token = \"T\"\n")),
              HasSubstr("credentials.security_token: only allowed when provider = \"static\""));
  EXPECT_THAT(ErrorOf(WithSection("[credentials]\nrefresh_fraction = 0.3\n")),
              HasSubstr("credentials.refresh_fraction: only allowed when provider = \"command\""));
}

TEST(ConfigLoader, RejectsChangelogWithoutBound) {
  EXPECT_EQ(ErrorOf(WithSection("[changelog]\nenabled = true\nmax_size = 0\nmax_age = \"0s\"\n")),
            "replicator.toml:11: changelog: an enabled change log must be bounded: set max_size or "
            "max_age above 0");
  // Disabled, the same bounds are fine; enabled with one bound too.
  EXPECT_TRUE(Parse(WithSection("[changelog]\nmax_size = 0\nmax_age = \"0s\"\n")).ok());
  EXPECT_TRUE(Parse(WithSection("[changelog]\nenabled = true\nmax_size = 0\n")).ok());
}

// ---------------------------------------------------------------------------------------
// Tables.

TEST(ConfigLoader, RejectsDuplicateTargets) {
  EXPECT_EQ(ErrorOf(Doc("",
                        "[[tables]]\nsource = \"orders\"\n[[tables]]\nsource = \"x\"\n"
                        "target = \"orders\"\n")),
            "replicator.toml:12: tables[1].target: mirror table name \"orders\" is already used "
            "by tables[0] (\"orders\"; SQLite table names ignore ASCII case); set a distinct "
            "target");
  // SQLite table names ignore case; the default target is the source name.
  EXPECT_THAT(ErrorOf(Doc("",
                          "[[tables]]\nsource = \"orders\"\ntunnel = \"t1\"\n"
                          "[[tables]]\nsource = \"ORDERS\"\n")),
              HasSubstr("tables[1].source: mirror table name \"ORDERS\" is already used by "
                        "tables[0] (\"orders\""));
  // Distinct targets for the same source are fine when the tunnels differ.
  EXPECT_TRUE(Parse(Doc("",
                        "[[tables]]\nsource = \"orders\"\n[[tables]]\nsource = \"orders\"\n"
                        "target = \"orders_b\"\ntunnel = \"t2\"\n"))
                  .ok());
}

TEST(ConfigLoader, RejectsDuplicateTunnels) {
  EXPECT_THAT(ErrorOf(Doc("",
                          "[[tables]]\nsource = \"orders\"\n[[tables]]\nsource = \"orders\"\n"
                          "target = \"orders_b\"\n")),
              HasSubstr("tables[1].source: tunnel name \"replicator-orders\" is already used by "
                        "tables[0]; set a distinct tunnel"));
  EXPECT_THAT(ErrorOf(Doc("",
                          "[[tables]]\nsource = \"a\"\ntunnel = \"t\"\n[[tables]]\n"
                          "source = \"b\"\ntunnel = \"t\"\n")),
              HasSubstr("tables[1].tunnel: tunnel name \"t\" is already used by tables[0]"));
}

TEST(ConfigLoader, RejectsReservedTargetNames) {
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\ntarget = \"_replicator_state\"\n")),
              HasSubstr("tables[0].target: the mirror table name \"_replicator_state\" is not "
                        "allowed: names starting with \"_replicator\" are reserved"));
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"SQLite_master\"\n")),
              HasSubstr("tables[0].source: the mirror table name \"SQLite_master\" is not allowed: "
                        "names starting with \"sqlite_\" are reserved by SQLite; set target"));
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\nrename = { a = \"_Replicator_a\" }\n")),
              HasSubstr("tables[0].rename.a: names starting with \"_replicator\" are reserved"));
}

TEST(ConfigLoader, RejectsEmptyOrNulNames) {
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\ninclude = [\"a\", \"\"]\n")),
              HasSubstr("tables[0].include[1]: expected a non-empty name"));
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\ncolumns = [\"a\\u0000b\"]\n")),
              HasSubstr("tables[0].columns[0]: expected a name without NUL characters"));
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\\u0000\"\n")),
              HasSubstr("tables[0].source: expected a string without NUL characters"));
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\ntunnel = \"\"\n")),
              HasSubstr("tables[0].tunnel: expected a non-empty string"));
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\nrename = { \"\" = \"x\" }\n")),
              HasSubstr("tables[0].rename.\"\": expected a non-empty column name"));
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\nrename = { a = \"\" }\n")),
              HasSubstr("tables[0].rename.a: expected a non-empty string"));
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\ninclude = []\n")),
              HasSubstr("tables[0].include: expected a non-empty array of column names"));
}

TEST(ConfigLoader, RejectsIncludeExcludeOverlap) {
  EXPECT_EQ(ErrorOf(Doc("",
                        "[[tables]]\nsource = \"o\"\ninclude = [\"a\", \"b\"]\n"
                        "exclude = [\"c\", \"b\"]\n")),
            "replicator.toml:11: tables[0].exclude[1]: \"b\" is also in tables[0].include");
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\ninclude = [\"a\", \"a\"]\n")),
              HasSubstr("tables[0].include[1]: \"a\" is listed twice"));
}

TEST(ConfigLoader, RejectsConflictingRenames) {
  EXPECT_THAT(ErrorOf(Doc("", "[[tables]]\nsource = \"o\"\nrename = { a = \"x\", b = \"X\" }\n")),
              HasSubstr("tables[0].rename.b: new name \"X\" is also given to \"a\""));
  EXPECT_THAT(ErrorOf(Doc("",
                          "[[tables]]\nsource = \"o\"\nexclude = [\"a\"]\n"
                          "rename = { a = \"x\" }\n")),
              HasSubstr("tables[0].rename: renames \"a\", which tables[0].exclude excludes"));
}

TEST(ConfigLoader, RejectsBadPrimaryKey) {
  auto with_pk = [](const std::string& pk) {
    return Doc("", "[[tables]]\nsource = \"o\"\nprimary_key = " + pk + "\n");
  };
  EXPECT_EQ(ErrorOf(with_pk("[{ name = \"id\", type = \"int\" }]")),
            "replicator.toml:10: tables[0].primary_key[0].type: expected one of \"integer\", "
            "\"string\", \"binary\", found \"int\"");
  EXPECT_THAT(ErrorOf(with_pk("[{ name = \"id\", type = \"double\" }]")),
              HasSubstr("found \"double\""));
  EXPECT_THAT(ErrorOf(with_pk("[{ name = \"id\", type = \"boolean\" }]")),
              HasSubstr("found \"boolean\""));
  EXPECT_THAT(ErrorOf(with_pk("[]")),
              HasSubstr("tables[0].primary_key: expected an array of 1 to 4 tables"));
  EXPECT_THAT(ErrorOf(with_pk("[{name=\"a\",type=\"string\"},{name=\"b\",type=\"string\"},"
                              "{name=\"c\",type=\"string\"},{name=\"d\",type=\"string\"},"
                              "{name=\"e\",type=\"string\"}]")),
              HasSubstr("found 5 columns"));
  EXPECT_THAT(ErrorOf(with_pk("[{name=\"a\",type=\"string\"},{name=\"a\",type=\"integer\"}]")),
              HasSubstr("tables[0].primary_key[1].name: \"a\" is already a primary-key column"));
  EXPECT_THAT(ErrorOf(with_pk("{ name = \"id\", type = \"string\" }")),
              HasSubstr("tables[0].primary_key: expected an array of 1 to 4 tables"));
  EXPECT_THAT(ErrorOf(with_pk("[{ name = \"\", type = \"string\" }]")),
              HasSubstr("tables[0].primary_key[0].name: expected a non-empty string"));
  // The array-of-tables spelling is the same thing.
  base::Result<ReplicatorConfig> config = Parse(Doc(
      "",
      "[[tables]]\nsource = \"o\"\n[[tables.primary_key]]\nname = \"id\"\ntype = \"binary\"\n"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_TRUE(config->tables[0].primary_key.has_value());
  EXPECT_EQ((*config->tables[0].primary_key)[0].type, KeyType::kBinary);
  EXPECT_THAT(ErrorOf(with_pk("[{ name = \"id\", type = \"string\" }]\nexclude = [\"id\"]")),
              HasSubstr("tables[0].exclude: primary-key column \"id\" cannot be excluded"));
}

TEST(ConfigLoader, FixedColumnsConstrainIncludeExcludeAndRename) {
  auto table = [](const std::string& body) {
    return Doc("", "[[tables]]\nsource = \"o\"\ncolumns = [\"a\", \"b\", \"B2\"]\n" + body);
  };
  EXPECT_TRUE(Parse(table("include = [\"a\"]\nrename = { b = \"bee\" }\n")).ok());
  EXPECT_THAT(ErrorOf(table("include = [\"z\"]\n")),
              HasSubstr("tables[0].include: \"z\" is not in tables[0].columns"));
  EXPECT_THAT(ErrorOf(table("exclude = [\"z\"]\n")),
              HasSubstr("tables[0].exclude: \"z\" is not in tables[0].columns"));
  EXPECT_THAT(ErrorOf(table("rename = { z = \"y\" }\n")),
              HasSubstr("tables[0].rename: renames \"z\", which is not in tables[0].columns"));
  EXPECT_THAT(ErrorOf(table("rename = { a = \"b\" }\n")),
              HasSubstr("tables[0]: columns \"a\" and \"b\" would both be named \"b\""));
  // Case-insensitive collision after a rename; fine once the other column is excluded.
  EXPECT_THAT(ErrorOf(table("rename = { B2 = \"A\" }\n")),
              HasSubstr("would both be named \"A\" in the mirror"));
  EXPECT_TRUE(Parse(table("rename = { B2 = \"A\" }\nexclude = [\"a\"]\n")).ok());
  // Primary-key names count as columns, and may not be listed in `columns` too.
  EXPECT_TRUE(Parse(table("primary_key = [{ name = \"id\", type = \"integer\" }]\n"
                          "rename = { id = \"ident\" }\n"))
                  .ok());
  EXPECT_THAT(ErrorOf(table("primary_key = [{ name = \"a\", type = \"integer\" }]\n")),
              HasSubstr("tables[0].columns: \"a\" is a primary-key column"));
}

// ---------------------------------------------------------------------------------------
// Secrets.

TEST(ConfigLoader, SecretsNeverAppearInMessages) {
  const std::string secret = "S3cr3tV4lue";
  const std::string head = "[credentials]\nprovider = \"static\"\naccess_key_id = \"AK\"\n";
  const std::vector<std::string> bad_sections = {
      // Wrong type.
      head + "access_key_secret = [\"" + secret + "\"]\n",
      head + "access_key_secret = { v = \"" + secret + "\" }\n",
      head + "access_key_secret = \"x\"\nsecurity_token = [\"" + secret + "\"]\n",
      // NUL inside.
      head + "access_key_secret = \"" + secret + "\\u0000\"\n",
      // Present for another provider.
      "[credentials]\naccess_key_secret = \"" + secret + "\"\n",
      "[credentials]\nprovider = \"command\"\ncommand = \"x\"\nsecurity_token = \"" + secret +
          "\"\n",
      // Misspelt key.
      head + "access_key_secrte = \"" + secret + "\"\n",
      // TOML syntax errors on the secret's line.
      head + "access_key_secret = \"" + secret + "\n",
      head + "access_key_secret = " + secret + "\n",
      head + "access_key_secret = \"" + secret + "\" trailing\n",
      head + "access_key_secret = \"a\"\naccess_key_secret = \"" + secret + "\"\n",
      head + "access_key_secret = '''" + secret + "\n",
      head + "access_key_secret = \"" + secret + "\\q\"\n",
      head + "access_key_secret = 12" + secret + "\n",
  };
  for (const std::string& section : bad_sections) {
    std::string message = ErrorOf(WithSection(section));
    EXPECT_THAT(message, Not(HasSubstr("S3cr3t"))) << section;
    EXPECT_THAT(message, Not(HasSubstr("V4lue"))) << section;
    EXPECT_THAT(message, StartsWith("replicator.toml:")) << section;
  }
  EXPECT_THAT(ErrorOf(WithSection(head + "access_key_secret = 42\n")),
              HasSubstr("credentials.access_key_secret: expected a string, found an integer"));
}

// ---------------------------------------------------------------------------------------
// Paths.

TEST(ConfigLoader, ResolvesRelativePathsAgainstTheConfigDirectory) {
  const std::string text =
      "[source]\nendpoint = \"https://x\"\ninstance = \"i\"\nca_file = \"certs/ca.pem\"\n"
      "ca_path = \"../certs\"\n"
      "[[tables]]\nsource = \"o\"\n"
      "[sqlite]\npath = \"data/./mirror.db\"\n"
      "[logging]\nfile = \"log/rep.log\"\n";
  base::Result<ReplicatorConfig> config = ParseConfig(text, "/srv/rep/conf/replicator.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->base_dir, "/srv/rep/conf");
  EXPECT_EQ(config->source.ca_file, "/srv/rep/conf/certs/ca.pem");
  EXPECT_EQ(config->source.ca_path, "/srv/rep/certs");
  EXPECT_EQ(config->sqlite.path, "/srv/rep/conf/data/mirror.db");
  EXPECT_EQ(config->logging.file, "/srv/rep/conf/log/rep.log");
}

TEST(ConfigLoader, KeepsAbsolutePathsAndMemory) {
  std::string text = Doc("ca_file = \"/etc/ca.pem\"\n");
  base::Result<ReplicatorConfig> config = ParseConfig(text, "/srv/replicator.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->source.ca_file, "/etc/ca.pem");
  EXPECT_EQ(config->sqlite.path, "/data/mirror.db");

  text.replace(text.find("/data/mirror.db"), 15, ":memory:");
  config = ParseConfig(text, "/srv/replicator.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->sqlite.path, ":memory:");
}

TEST(ConfigLoader, BareFileNameResolvesAgainstTheCurrentDirectory) {
  std::string text = Doc();
  text.replace(text.find("/data/mirror.db"), 15, "m.db");
  base::Result<ReplicatorConfig> config = ParseConfig(text, "replicator.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const std::filesystem::path cwd = std::filesystem::current_path();
  EXPECT_EQ(config->base_dir, cwd.lexically_normal().string());
  EXPECT_EQ(config->sqlite.path, (cwd / "m.db").lexically_normal().string());
  EXPECT_TRUE(std::filesystem::path(config->sqlite.path).is_absolute());
}

TEST(ConfigLoader, LoadConfigFileReadsAndResolvesNextToTheFile) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "etc");
  const std::string file = (dir.path() / "etc" / "rep.toml").string();
  std::string text = Doc();
  text.replace(text.find("/data/mirror.db"), 15, "mirror.db");
  std::ofstream(file) << text;
  base::Result<ReplicatorConfig> config = LoadConfigFile(file);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->file_name, file);
  EXPECT_EQ(config->sqlite.path, (dir.path() / "etc" / "mirror.db").string());

  std::ofstream(file) << "bogus = 1\n" << Doc();
  EXPECT_THAT(LoadConfigFile(file).status().message(), StartsWith(file + ":1: bogus: unknown key"));
}

TEST(ConfigLoader, LoadConfigFileReportsUnreadableFiles) {
  testing::TempDir dir;
  base::Result<ReplicatorConfig> missing = LoadConfigFile(dir.File("nope.toml"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), base::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(),
            dir.File("nope.toml") + ": cannot read the file: No such file or directory");
  EXPECT_THAT(LoadConfigFile(dir.path().string()).status().message(),
              HasSubstr("cannot read the file: it is a directory"));
}

TEST(ConfigLoader, EmptyTextIsMissingSource) {
  EXPECT_EQ(ErrorOf(""), "replicator.toml: source: missing required table");
}

// ---------------------------------------------------------------------------------------
// The shipped examples.

TEST(ConfigLoader, EveryExampleConfigValidates) {
  const std::filesystem::path dir = std::filesystem::path(TS_SOURCE_DIR) / "config";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 2u) << "expected at least demo.toml and replicator.example.toml in "
                              << dir;
  for (const std::filesystem::path& file : files) {
    base::Result<ReplicatorConfig> config = LoadConfigFile(file.string());
    EXPECT_TRUE(config.ok()) << config.status().ToString();
  }
}

TEST(ConfigLoader, DemoConfigPointsAtTheLocalEmulator) {
  const std::filesystem::path file = std::filesystem::path(TS_SOURCE_DIR) / "config" / "demo.toml";
  base::Result<ReplicatorConfig> config = LoadConfigFile(file.string());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->source.endpoint, "http://127.0.0.1:8340");
  EXPECT_EQ(config->source.instance, "demo");
  EXPECT_EQ(config->credentials.provider, CredentialsProviderKind::kEnvironment);
  ASSERT_EQ(config->tables.size(), 1u);
  EXPECT_EQ(config->tables[0].source, "orders");
  EXPECT_EQ(config->tables[0].target, "orders");
  EXPECT_EQ(config->sqlite.path, (file.parent_path() / "demo.db").lexically_normal().string());
}

TEST(ConfigLoader, ExampleConfigUsesHttpsAndEnvironmentCredentials) {
  base::Result<ReplicatorConfig> config = LoadConfigFile(
      (std::filesystem::path(TS_SOURCE_DIR) / "config" / "replicator.example.toml").string());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_THAT(config->source.endpoint, StartsWith("https://"));
  EXPECT_EQ(config->credentials.provider, CredentialsProviderKind::kEnvironment);
}

}  // namespace
}  // namespace tablestore::config
