#include "config/config_loader.h"

#include <toml.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <utility>

#include "config/message_internal.h"
#include "config/units.h"

// The only file that includes toml11. Every toml11 exception is caught in ParseConfig; the
// walk below checks each value's type before reading it, so none is expected from it.

namespace tablestore::config {
namespace {

using base::Result;
using base::Status;
using internal::Quote;

constexpr std::string_view kReservedPrefix = "_replicator";
constexpr std::string_view kSqlitePrefix = "sqlite_";

// ---------------------------------------------------------------------------------------
// Small string helpers.

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (AsciiLower(s[i]) != AsciiLower(prefix[i])) return false;
  }
  return true;
}

bool IsBareKey(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// "source" + "endpoint" -> "source.endpoint"; keys that are not bare are quoted.
std::string JoinPath(std::string_view parent, std::string_view key) {
  std::string segment = IsBareKey(key) ? std::string(key) : Quote(key);
  if (parent.empty()) return segment;
  return std::string(parent) + "." + segment;
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// "a string", "an integer", ... for "expected X, found Y". Never the value itself.
std::string TypeName(const toml::value& v) {
  switch (v.type()) {
    case toml::value_t::boolean:
      return "a boolean";
    case toml::value_t::integer:
      return "an integer";
    case toml::value_t::floating:
      return "a float";
    case toml::value_t::string:
      return "a string";
    case toml::value_t::offset_datetime:
    case toml::value_t::local_datetime:
      return "a date-time";
    case toml::value_t::local_date:
      return "a date";
    case toml::value_t::local_time:
      return "a time";
    case toml::value_t::array:
      return "an array";
    case toml::value_t::table:
      return "a table";
    default:
      return "an empty value";
  }
}

std::string FormatNumber(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

// ---------------------------------------------------------------------------------------
// Error context: the file name and the line of a toml value.

class Context {
 public:
  explicit Context(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }

  // "FILE:LINE: PATH: WHAT", without ":LINE" when `at` is null or has no source position,
  // and without "PATH: " when `path` is empty.
  Status Error(const toml::value* at, std::string_view path, std::string_view what) const {
    std::string message = file_;
    if (at != nullptr) {
      toml::source_location loc = at->location();
      if (loc.file_name() == file_) message += ":" + std::to_string(loc.line());
    }
    message += ": ";
    if (!path.empty()) {
      message += path;
      message += ": ";
    }
    message += what;
    return base::InvalidArgumentError(std::move(message));
  }

 private:
  std::string file_;
};

// ---------------------------------------------------------------------------------------
// A TOML table being read: knows its key path, finds keys, reports unknown ones. `table`
// is null when the section is absent from the file (every key then takes its default).

class Section {
 public:
  Section(const Context* ctx, const toml::value* table, std::string path, bool has_location)
      : ctx_(ctx), table_(table), path_(std::move(path)), has_location_(has_location) {}

  const Context& ctx() const { return *ctx_; }
  const std::string& path() const { return path_; }
  bool present() const { return table_ != nullptr; }

  // Null when absent.
  const toml::value* Find(std::string_view key) const {
    if (table_ == nullptr) return nullptr;
    const toml::table& t = table_->as_table();
    auto it = t.find(std::string(key));
    return it == t.end() ? nullptr : &it->second;
  }

  std::string PathOf(std::string_view key) const { return JoinPath(path_, key); }

  // An error about `key`, located at its value (or at this table when absent).
  Status Error(std::string_view key, std::string_view what) const {
    const toml::value* at = Find(key);
    return ctx_->Error(at != nullptr ? at : located_table(), PathOf(key), what);
  }
  // An error about the table itself.
  Status TableError(std::string_view what) const {
    return ctx_->Error(located_table(), path_, what);
  }
  Status Missing(std::string_view key) const {
    return ctx_->Error(located_table(), PathOf(key), "missing required key");
  }

  // Every key must be one of `known`. Reports the first unknown key in file order, with
  // the nearest known key as a hint (or the list of known keys).
  Status CheckKeys(std::initializer_list<std::string_view> known) const {
    if (table_ == nullptr) return Status::Ok();
    const std::string* first = nullptr;
    const toml::value* first_value = nullptr;
    std::pair<std::uint_least32_t, std::uint_least32_t> first_pos{};
    for (const auto& [key, value] : table_->as_table()) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      toml::source_location loc = value.location();
      std::pair<std::uint_least32_t, std::uint_least32_t> pos{loc.line(), loc.column()};
      if (first == nullptr || pos < first_pos || (pos == first_pos && key < *first)) {
        first = &key;
        first_value = &value;
        first_pos = pos;
      }
    }
    if (first == nullptr) return Status::Ok();
    std::string what = "unknown key";
    std::string_view best;
    std::size_t best_distance = 0;
    for (std::string_view k : known) {
      std::size_t d = EditDistance(AsciiLower(*first), k);
      if (best.empty() || d < best_distance) {
        best = k;
        best_distance = d;
      }
    }
    if (!best.empty() && best_distance <= std::max<std::size_t>(1, best.size() / 3)) {
      what += "; did you mean \"" + std::string(best) + "\"?";
    } else {
      what += " (expected one of:";
      for (std::string_view k : known) what += " " + std::string(k);
      what += ")";
    }
    return ctx_->Error(first_value, PathOf(*first), what);
  }

  // The sub-table `key` (null table when absent and optional).
  Result<Section> SubTable(std::string_view key, bool required) const {
    const toml::value* v = Find(key);
    std::string path = PathOf(key);
    if (v == nullptr) {
      if (required) return ctx_->Error(located_table(), path, "missing required table");
      return Section(ctx_, nullptr, path, false);
    }
    if (!v->is_table()) {
      return ctx_->Error(v, path, "expected a table, found " + TypeName(*v));
    }
    return Section(ctx_, v, path, true);
  }

 private:
  const toml::value* located_table() const { return has_location_ ? table_ : nullptr; }

  const Context* ctx_;
  const toml::value* table_;
  std::string path_;
  bool has_location_;  // false for the root table (its position means nothing)
};

// ---------------------------------------------------------------------------------------
// Typed getters. Each leaves `*out` untouched (the default) when the key is absent.

enum class Presence { kOptional, kRequired };

struct StringRules {
  Presence presence = Presence::kOptional;
  bool allow_empty = false;
};

// A string without NUL. Never echoes the value, so it also serves secrets.
Status GetString(const Section& s, std::string_view key, StringRules rules, std::string* out) {
  const toml::value* v = s.Find(key);
  if (v == nullptr) {
    return rules.presence == Presence::kRequired ? s.Missing(key) : Status::Ok();
  }
  if (!v->is_string()) return s.Error(key, "expected a string, found " + TypeName(*v));
  const std::string& str = v->as_string().str;
  if (str.empty() && !rules.allow_empty) {
    return s.Error(key, "expected a non-empty string, found \"\"");
  }
  if (str.find('\0') != std::string::npos) {
    return s.Error(key, "expected a string without NUL characters");
  }
  *out = str;
  return Status::Ok();
}

Status GetBool(const Section& s, std::string_view key, bool* out) {
  const toml::value* v = s.Find(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_boolean()) {
    return s.Error(key, "expected a boolean (true or false), found " + TypeName(*v));
  }
  *out = v->as_boolean();
  return Status::Ok();
}

Status GetCount(const Section& s, std::string_view key, std::int64_t min, std::int64_t max,
                std::size_t* out) {
  const toml::value* v = s.Find(key);
  if (v == nullptr) return Status::Ok();
  std::string expected =
      "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!v->is_integer()) return s.Error(key, expected + ", found " + TypeName(*v));
  std::int64_t n = v->as_integer();
  if (n < min || n > max) return s.Error(key, expected + ", found " + std::to_string(n));
  *out = static_cast<std::size_t>(n);
  return Status::Ok();
}

enum class DurationRule { kNonNegative, kPositive };

Status GetDuration(const Section& s, std::string_view key, DurationRule rule, milliseconds* out) {
  const toml::value* v = s.Find(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_string()) {
    return s.Error(key, "expected a duration string such as \"30s\", found " + TypeName(*v));
  }
  Result<milliseconds> d = ParseDuration(v->as_string().str);
  if (!d.ok()) return s.Error(key, d.status().message());
  if (rule == DurationRule::kPositive && d->count() == 0) {
    return s.Error(key, "expected a duration above zero, found " + Quote(v->as_string().str));
  }
  *out = *d;
  return Status::Ok();
}

// A size string ("64MiB") or a non-negative integer number of bytes.
Status GetByteSize(const Section& s, std::string_view key, std::uint64_t* out) {
  const toml::value* v = s.Find(key);
  if (v == nullptr) return Status::Ok();
  if (v->is_integer()) {
    if (v->as_integer() < 0) {
      return s.Error(
          key, "expected a size of at least 0 bytes, found " + std::to_string(v->as_integer()));
    }
    *out = static_cast<std::uint64_t>(v->as_integer());
    return Status::Ok();
  }
  if (!v->is_string()) {
    return s.Error(key, "expected a size such as \"64MiB\" or an integer number of bytes, found " +
                            TypeName(*v));
  }
  Result<std::uint64_t> size = ParseByteSize(v->as_string().str);
  if (!size.ok()) return s.Error(key, size.status().message());
  *out = *size;
  return Status::Ok();
}

template <class E, std::size_t N>
Status GetEnum(const Section& s, std::string_view key,
               const std::array<std::pair<std::string_view, E>, N>& options, E* out) {
  const toml::value* v = s.Find(key);
  if (v == nullptr) return Status::Ok();
  std::string choices;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) choices += ", ";
    choices += "\"" + std::string(options[i].first) + "\"";
  }
  if (!v->is_string()) {
    return s.Error(key, "expected one of " + choices + ", found " + TypeName(*v));
  }
  const std::string& str = v->as_string().str;
  for (const auto& [name, value] : options) {
    if (str == name) {
      *out = value;
      return Status::Ok();
    }
  }
  return s.Error(key, "expected one of " + choices + ", found " + Quote(str));
}

