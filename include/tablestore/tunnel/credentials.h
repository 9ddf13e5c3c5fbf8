#pragma once

// Credentials and their providers (docs/tunnel-protocol.md §2.5, §11).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tablestore/base/result.h"

namespace tablestore::base {
class Clock;
}

namespace tablestore::tunnel {

// One set of credentials. `security_token` is empty for long-term keys.
// Secrets are never logged: use Redacted() for diagnostics.
struct Credentials {
  std::string access_key_id;
  std::string access_key_secret;
  std::string security_token;
  // When the credentials stop working; time_point::max() for long-term keys.
  std::chrono::system_clock::time_point expires_at = std::chrono::system_clock::time_point::max();

  // "AKID**** (sts)" — the id's first 4 characters, never the secret or the token.
  std::string Redacted() const;
};

// Source of credentials, asked before every HTTP attempt (so rotated credentials take
// effect on the next request). Implementations must be thread-safe.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual base::Result<Credentials> GetCredentials() = 0;
};

// Fixed keys (and optional STS token).
std::shared_ptr<CredentialsProvider> NewStaticCredentialsProvider(std::string access_key_id,
                                                                  std::string access_key_secret,
                                                                  std::string security_token = "");

// TABLESTORE_ACCESS_KEY_ID, TABLESTORE_ACCESS_KEY_SECRET, optional TABLESTORE_SESSION_TOKEN,
// read once at construction. kUnauthenticated naming the missing variable (never a value).
base::Result<std::shared_ptr<CredentialsProvider>> NewEnvironmentCredentialsProvider();

// Runs `command` (through /bin/sh) and parses its stdout as JSON:
//   {"access_key_id": ..., "access_key_secret": ..., "security_token": ...,
//    "expires_at": "2026-11-25T18:00:00Z" or milliseconds since the epoch}
// (security_token and expires_at optional; the Alibaba Cloud STS shape
// {"Credentials": {"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}} is
// accepted too). Failures never quote the command's output (it holds secrets).
// Refreshes when the remaining lifetime falls below `refresh_fraction` of the lifetime the
// credentials had when fetched (default 0.2, like the Java SDK's 0.8 factor), keeps the old
// credentials if a refresh fails while they are still valid, and retries a failed refresh
// at most every `retry_interval`.
struct CommandCredentialsOptions {
  double refresh_fraction = 0.2;
  std::chrono::milliseconds retry_interval{10'000};
  std::chrono::milliseconds command_timeout{30'000};
  // Time seam for expiry and refresh decisions (wall time); null means the real clock. The
  // command timeout always runs on real time. Must outlive the provider.
  base::Clock* clock = nullptr;
};
std::shared_ptr<CredentialsProvider> NewCommandCredentialsProvider(
    std::string command, CommandCredentialsOptions options = {});

}  // namespace tablestore::tunnel
