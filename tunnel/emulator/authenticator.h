#pragma once

// Verifies signed Tunnel Service requests (docs/tunnel-protocol.md §1.3, §2): mandatory
// headers, API version, date format and skew against the real wall clock, content MD5,
// instance, access key, STS token and expiry (emulator clock), signature over every
// received x-ots-* header. Also holds the permission deny list. Thread-safe.

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "tunnel/emulator/emulator_clock.h"
#include "tunnel/emulator/emulator_options.h"
#include "tunnel/emulator/service_error.h"
#include "tunnel/protocol/signing.h"

namespace tablestore::tunnel::emulator {

class Authenticator {
 public:
  // `clock` must outlive this object.
  Authenticator(std::string instance, std::vector<AccessKey> keys,
                std::chrono::milliseconds max_date_skew, EmulatorClock* clock);

  // Checks one request. On success stores the access key id in `*access_key_id`.
  MaybeError Verify(std::string_view uri, const HeaderList& headers, std::string_view body,
                    std::string* access_key_id);
  // OTSPermissionDenied when `access_key_id` is on the deny list.
  MaybeError CheckPermission(const std::string& access_key_id);

  void SetKeys(std::vector<AccessKey> keys);
  void SetDenied(std::vector<std::string> access_key_ids);

 private:
  const std::string instance_;
  const std::chrono::milliseconds max_date_skew_;
  EmulatorClock* const clock_;
  base::Mutex mu_;
  std::vector<AccessKey> keys_ GUARDED_BY(mu_);
  std::set<std::string> denied_ GUARDED_BY(mu_);
};

}  // namespace tablestore::tunnel::emulator