constexpr std::array<std::pair<std::string_view, CredentialsProviderKind>, 3> kProviders{{
    {"environment", CredentialsProviderKind::kEnvironment},
    {"static", CredentialsProviderKind::kStatic},
    {"command", CredentialsProviderKind::kCommand},
}};
constexpr std::array<std::pair<std::string_view, KeyType>, 3> kKeyTypes{{
    {"integer", KeyType::kInteger},
    {"string", KeyType::kString},
    {"binary", KeyType::kBinary},
}};
constexpr std::array<std::pair<std::string_view, SqliteSynchronous>, 3> kSynchronous{{
    {"off", SqliteSynchronous::kOff},
    {"normal", SqliteSynchronous::kNormal},
    {"full", SqliteSynchronous::kFull},
}};
constexpr std::array<std::pair<std::string_view, LogLevel>, 5> kLogLevels{{
    {"trace", LogLevel::kTrace},
    {"debug", LogLevel::kDebug},
    {"info", LogLevel::kInfo},
    {"warn", LogLevel::kWarn},
    {"error", LogLevel::kError},
}};
constexpr std::array<std::pair<std::string_view, LogFormat>, 2> kLogFormats{{
    {"text", LogFormat::kText},
    {"json", LogFormat::kJson},
}};

template <class E, std::size_t N>
std::string_view NameOf(const std::array<std::pair<std::string_view, E>, N>& options, E value) {
  for (const auto& [name, v] : options) {
    if (v == value) return name;
  }
  return "?";
}

