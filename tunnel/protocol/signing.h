#pragma once

// Request signing (docs/tunnel-protocol.md §2). Pure functions; thread-safe.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tablestore/base/result.h"

namespace tablestore::tunnel {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The API version our client sends; a server accepts both (§2.1).
inline constexpr std::string_view kApiVersionGo = "2018-04-01";
inline constexpr std::string_view kApiVersionJava = "2015-12-31";

// base64(MD5(body)), standard alphabet, padded (§2.3).
std::string ContentMd5(std::string_view body);

// The canonical string of §2.4: uri, "POST", empty query line, then every x-ots-* header
// except x-ots-signature / x-ots-signaturev4, names lower-cased, values trimmed, sorted by
// name, each line ending in '\n'.
std::string CanonicalString(std::string_view uri, const HeaderList& headers);

// base64(HMAC-SHA1(secret, canonical)) (§2.4 step 5).
std::string SignCanonical(std::string_view access_key_secret, std::string_view canonical);

// "YYYY-MM-DDTHH:MM:SS.mmmZ" in UTC with true milliseconds (§2.2).
std::string FormatOtsDate(std::chrono::system_clock::time_point t);
// Accepts 0-9 fraction digits and ignores them (the Go SDK's quirk, §2.2).
// Returns kInvalidArgument "Invalid date format: ..." otherwise.
base::Result<std::chrono::system_clock::time_point> ParseOtsDate(std::string_view s);

struct SigningInput {
  std::string_view uri;  // operation path, e.g. "/tunnel/readrecords"
  std::string_view body;
  std::string_view access_key_id;
  std::string_view access_key_secret;
  std::string_view security_token;  // empty: none
  std::string_view instance_name;
  std::string_view api_version = kApiVersionGo;
  std::string_view trace_id;  // empty: none
  std::chrono::system_clock::time_point now;
};

// Every x-ots-* header a client sends, x-ots-signature included.
HeaderList SignRequest(const SigningInput& in);

// Server side: recomputes the signature over all received x-ots-* headers with `secret`
// and compares with the received x-ots-signature in constant time.
bool VerifySignature(std::string_view uri, const HeaderList& headers,
                     std::string_view access_key_secret);

// Constant-time comparison of equal-length strings (false when lengths differ).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Case-insensitive lookup of a header value; nullptr when absent.
const std::string* FindHeader(const HeaderList& headers, std::string_view name);

std::string Base64Encode(std::string_view bytes);
// Strict standard base64 with padding; kInvalidArgument otherwise.
base::Result<std::string> Base64Decode(std::string_view text);

}  // namespace tablestore::tunnel
