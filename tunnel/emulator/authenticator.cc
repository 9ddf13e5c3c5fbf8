#include "tunnel/emulator/authenticator.h"

#include <optional>

namespace tablestore::tunnel::emulator {

Authenticator::Authenticator(std::string instance, std::vector<AccessKey> keys,
                             std::chrono::milliseconds max_date_skew, EmulatorClock* clock)
    : instance_(std::move(instance)), max_date_skew_(max_date_skew), clock_(clock),
      keys_(std::move(keys)) {}

void Authenticator::SetKeys(std::vector<AccessKey> keys) {
  base::MutexLock lock(&mu_);
  keys_ = std::move(keys);
}

void Authenticator::SetDenied(std::vector<std::string> ids) {
  base::MutexLock lock(&mu_);
  denied_ = std::set<std::string>(ids.begin(), ids.end());
}

MaybeError Authenticator::CheckPermission(const std::string& access_key_id) {
  base::MutexLock lock(&mu_);
  if (denied_.count(access_key_id)) {
    return ServiceError{403, std::string(errors::kPermissionDenied),
                        "The access key has no permission for this operation."};
  }
  return std::nullopt;
}

MaybeError Authenticator::Verify(std::string_view uri, const HeaderList& headers,
                                 std::string_view body, std::string* access_key_id) {
  const std::string* signature = FindHeader(headers, "x-ots-signature");
  if (signature == nullptr && FindHeader(headers, "x-ots-signaturev4") != nullptr) {
    return AuthFailed("Signature V4 is not supported by the emulator.");
  }
  for (std::string_view name : {"x-ots-date", "x-ots-apiversion", "x-ots-accesskeyid",
                                "x-ots-instancename", "x-ots-contentmd5", "x-ots-signature"}) {
    const std::string* v = FindHeader(headers, name);
    if (v == nullptr || v->empty()) {
      return ParameterInvalid("Missing header: " + std::string(name));
    }
  }
  const std::string& version = *FindHeader(headers, "x-ots-apiversion");
  if (version != kApiVersionGo && version != kApiVersionJava) {
    return ParameterInvalid("Unsupported api version: " + version);
  }
  const std::string& date = *FindHeader(headers, "x-ots-date");
  base::Result<std::chrono::system_clock::time_point> when = ParseOtsDate(date);
  if (!when.ok()) return ParameterInvalid("Invalid date format: " + date);
  if (ContentMd5(body) != *FindHeader(headers, "x-ots-contentmd5")) {
    return AuthFailed("Mismatch between MD5 value of request body and x-ots-contentmd5.");
  }
  if (*FindHeader(headers, "x-ots-instancename") != instance_) {
    return AuthFailed("The instance is not found: " + *FindHeader(headers, "x-ots-instancename"));
  }
  const std::string& id = *FindHeader(headers, "x-ots-accesskeyid");
  std::optional<AccessKey> key;
  {
    base::MutexLock lock(&mu_);
    for (const AccessKey& k : keys_) {
      if (k.access_key_id == id) key = k;
    }
  }
  if (!key) return AuthFailed("The AccessKeyID does not exist or is disabled.");
  const std::string* token = FindHeader(headers, "x-ots-ststoken");
  if (!key->sts_token.empty() || token != nullptr) {
    if (key->sts_token.empty() || token == nullptr ||
        !ConstantTimeEquals(*token, key->sts_token)) {
      return AuthFailed("The security token you provided is invalid.");
    }
  }
  if (key->expires_at_ms && clock_->NowMs() >= *key->expires_at_ms) {
    return AuthFailed("The security token you provided has expired.");
  }
  if (!VerifySignature(uri, headers, key->access_key_secret)) {
    return AuthFailed("Signature mismatch.");
  }
  auto skew = std::chrono::system_clock::now() - *when;
  if (skew > max_date_skew_ || -skew > max_date_skew_) {
    return AuthFailed("Mismatch between system time and x-ots-date: " + date);
  }
  *access_key_id = id;
  return std::nullopt;
}

}  // namespace tablestore::tunnel::emulator