// A non-empty array of distinct non-empty strings without NUL (column names).
Status GetNameList(const Section& s, std::string_view key, std::vector<std::string>* out) {
  const toml::value* v = s.Find(key);
  if (v == nullptr) return Status::Ok();
  const std::string path = s.PathOf(key);
  if (!v->is_array()) {
    return s.Error(key, "expected an array of column names, found " + TypeName(*v));
  }
  const toml::array& items = v->as_array();
  if (items.empty()) {
    return s.Error(key, "expected a non-empty array of column names (omit the key instead)");
  }
  std::vector<std::string> names;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const toml::value& item = items[i];
    std::string item_path = path + "[" + std::to_string(i) + "]";
    if (!item.is_string()) {
      return s.ctx().Error(&item, item_path,
                           "expected a column name string, found " + TypeName(item));
    }
    const std::string& name = item.as_string().str;
    if (name.empty()) return s.ctx().Error(&item, item_path, "expected a non-empty name");
    if (name.find('\0') != std::string::npos) {
      return s.ctx().Error(&item, item_path, "expected a name without NUL characters");
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      return s.ctx().Error(&item, item_path, Quote(name) + " is listed twice");
    }
    names.push_back(name);
  }
  *out = std::move(names);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Paths.

// Relative paths are taken from the config file's directory; ":memory:" stays as is.
std::string ResolvePath(const std::filesystem::path& base_dir, const std::string& path) {
  if (path.empty() || path == ":memory:") return path;
  std::filesystem::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (base_dir / p).lexically_normal().string();
}

std::filesystem::path BaseDirOf(std::string_view file_name) {
  std::filesystem::path dir = std::filesystem::path(file_name).parent_path();
  if (!dir.is_absolute()) {
    std::error_code ec;
    std::filesystem::path cwd = std::filesystem::current_path(ec);
    if (ec) return dir;  // best effort: stays relative to whatever the cwd will be
    dir = cwd / dir;
  }
  dir = dir.lexically_normal();
  // "/a/b/" (from an empty or "./" relative part) -> "/a/b".
  if (!dir.has_filename() && dir.has_relative_path()) dir = dir.parent_path();
  return dir;
}

// ---------------------------------------------------------------------------------------
// Sections.

// "" when fine, otherwise why `endpoint` is not "http(s)://HOST[:PORT]".
std::string EndpointProblem(std::string_view endpoint) {
  std::string_view rest;
  if (endpoint.substr(0, 8) == "https://") {
    rest = endpoint.substr(8);
  } else if (endpoint.substr(0, 7) == "http://") {
    rest = endpoint.substr(7);
  } else {
    return "the scheme must be http:// or https://";
  }
  if (rest.empty()) return "no host";
  if (rest.back() == '/') return "no trailing slash";
  if (rest.find_first_of("/?#") != std::string_view::npos) return "no path, query or fragment";
  if (rest.find('@') != std::string_view::npos) return "no user information";
  std::string_view host = rest;
  std::string_view port;
  bool bracketed = false;
  if (rest.front() == '[') {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return "unterminated IPv6 address";
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "bad port";
      port = after.substr(1);
      if (port.empty()) return "bad port";
    }
    bracketed = true;
  } else if (std::size_t colon = rest.find(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) return "bad port";
  }
  if (host.empty()) return "no host";
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || (bracketed && c == ':');
    if (!ok) return "bad character in host";
  }
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return "bad port";
    }
    int n = std::stoi(std::string(port));
    if (n < 1 || n > 65535) return "bad port";
  }
  return "";
}

