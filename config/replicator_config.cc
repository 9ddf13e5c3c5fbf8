#include "tablestore/config/replicator_config.h"

namespace tablestore::config {

std::string_view CredentialsProviderName(CredentialsProviderKind kind) {
  switch (kind) {
    case CredentialsProviderKind::kEnvironment:
      return "environment";
    case CredentialsProviderKind::kStatic:
      return "static";
    case CredentialsProviderKind::kCommand:
      return "command";
  }
  return "?";
}

std::string_view KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kInteger:
      return "integer";
    case KeyType::kString:
      return "string";
    case KeyType::kBinary:
      return "binary";
  }
  return "?";
}

std::string_view SqliteSynchronousName(SqliteSynchronous mode) {
  switch (mode) {
    case SqliteSynchronous::kOff:
      return "off";
    case SqliteSynchronous::kNormal:
      return "normal";
    case SqliteSynchronous::kFull:
      return "full";
  }
  return "?";
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

std::string_view LogFormatName(LogFormat format) {
  switch (format) {
    case LogFormat::kText:
      return "text";
    case LogFormat::kJson:
      return "json";
  }
  return "?";
}

}  // namespace tablestore::config
