#pragma once

// The replicator's configuration as plain values (docs/configuration.md lists every key).
// Produced by ParseConfig / LoadConfigFile (config/config_loader.h), which fill in every
// default, check every constraint documented on the fields below and resolve relative
// paths against the config file's directory, so consumers never re-validate.
// Thread-compatible value types.
//
// Holds secrets (static credentials): never log or print a ReplicatorConfig wholesale.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tablestore::config {

using std::chrono::milliseconds;

// [source]: the Tablestore instance to read from.
struct SourceConfig {
  // "http://HOST[:PORT]" or "https://HOST[:PORT]": no path, no trailing slash.
  std::string endpoint;
  std::string instance;  // non-empty, printable ASCII without spaces
  // TLS trust: a CA bundle file and/or a directory of hashed certificates. Absolute after
  // loading; empty means the system default. Existence is not checked here.
  std::string ca_file;
  std::string ca_path;
  bool insecure_skip_verify = false;     // disables certificate and host-name checks
  milliseconds connect_timeout{10'000};  // > 0
  milliseconds request_timeout{60'000};  // > 0
};

enum class CredentialsProviderKind {
  kEnvironment,  // TABLESTORE_ACCESS_KEY_ID / _SECRET / TABLESTORE_SESSION_TOKEN
  kStatic,       // keys in the file (discouraged)
  kCommand,      // a command printing JSON credentials, re-run before they expire
};

// [credentials]. Only the fields of the chosen provider may be set in the file.
struct CredentialsConfig {
  CredentialsProviderKind provider = CredentialsProviderKind::kEnvironment;
  // kStatic: id and secret non-empty; token optional (STS).
  std::string access_key_id;
  std::string access_key_secret;
  std::string security_token;
  // kCommand: run through /bin/sh; see tunnel::NewCommandCredentialsProvider.
  std::string command;            // non-empty for kCommand
  double refresh_fraction = 0.2;  // 0 < x < 1
};

// Tablestore primary-key column types (the three a key may have).
enum class KeyType { kInteger, kString, kBinary };

struct PrimaryKeyColumn {
  std::string name;
  KeyType type = KeyType::kString;
};

// One [[tables]] entry. All names are non-empty and contain no NUL.
struct TableConfig {
  std::string source;  // source table name
  std::string tunnel;  // tunnel name; default "replicator-<source>"; unique across tables
  // Mirror table name; default = source. Unique across tables ignoring ASCII case (SQLite
  // table names are case-insensitive); never starts with "_replicator" or "sqlite_".
  std::string target;
  // Attribute columns to mirror; empty = all. Primary-key columns are always mirrored.
  std::vector<std::string> include;
  // Attribute columns never mirrored. No name is both here and in `include`.
  std::vector<std::string> exclude;
  // Source column name -> mirror column name. New names are unique ignoring ASCII case and
  // never start with "_replicator"; a renamed column is not excluded.
  std::map<std::string, std::string> rename;
  // A fixed list of attribute columns (otherwise discovered from the data). When set,
  // include/exclude/rename only name columns of `columns` or `primary_key`.
  std::optional<std::vector<std::string>> columns;
  // A fixed primary key (otherwise learned from the data): 1-4 columns, unique names.
  std::optional<std::vector<PrimaryKeyColumn>> primary_key;
};

enum class SqliteSynchronous { kOff, kNormal, kFull };

// [sqlite]: the mirror database.
struct SqliteConfig {
  std::string path;  // absolute after loading (":memory:" kept as is)
  SqliteSynchronous synchronous = SqliteSynchronous::kNormal;
  std::size_t batch_max_rows = 20'000;  // 1 .. 10,000,000
  milliseconds batch_max_delay{50};     // >= 0
  milliseconds busy_timeout{5'000};     // >= 0
  std::size_t queue_max_batches = 64;   // 1 .. 65,536
};

// [worker]: the tunnel worker.
struct WorkerConfig {
  milliseconds heartbeat_interval{10'000};  // > 0
  // > heartbeat_interval; whole seconds (sent to the service as ClientConfig.timeout).
  milliseconds heartbeat_timeout{60'000};
  milliseconds checkpoint_interval{10'000};  // > 0
  std::size_t max_channel_parallel = 0;      // 0 = unlimited; <= 65,536
  std::size_t read_ahead_pages = 2;          // 0 .. 1,024
  std::string client_tag;                    // empty = the host name, chosen at runtime
  milliseconds stream_poll_max{1'000};       // > 0; longest idle back-off of a stream channel
};

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

// [logging].
struct LoggingConfig {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
  std::string file;  // absolute after loading; empty = stderr
};

// [changelog]: reserved for the change-log feature; validated now.
struct ChangelogConfig {
  bool enabled = false;
  std::uint64_t max_size = 1024ULL * 1024 * 1024;   // bytes; 0 = no size bound
  milliseconds max_age{7LL * 24 * 60 * 60 * 1000};  // 0 = no age bound
  // When enabled, at least one of max_size and max_age is above zero.
};

struct ReplicatorConfig {
  std::string file_name;  // as given to the loader, for messages
  std::string base_dir;   // absolute directory relative paths were resolved against
  SourceConfig source;
  CredentialsConfig credentials;
  std::vector<TableConfig> tables;  // at least one
  SqliteConfig sqlite;
  WorkerConfig worker;
  LoggingConfig logging;
  ChangelogConfig changelog;
};

// The spelling used in the file ("environment", "integer", "normal", "info", "json").
std::string_view CredentialsProviderName(CredentialsProviderKind kind);
std::string_view KeyTypeName(KeyType type);
std::string_view SqliteSynchronousName(SqliteSynchronous mode);
std::string_view LogLevelName(LogLevel level);
std::string_view LogFormatName(LogFormat format);

}  // namespace tablestore::config
