#pragma once

// A child process for end-to-end tests: spawns a binary with its stdout and stderr sent to
// files (no pipe can fill up and block it), signals it, waits for it with a deadline and
// kills it when the object dies. The child dies with the test process (PR_SET_PDEATHSIG).
// Thread-compatible.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tablestore::testing {

struct SubprocessOptions {
  std::vector<std::string> argv;  // argv[0] is the executable's path
  // Environment: the test's own, minus `unset_env`, plus (overriding) `env`.
  std::map<std::string, std::string> env;
  std::vector<std::string> unset_env;
  std::string stdout_path;  // truncated and written; empty: /dev/null
  std::string stderr_path;  // truncated and written; empty: /dev/null
  // RLIMIT_FSIZE in bytes (SIGXFSZ ignored, so an oversized write fails with EFBIG).
  std::optional<long long> file_size_limit;
};

// How a child ended.
struct ExitInfo {
  bool signaled = false;  // killed by `signal` (else exited with `code`)
  int code = -1;
  int signal = 0;
  bool exited(int expected_code) const { return !signaled && code == expected_code; }
  std::string ToString() const;
};

class Subprocess {
 public:
  // Starts the child. Returns nullptr (and ADD_FAILUREs) when fork or exec fails.
  static std::unique_ptr<Subprocess> Start(const SubprocessOptions& options);

  // Kills (SIGKILL) and reaps the child if it still runs.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  const SubprocessOptions& options() const { return options_; }

  // True while the child has not exited (reaps it when it has).
  bool Running();
  // Sends `sig`; false if the child is gone.
  bool Signal(int sig);
  // Waits up to `timeout` for the child to end; nullopt if it still runs.
  std::optional<ExitInfo> Wait(std::chrono::milliseconds timeout);
  // SIGKILL and reap.
  ExitInfo Kill();
  // Exit info once ended.
  const std::optional<ExitInfo>& exit_info() const { return exit_; }

  std::string Stdout() const;
  std::string Stderr() const;
  // Polls the stdout or stderr file until it contains `text` (true), the child ends or the
  // deadline passes (false).
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout,
                     bool in_stderr = true);

 private:
  explicit Subprocess(SubprocessOptions options) : options_(std::move(options)) {}

  SubprocessOptions options_;
  pid_t pid_ = -1;
  std::optional<ExitInfo> exit_;
};

// Options for a plain command (everything else default).
inline SubprocessOptions CommandLine(std::vector<std::string> argv) {
  SubprocessOptions o;
  o.argv = std::move(argv);
  return o;
}

// Runs a command to completion (or kills it at the deadline) and returns what it printed.
struct CommandResult {
  ExitInfo exit;
  bool timed_out = false;
  std::string out;
  std::string err;
};
CommandResult RunCommand(SubprocessOptions options, std::chrono::milliseconds timeout);

// Reads a whole file ("" if absent).
std::string ReadWholeFile(const std::string& path);

}  // namespace tablestore::testing