Status ParseSource(const Section& s, const std::filesystem::path& base_dir, SourceConfig* out) {
  TS_RETURN_IF_ERROR(s.CheckKeys({"endpoint", "instance", "ca_file", "ca_path",
                                  "insecure_skip_verify", "connect_timeout", "request_timeout"}));
  TS_RETURN_IF_ERROR(GetString(s, "endpoint", {Presence::kRequired}, &out->endpoint));
  if (std::string why = EndpointProblem(out->endpoint); !why.empty()) {
    return s.Error("endpoint", "expected \"https://HOST[:PORT]\" or \"http://HOST[:PORT]\" (" +
                                   why + "), found " + Quote(out->endpoint));
  }
  TS_RETURN_IF_ERROR(GetString(s, "instance", {Presence::kRequired}, &out->instance));
  for (char c : out->instance) {
    if (c <= ' ' || c == 0x7f) {
      return s.Error("instance",
                     "expected an instance name of printable ASCII without spaces, "
                     "found " +
                         Quote(out->instance));
    }
  }
  TS_RETURN_IF_ERROR(GetString(s, "ca_file", {Presence::kOptional, true}, &out->ca_file));
  TS_RETURN_IF_ERROR(GetString(s, "ca_path", {Presence::kOptional, true}, &out->ca_path));
  out->ca_file = ResolvePath(base_dir, out->ca_file);
  out->ca_path = ResolvePath(base_dir, out->ca_path);
  TS_RETURN_IF_ERROR(GetBool(s, "insecure_skip_verify", &out->insecure_skip_verify));
  TS_RETURN_IF_ERROR(
      GetDuration(s, "connect_timeout", DurationRule::kPositive, &out->connect_timeout));
  TS_RETURN_IF_ERROR(
      GetDuration(s, "request_timeout", DurationRule::kPositive, &out->request_timeout));
  return Status::Ok();
}

Status ParseCredentials(const Section& s, CredentialsConfig* out) {
  TS_RETURN_IF_ERROR(s.CheckKeys({"provider", "access_key_id", "access_key_secret",
                                  "security_token", "command", "refresh_fraction"}));
  TS_RETURN_IF_ERROR(GetEnum(s, "provider", kProviders, &out->provider));
  const std::string provider_name(NameOf(kProviders, out->provider));

  // Keys of another provider are mistakes (a secret left behind, a misplaced command).
  struct Owner {
    std::string_view key;
    CredentialsProviderKind provider;
  };
  static constexpr std::array<Owner, 5> kOwners{{
      {"access_key_id", CredentialsProviderKind::kStatic},
      {"access_key_secret", CredentialsProviderKind::kStatic},
      {"security_token", CredentialsProviderKind::kStatic},
      {"command", CredentialsProviderKind::kCommand},
      {"refresh_fraction", CredentialsProviderKind::kCommand},
  }};
  for (const Owner& owner : kOwners) {
    if (owner.provider != out->provider && s.Find(owner.key) != nullptr) {
      return s.Error(owner.key, "only allowed when provider = \"" +
                                    std::string(NameOf(kProviders, owner.provider)) +
                                    "\" (provider is \"" + provider_name + "\")");
    }
  }

  switch (out->provider) {
    case CredentialsProviderKind::kEnvironment:
      break;
    case CredentialsProviderKind::kStatic:
      TS_RETURN_IF_ERROR(GetString(s, "access_key_id", {Presence::kRequired}, &out->access_key_id));
      TS_RETURN_IF_ERROR(
          GetString(s, "access_key_secret", {Presence::kRequired}, &out->access_key_secret));
      TS_RETURN_IF_ERROR(
          GetString(s, "security_token", {Presence::kOptional, true}, &out->security_token));
      break;
    case CredentialsProviderKind::kCommand: {
      TS_RETURN_IF_ERROR(GetString(s, "command", {Presence::kRequired}, &out->command));
      if (const toml::value* v = s.Find("refresh_fraction"); v != nullptr) {
        const std::string expected = "expected a number strictly between 0 and 1";
        if (!v->is_floating() && !v->is_integer()) {
          return s.Error("refresh_fraction", expected + ", found " + TypeName(*v));
        }
        double x = v->is_floating() ? v->as_floating() : static_cast<double>(v->as_integer());
        if (!(x > 0.0 && x < 1.0)) {
          return s.Error("refresh_fraction", expected + ", found " + FormatNumber(x));
        }
        out->refresh_fraction = x;
      }
      break;
    }
  }
  return Status::Ok();
}

