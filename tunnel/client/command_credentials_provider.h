#pragma once

// The refreshing command-based CredentialsProvider (credentials.h,
// NewCommandCredentialsProvider). Exposed here for tests.

#include <chrono>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/mutex.h"
#include "tablestore/tunnel/credentials.h"

namespace tablestore::tunnel {

// Parses the command's JSON (credentials.h). kUnauthenticated naming the field on failure,
// never quoting the input.
base::Result<Credentials> ParseCredentialsJson(std::string_view json);

// Runs `command` through /bin/sh -c in its own process group, stdin /dev/null, stderr
// inherited, and returns its stdout (at most 1 MiB). kDeadlineExceeded after `timeout`
// (the process group is killed), kUnavailable when it cannot start or exits non-zero.
base::Result<std::string> RunCredentialsCommand(const std::string& command,
                                                std::chrono::milliseconds timeout);

// Thread-safe. One refresh runs at a time; while it runs, other callers get the current
// credentials if they are still valid, else wait for it. Decisions use options.clock's wall
// time:
//  * refresh when now >= expires_at - refresh_fraction * (expires_at - fetched_at);
//  * on failure keep the old credentials while they are valid (warning logged with the
//    reason, never the output), and do not re-run the command before retry_interval;
//  * with no valid credentials, a failure is kUnauthenticated "credentials command ...".
class CommandCredentialsProvider final : public CredentialsProvider {
 public:
  CommandCredentialsProvider(std::string command, CommandCredentialsOptions options);

  base::Result<Credentials> GetCredentials() override;

  // Times the command has been run (for tests).
  int runs();

 private:
  base::Result<Credentials> Fetch();

  const std::string command_;
  const CommandCredentialsOptions options_;
  base::Clock* const clock_;

  base::Mutex mu_;
  base::CondVar cv_{&mu_};
  bool have_ GUARDED_BY(mu_) = false;
  Credentials creds_ GUARDED_BY(mu_);
  base::Clock::WallTime refresh_at_ GUARDED_BY(mu_){};
  bool refreshing_ GUARDED_BY(mu_) = false;
  base::Clock::WallTime next_attempt_ GUARDED_BY(mu_){};
  base::Status last_error_ GUARDED_BY(mu_);
  int runs_ GUARDED_BY(mu_) = 0;
};

}  // namespace tablestore::tunnel
