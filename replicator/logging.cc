#include "replicator/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace tablestore::replicator {
namespace {

spdlog::level::level_enum ToSpd(config::LogLevel l) {
  switch (l) {
    case config::LogLevel::kTrace: return spdlog::level::trace;
    case config::LogLevel::kDebug: return spdlog::level::debug;
    case config::LogLevel::kInfo: return spdlog::level::info;
    case config::LogLevel::kWarn: return spdlog::level::warn;
    case config::LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

// %j: the message as the body of a JSON string (quotes, backslashes and control
// characters escaped), so JSON-lines logs stay valid whatever remote text a message holds.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char ch : msg.payload) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        dest.push_back('\\');
        dest.push_back(ch);
      } else if (c < 0x20) {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        dest.append(esc, esc + sizeof esc);
      } else {
        dest.push_back(ch);
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return spdlog::details::make_unique<JsonEscapedMessage>();
  }
};

}  // namespace

base::Status SetupLogging(const config::LoggingConfig& logging) {
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (logging.file.empty()) {
      logger = std::make_shared<spdlog::logger>(
          "replicator", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    } else {
      logger = std::make_shared<spdlog::logger>(
          "replicator",
          std::make_shared<spdlog::sinks::basic_file_sink_mt>(logging.file, /*truncate=*/false));
    }
  } catch (const spdlog::spdlog_ex& e) {
    return base::InvalidArgumentError("logging.file '" + logging.file +
                                      "': cannot open: " + e.what());
  }
  if (logging.format == config::LogFormat::kJson) {
    auto formatter =
        std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonEscapedMessage>('j').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%j"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  }
  logger->set_level(ToSpd(logging.level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return base::Status::Ok();
}

}  // namespace tablestore::replicator