// "" when `name` may be a SQLite table or column name chosen by the user.
std::string ReservedNameProblem(std::string_view name, bool table) {
  if (StartsWithIgnoreCase(name, kReservedPrefix)) {
    return "names starting with \"_replicator\" are reserved for the replicator";
  }
  if (table && StartsWithIgnoreCase(name, kSqlitePrefix)) {
    return "names starting with \"sqlite_\" are reserved by SQLite";
  }
  return "";
}

Status ParsePrimaryKey(const Section& t, std::vector<PrimaryKeyColumn>* out) {
  const toml::value* v = t.Find("primary_key");
  const std::string path = t.PathOf("primary_key");
  const std::string expected =
      "expected an array of 1 to 4 tables {name = \"...\", type = \"integer\"|\"string\"|"
      "\"binary\"}";
  if (!v->is_array()) return t.Error("primary_key", expected + ", found " + TypeName(*v));
  const toml::array& items = v->as_array();
  if (items.empty() || items.size() > 4) {
    return t.Error("primary_key",
                   expected + ", found " + std::to_string(items.size()) + " columns");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const toml::value& item = items[i];
    std::string item_path = path + "[" + std::to_string(i) + "]";
    if (!item.is_table()) {
      return t.ctx().Error(
          &item, item_path,
          "expected a table {name = \"...\", type = \"...\"}, found " + TypeName(item));
    }
    Section column(&t.ctx(), &item, item_path, true);
    TS_RETURN_IF_ERROR(column.CheckKeys({"name", "type"}));
    PrimaryKeyColumn pk;
    TS_RETURN_IF_ERROR(GetString(column, "name", {Presence::kRequired}, &pk.name));
    if (column.Find("type") == nullptr) return column.Missing("type");
    TS_RETURN_IF_ERROR(GetEnum(column, "type", kKeyTypes, &pk.type));
    for (const PrimaryKeyColumn& other : *out) {
      if (other.name == pk.name) {
        return column.Error("name", Quote(pk.name) + " is already a primary-key column");
      }
    }
    out->push_back(std::move(pk));
  }
  return Status::Ok();
}

Status ParseRename(const Section& t, std::map<std::string, std::string>* out) {
  TS_ASSIGN_OR_RETURN(Section rename, t.SubTable("rename", false));
  if (!rename.present()) return Status::Ok();
  // File order, so the first problem reported is the first in the file.
  std::vector<std::pair<std::string, const toml::value*>> entries;
  for (const auto& [key, value] : t.Find("rename")->as_table()) entries.emplace_back(key, &value);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    toml::source_location la = a.second->location(), lb = b.second->location();
    return std::make_pair(la.line(), la.column()) < std::make_pair(lb.line(), lb.column());
  });
  std::map<std::string, std::string> lower_new_to_old;
  for (const auto& [old_name, value] : entries) {
    if (old_name.empty()) return rename.Error(old_name, "expected a non-empty column name");
    if (old_name.find('\0') != std::string::npos) {
      return rename.Error(old_name, "expected a column name without NUL characters");
    }
    std::string new_name;
    TS_RETURN_IF_ERROR(GetString(rename, old_name, {Presence::kRequired}, &new_name));
    if (std::string why = ReservedNameProblem(new_name, false); !why.empty()) {
      return rename.Error(old_name, why + ", found " + Quote(new_name));
    }
    auto [it, inserted] = lower_new_to_old.emplace(AsciiLower(new_name), old_name);
    if (!inserted) {
      return rename.Error(old_name, "new name " + Quote(new_name) + " is also given to " +
                                        Quote(it->second) +
                                        " (SQLite column names ignore ASCII case)");
    }
    (*out)[old_name] = new_name;
  }
  return Status::Ok();
}

