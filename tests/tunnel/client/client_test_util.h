#pragma once

// Helpers shared by the tunnel client tests.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "tests/support/fake_clock.h"
#include "tunnel/protocol/tunnel.pb.h"

namespace tablestore::testing {

inline std::string ErrorBody(const std::string& code, const std::string& message) {
  tunnel::pb::Error e;
  e.set_code(code);
  e.set_message(message);
  return e.SerializeAsString();
}

// A FakeClock that also records each sleep's length. Thread-safe.
class RecordingClock final : public base::Clock {
 public:
  SteadyTime Now() override { return fake_.Now(); }
  WallTime WallNow() override { return fake_.WallNow(); }
  bool SleepUntil(SteadyTime deadline, const base::CancelToken* cancel) override {
    {
      base::MutexLock lock(&mu_);
      sleeps_.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Now()));
    }
    return fake_.SleepUntil(deadline, cancel);
  }
  std::vector<std::chrono::milliseconds> sleeps() {
    base::MutexLock lock(&mu_);
    return sleeps_;
  }
  FakeClock& fake() { return fake_; }

 private:
  FakeClock fake_;
  base::Mutex mu_;
  std::vector<std::chrono::milliseconds> sleeps_ GUARDED_BY(mu_);
};

// Captures everything logged through spdlog's default logger (at trace level) while alive.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

}  // namespace tablestore::testing
