// Credentials::Redacted and the static and environment providers (credentials.h).

#include "tablestore/tunnel/credentials.h"

#include <cstdlib>
#include <utility>

namespace tablestore::tunnel {

namespace {

// Thread-safe: immutable.
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials creds) : creds_(std::move(creds)) {}
  base::Result<Credentials> GetCredentials() override { return creds_; }

 private:
  const Credentials creds_;
};

// The Java provider's rule for key ids (§11); also keeps line breaks out of headers.
bool ValidAccessKeyId(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '.' || c == '/' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string Credentials::Redacted() const {
  std::string out = access_key_id.substr(0, 4) + "****";
  if (!security_token.empty()) out += " (sts)";
  return out;
}

std::shared_ptr<CredentialsProvider> NewStaticCredentialsProvider(std::string access_key_id,
                                                                  std::string access_key_secret,
                                                                  std::string security_token) {
  Credentials c;
  c.access_key_id = std::move(access_key_id);
  c.access_key_secret = std::move(access_key_secret);
  c.security_token = std::move(security_token);
  return std::make_shared<StaticCredentialsProvider>(std::move(c));
}

base::Result<std::shared_ptr<CredentialsProvider>> NewEnvironmentCredentialsProvider() {
  auto get = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
  };
  Credentials c;
  c.access_key_id = get("TABLESTORE_ACCESS_KEY_ID");
  c.access_key_secret = get("TABLESTORE_ACCESS_KEY_SECRET");
  c.security_token = get("TABLESTORE_SESSION_TOKEN");
  if (c.access_key_id.empty()) {
    return base::UnauthenticatedError("environment variable TABLESTORE_ACCESS_KEY_ID is not set");
  }
  if (c.access_key_secret.empty()) {
    return base::UnauthenticatedError(
        "environment variable TABLESTORE_ACCESS_KEY_SECRET is not set");
  }
  if (!ValidAccessKeyId(c.access_key_id)) {
    return base::UnauthenticatedError(
        "environment variable TABLESTORE_ACCESS_KEY_ID is not a valid access key id "
        "(allowed: letters, digits, + . / _ -)");
  }
  for (const std::string* v : {&c.access_key_secret, &c.security_token}) {
    if (v->find_first_of("\r\n") != std::string::npos) {
      return base::UnauthenticatedError(
          std::string("environment variable ") +
          (v == &c.access_key_secret ? "TABLESTORE_ACCESS_KEY_SECRET" : "TABLESTORE_SESSION_TOKEN") +
          " contains a line break");
    }
  }
  return std::shared_ptr<CredentialsProvider>(
      std::make_shared<StaticCredentialsProvider>(std::move(c)));
}

}  // namespace tablestore::tunnel