Status ParseTable(const Section& t, TableConfig* out) {
  TS_RETURN_IF_ERROR(t.CheckKeys(
      {"source", "tunnel", "target", "include", "exclude", "rename", "columns", "primary_key"}));
  TS_RETURN_IF_ERROR(GetString(t, "source", {Presence::kRequired}, &out->source));
  out->tunnel = "replicator-" + out->source;
  TS_RETURN_IF_ERROR(GetString(t, "tunnel", {}, &out->tunnel));
  out->target = out->source;
  TS_RETURN_IF_ERROR(GetString(t, "target", {}, &out->target));
  if (std::string why = ReservedNameProblem(out->target, true); !why.empty()) {
    // The target may come from `source`: say which key to change.
    std::string_view key = t.Find("target") != nullptr ? "target" : "source";
    return t.Error(key, "the mirror table name " + Quote(out->target) + " is not allowed: " + why +
                            (key == "source" ? "; set target" : ""));
  }
  TS_RETURN_IF_ERROR(GetNameList(t, "include", &out->include));
  TS_RETURN_IF_ERROR(GetNameList(t, "exclude", &out->exclude));
  for (std::size_t i = 0; i < out->exclude.size(); ++i) {
    const std::string& name = out->exclude[i];
    if (std::find(out->include.begin(), out->include.end(), name) != out->include.end()) {
      return t.ctx().Error(&t.Find("exclude")->as_array()[i],
                           t.PathOf("exclude") + "[" + std::to_string(i) + "]",
                           Quote(name) + " is also in " + t.PathOf("include"));
    }
  }
  TS_RETURN_IF_ERROR(ParseRename(t, &out->rename));
  for (const auto& [old_name, new_name] : out->rename) {
    if (std::find(out->exclude.begin(), out->exclude.end(), old_name) != out->exclude.end()) {
      return t.Error("rename",
                     "renames " + Quote(old_name) + ", which " + t.PathOf("exclude") + " excludes");
    }
  }
  if (t.Find("columns") != nullptr) {
    std::vector<std::string> columns;
    TS_RETURN_IF_ERROR(GetNameList(t, "columns", &columns));
    out->columns = std::move(columns);
  }
  if (t.Find("primary_key") != nullptr) {
    std::vector<PrimaryKeyColumn> pk;
    TS_RETURN_IF_ERROR(ParsePrimaryKey(t, &pk));
    out->primary_key = std::move(pk);
  }

  if (out->primary_key) {
    for (const PrimaryKeyColumn& pk : *out->primary_key) {
      if (std::find(out->exclude.begin(), out->exclude.end(), pk.name) != out->exclude.end()) {
        return t.Error("exclude", "primary-key column " + Quote(pk.name) + " cannot be excluded");
      }
      if (out->columns &&
          std::find(out->columns->begin(), out->columns->end(), pk.name) != out->columns->end()) {
        return t.Error("columns",
                       Quote(pk.name) + " is a primary-key column; list only attribute columns");
      }
    }
  }
  if (out->columns) {
    // With a fixed column list every name must exist, and the final names must not collide.
    auto known = [&](const std::string& name) {
      if (std::find(out->columns->begin(), out->columns->end(), name) != out->columns->end()) {
        return true;
      }
      if (!out->primary_key) return false;
      return std::any_of(out->primary_key->begin(), out->primary_key->end(),
                         [&](const PrimaryKeyColumn& pk) { return pk.name == name; });
    };
    for (std::string_view key : {"include", "exclude"}) {
      const std::vector<std::string>& names = key == "include" ? out->include : out->exclude;
      for (const std::string& name : names) {
        if (!known(name)) {
          return t.Error(key, Quote(name) + " is not in " + t.PathOf("columns") +
                                  (out->primary_key ? " or primary_key" : ""));
        }
      }
    }
    for (const auto& [old_name, new_name] : out->rename) {
      if (!known(old_name)) {
        return t.Error("rename", "renames " + Quote(old_name) + ", which is not in " +
                                     t.PathOf("columns") +
                                     (out->primary_key ? " or primary_key" : ""));
      }
    }
    std::vector<std::string> mirrored;
    if (out->primary_key) {
      for (const PrimaryKeyColumn& pk : *out->primary_key) mirrored.push_back(pk.name);
    }
    for (const std::string& c : *out->columns) {
      bool included = out->include.empty() ||
                      std::find(out->include.begin(), out->include.end(), c) != out->include.end();
      bool excluded = std::find(out->exclude.begin(), out->exclude.end(), c) != out->exclude.end();
      if (included && !excluded) mirrored.push_back(c);
    }
    std::map<std::string, std::string> final_names;  // lower-case final name -> source name
    for (const std::string& c : mirrored) {
      auto renamed = out->rename.find(c);
      const std::string& final_name = renamed == out->rename.end() ? c : renamed->second;
      auto [it, inserted] = final_names.emplace(AsciiLower(final_name), c);
      if (!inserted) {
        return t.TableError("columns " + Quote(it->second) + " and " + Quote(c) +
                            " would both be named " + Quote(final_name) +
                            " in the mirror (SQLite column names ignore ASCII case); use rename");
      }
    }
  }
  return Status::Ok();
}

Status ParseTables(const Section& top, std::vector<TableConfig>* out) {
  const toml::value* v = top.Find("tables");
  if (v == nullptr) {
    return top.ctx().Error(nullptr, "tables", "missing: at least one [[tables]] entry is required");
  }
  if (!v->is_array()) {
    return top.ctx().Error(v, "tables",
                           "expected an array of tables ([[tables]]), found " + TypeName(*v));
  }
  const toml::array& items = v->as_array();
  if (items.empty()) {
    return top.ctx().Error(v, "tables", "expected at least one [[tables]] entry, found none");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const toml::value& item = items[i];
    std::string path = "tables[" + std::to_string(i) + "]";
    if (!item.is_table()) {
      return top.ctx().Error(&item, path, "expected a table, found " + TypeName(item));
    }
    Section t(&top.ctx(), &item, path, true);
    TableConfig table;
    TS_RETURN_IF_ERROR(ParseTable(t, &table));
    for (std::size_t j = 0; j < out->size(); ++j) {
      const TableConfig& other = (*out)[j];
      std::string other_path = "tables[" + std::to_string(j) + "]";
      if (AsciiLower(other.target) == AsciiLower(table.target)) {
        std::string_view key = t.Find("target") != nullptr ? "target" : "source";
        return t.Error(key, "mirror table name " + Quote(table.target) + " is already used by " +
                                other_path + " (" + Quote(other.target) +
                                "; SQLite table names ignore ASCII case); set a distinct target");
      }
      if (other.tunnel == table.tunnel) {
        std::string_view key = t.Find("tunnel") != nullptr ? "tunnel" : "source";
        return t.Error(key, "tunnel name " + Quote(table.tunnel) + " is already used by " +
                                other_path + "; set a distinct tunnel");
      }
    }
    out->push_back(std::move(table));
  }
  return Status::Ok();
}

Status ParseSqlite(const Section& s, const std::filesystem::path& base_dir, SqliteConfig* out) {
  TS_RETURN_IF_ERROR(s.CheckKeys({"path", "synchronous", "batch_max_rows", "batch_max_delay",
                                  "busy_timeout", "queue_max_batches"}));
  TS_RETURN_IF_ERROR(GetString(s, "path", {Presence::kRequired}, &out->path));
  out->path = ResolvePath(base_dir, out->path);
  TS_RETURN_IF_ERROR(GetEnum(s, "synchronous", kSynchronous, &out->synchronous));
  TS_RETURN_IF_ERROR(GetCount(s, "batch_max_rows", 1, 10'000'000, &out->batch_max_rows));
  TS_RETURN_IF_ERROR(
      GetDuration(s, "batch_max_delay", DurationRule::kNonNegative, &out->batch_max_delay));
  TS_RETURN_IF_ERROR(
      GetDuration(s, "busy_timeout", DurationRule::kNonNegative, &out->busy_timeout));
  TS_RETURN_IF_ERROR(GetCount(s, "queue_max_batches", 1, 65'536, &out->queue_max_batches));
  return Status::Ok();
}

Status ParseWorker(const Section& s, WorkerConfig* out) {
  TS_RETURN_IF_ERROR(
      s.CheckKeys({"heartbeat_interval", "heartbeat_timeout", "checkpoint_interval",
                   "max_channel_parallel", "read_ahead_pages", "client_tag", "stream_poll_max"}));
  TS_RETURN_IF_ERROR(
      GetDuration(s, "heartbeat_interval", DurationRule::kPositive, &out->heartbeat_interval));
  TS_RETURN_IF_ERROR(
      GetDuration(s, "heartbeat_timeout", DurationRule::kPositive, &out->heartbeat_timeout));
  if (out->heartbeat_timeout <= out->heartbeat_interval) {
    // Blame whichever key the user wrote (the timeout when both or neither).
    std::string_view key =
        s.Find("heartbeat_timeout") == nullptr && s.Find("heartbeat_interval") != nullptr
            ? "heartbeat_interval"
            : "heartbeat_timeout";
    return s.Error(key, "heartbeat_timeout (" + FormatDuration(out->heartbeat_timeout) +
                            ") must exceed heartbeat_interval (" +
                            FormatDuration(out->heartbeat_interval) + ")");
  }
  if (out->heartbeat_timeout.count() % 1000 != 0) {
    // Sent to the service as ClientConfig.timeout, in seconds (tunnel-protocol.md §5.2).
    return s.Error("heartbeat_timeout",
                   "expected a whole number of seconds (the service takes seconds), found " +
                       Quote(s.Find("heartbeat_timeout")->as_string().str));
  }
  TS_RETURN_IF_ERROR(
      GetDuration(s, "checkpoint_interval", DurationRule::kPositive, &out->checkpoint_interval));
  TS_RETURN_IF_ERROR(GetCount(s, "max_channel_parallel", 0, 65'536, &out->max_channel_parallel));
  TS_RETURN_IF_ERROR(GetCount(s, "read_ahead_pages", 0, 1'024, &out->read_ahead_pages));
  TS_RETURN_IF_ERROR(GetString(s, "client_tag", {Presence::kOptional, true}, &out->client_tag));
  for (char c : out->client_tag) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return s.Error("client_tag", "expected a string without control characters, found " +
                                       Quote(out->client_tag));
    }
  }
  TS_RETURN_IF_ERROR(
      GetDuration(s, "stream_poll_max", DurationRule::kPositive, &out->stream_poll_max));
  return Status::Ok();
}

Status ParseLogging(const Section& s, const std::filesystem::path& base_dir, LoggingConfig* out) {
  TS_RETURN_IF_ERROR(s.CheckKeys({"level", "format", "file"}));
  TS_RETURN_IF_ERROR(GetEnum(s, "level", kLogLevels, &out->level));
  TS_RETURN_IF_ERROR(GetEnum(s, "format", kLogFormats, &out->format));
  TS_RETURN_IF_ERROR(GetString(s, "file", {Presence::kOptional, true}, &out->file));
  out->file = ResolvePath(base_dir, out->file);
  return Status::Ok();
}

Status ParseChangelog(const Section& s, ChangelogConfig* out) {
  TS_RETURN_IF_ERROR(s.CheckKeys({"enabled", "max_size", "max_age"}));
  TS_RETURN_IF_ERROR(GetBool(s, "enabled", &out->enabled));
  TS_RETURN_IF_ERROR(GetByteSize(s, "max_size", &out->max_size));
  TS_RETURN_IF_ERROR(GetDuration(s, "max_age", DurationRule::kNonNegative, &out->max_age));
  if (out->enabled && out->max_size == 0 && out->max_age.count() == 0) {
    return s.TableError("an enabled change log must be bounded: set max_size or max_age above 0");
  }
  return Status::Ok();
}

Result<ReplicatorConfig> ParseRoot(const Context& ctx, const toml::value& root,
                                   const std::filesystem::path& base_dir) {
  ReplicatorConfig config;
  config.file_name = ctx.file();
  config.base_dir = base_dir.string();
  if (!root.is_table()) return ctx.Error(nullptr, "", "expected a TOML document");
  Section top(&ctx, &root, "", false);
  TS_RETURN_IF_ERROR(top.CheckKeys(
      {"source", "credentials", "tables", "sqlite", "worker", "logging", "changelog"}));

  TS_ASSIGN_OR_RETURN(Section source, top.SubTable("source", true));
  TS_RETURN_IF_ERROR(ParseSource(source, base_dir, &config.source));
  TS_ASSIGN_OR_RETURN(Section credentials, top.SubTable("credentials", false));
  TS_RETURN_IF_ERROR(ParseCredentials(credentials, &config.credentials));
  TS_RETURN_IF_ERROR(ParseTables(top, &config.tables));
  TS_ASSIGN_OR_RETURN(Section sqlite, top.SubTable("sqlite", true));
  TS_RETURN_IF_ERROR(ParseSqlite(sqlite, base_dir, &config.sqlite));
  TS_ASSIGN_OR_RETURN(Section worker, top.SubTable("worker", false));
  TS_RETURN_IF_ERROR(ParseWorker(worker, &config.worker));
  TS_ASSIGN_OR_RETURN(Section logging, top.SubTable("logging", false));
  TS_RETURN_IF_ERROR(ParseLogging(logging, base_dir, &config.logging));
  TS_ASSIGN_OR_RETURN(Section changelog, top.SubTable("changelog", false));
  TS_RETURN_IF_ERROR(ParseChangelog(changelog, &config.changelog));
  return config;
}

// The first line of a toml11 message without its "[error] toml::function: " prefix. Only
// the first line: the rest quotes the offending source line, which may hold a secret.
std::string SyntaxSummary(const char* what) {
  std::string_view text(what);
  text = text.substr(0, text.find('\n'));
  if (text.substr(0, 8) == "[error] ") text.remove_prefix(8);
  if (std::size_t colon = text.find(": "); colon != std::string_view::npos) {
    std::string_view head = text.substr(0, colon);
    if (head.find("::") != std::string_view::npos || head.substr(0, 6) == "parse_") {
      text.remove_prefix(colon + 2);
    }
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '.')) text.remove_suffix(1);
  return text.empty() ? std::string("invalid TOML") : std::string(text);
}

}  // namespace

base::Result<ReplicatorConfig> ParseConfig(std::string_view toml_text,
                                           std::string_view file_name_for_messages) {
  std::string file_name(file_name_for_messages.empty() ? std::string_view("<config>")
                                                       : file_name_for_messages);
  Context ctx(file_name);
  std::filesystem::path base_dir = BaseDirOf(file_name_for_messages);
  // The toml11 adapter: no toml11 exception leaves this function.
  try {
    std::istringstream in{std::string(toml_text)};
    toml::value root = toml::parse(in, file_name);
    return ParseRoot(ctx, root, base_dir);
  } catch (const toml::syntax_error& e) {
    toml::source_location loc = e.location();
    // Only the line: toml11's column often points at the start of the line.
    return base::InvalidArgumentError(file_name + ":" + std::to_string(loc.line()) +
                                      ": TOML syntax error: " + SyntaxSummary(e.what()));
  } catch (const toml::exception& e) {
    toml::source_location loc = e.location();
    return base::InvalidArgumentError(file_name + ":" + std::to_string(loc.line()) +
                                      ": invalid TOML: " + SyntaxSummary(e.what()));
  } catch (const std::exception& e) {
    // Not expected; the message of a standard exception carries no file content.
    return base::InvalidArgumentError(file_name +
                                      ": cannot parse the configuration: " + std::string(e.what()));
  }
}

base::Result<ReplicatorConfig> LoadConfigFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return base::InvalidArgumentError(path + ": cannot read the file: it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return base::InvalidArgumentError(
        path + ": cannot read the file: " + (err != 0 ? std::strerror(err) : "open failed"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return base::InvalidArgumentError(path + ": cannot read the file");
  }
  return ParseConfig(text.str(), path);
}

}  // namespace tablestore::config
