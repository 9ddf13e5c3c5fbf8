// Request signing (docs/tunnel-protocol.md §2).

#include "tunnel/protocol/signing.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace tablestore::tunnel {
namespace {

constexpr std::string_view kXOtsPrefix = "x-ots-";
constexpr std::string_view kSignatureHeader = "x-ots-signature";
constexpr std::string_view kSignatureV4Header = "x-ots-signaturev4";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

int Base64Index(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Parses exactly `n` decimal digits at s[pos], advancing pos.
bool ParseDigits(std::string_view s, size_t* pos, size_t n, int* out) {
  if (s.size() - *pos < n) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8 | p[i + 2];
    out.push_back(kBase64Alphabet[v >> 18]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t v = uint32_t{p[i]} << 16;
    out.push_back(kBase64Alphabet[v >> 18]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (rest == 2) {
    const uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8;
    out.push_back(kBase64Alphabet[v >> 18]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

base::Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return base::InvalidArgumentError("base64: length " + std::to_string(text.size()) +
                                      " is not a multiple of 4");
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    if (last && text[i + 3] == '=') pad = (text[i + 2] == '=') ? 2 : 1;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      int d = 0;
      if (k < 4 - pad) {
        d = Base64Index(text[i + k]);
        if (d < 0) {
          return base::InvalidArgumentError("base64: invalid character at position " +
                                            std::to_string(i + k));
        }
      }
      v = v << 6 | static_cast<uint32_t>(d);
    }
    // Canonical form only: the bits under the padding must be zero (RFC 4648 §3.5).
    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)) {
      return base::InvalidArgumentError("base64: non-canonical padding bits");
    }
    out.push_back(static_cast<char>(v >> 16));
    if (pad < 2) out.push_back(static_cast<char>(v >> 8));
    if (pad < 1) out.push_back(static_cast<char>(v));
  }
  return out;
}

std::string ContentMd5(std::string_view body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(body.data(), body.size(), md, &len, EVP_md5(), nullptr) != 1) return {};
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string CanonicalString(std::string_view uri, const HeaderList& headers) {
  std::vector<std::pair<std::string, std::string_view>> signed_headers;
  for (const auto& [name, value] : headers) {
    std::string lower = ToLower(name);
    if (lower.size() < kXOtsPrefix.size() ||
        std::string_view(lower).substr(0, kXOtsPrefix.size()) != kXOtsPrefix) {
      continue;
    }
    if (lower == kSignatureHeader || lower == kSignatureV4Header) continue;
    signed_headers.emplace_back(std::move(lower), Trim(value));
  }
  std::stable_sort(signed_headers.begin(), signed_headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  out.append(uri);
  out.append("\nPOST\n\n");
  for (const auto& [name, value] : signed_headers) {
    out.append(name);
    out.push_back(':');
    out.append(value);
    out.push_back('\n');
  }
  return out;
}

std::string SignCanonical(std::string_view access_key_secret, std::string_view canonical) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha1(), access_key_secret.data(), static_cast<int>(access_key_secret.size()),
           reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), md,
           &len) == nullptr) {
    return {};
  }
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string FormatOtsDate(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd(day);
  const hh_mm_ss<milliseconds> hms(ms - day);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

base::Result<std::chrono::system_clock::time_point> ParseOtsDate(std::string_view s) {
  using namespace std::chrono;
  auto invalid = [&] {
    std::string shown(s.substr(0, 64));
    return base::InvalidArgumentError("Invalid date format: '" + shown +
                                      "' (expected YYYY-MM-DDTHH:MM:SS[.fraction]Z)");
  };
  size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!ParseDigits(s, &pos, 4, &y) || !Expect(s, &pos, '-') || !ParseDigits(s, &pos, 2, &mo) ||
      !Expect(s, &pos, '-') || !ParseDigits(s, &pos, 2, &d) || !Expect(s, &pos, 'T') ||
      !ParseDigits(s, &pos, 2, &h) || !Expect(s, &pos, ':') || !ParseDigits(s, &pos, 2, &mi) ||
      !Expect(s, &pos, ':') || !ParseDigits(s, &pos, 2, &sec)) {
    return invalid();
  }
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ++pos;
      ++digits;
    }
    if (digits > 9) return invalid();
  }
  if (!Expect(s, &pos, 'Z') || pos != s.size()) return invalid();
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)),
                           day(static_cast<unsigned>(d))};
  // Years outside [1970, 2261] are refused: system_clock (nanoseconds in libstdc++) cannot
  // represent them, and no request is dated there.
  if (y < 1970 || y > 2261 || !ymd.ok() || h > 23 || mi > 59 || sec > 59) return invalid();
  return system_clock::time_point(sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec));
}

HeaderList SignRequest(const SigningInput& in) {
  HeaderList headers;
  headers.reserve(8);
  headers.emplace_back("x-ots-date", FormatOtsDate(in.now));
  headers.emplace_back("x-ots-apiversion", std::string(in.api_version));
  headers.emplace_back("x-ots-accesskeyid", std::string(in.access_key_id));
  headers.emplace_back("x-ots-instancename", std::string(in.instance_name));
  headers.emplace_back("x-ots-contentmd5", ContentMd5(in.body));
  if (!in.security_token.empty()) {
    headers.emplace_back("x-ots-ststoken", std::string(in.security_token));
  }
  if (!in.trace_id.empty()) headers.emplace_back("x-ots-trace-id", std::string(in.trace_id));
  headers.emplace_back("x-ots-signature",
                       SignCanonical(in.access_key_secret, CanonicalString(in.uri, headers)));
  return headers;
}

bool VerifySignature(std::string_view uri, const HeaderList& headers,
                     std::string_view access_key_secret) {
  const std::string* received = FindHeader(headers, kSignatureHeader);
  if (received == nullptr) return false;
  const std::string expected = SignCanonical(access_key_secret, CanonicalString(uri, headers));
  return !expected.empty() && ConstantTimeEquals(Trim(*received), expected);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

const std::string* FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) return &v;
  }
  return nullptr;
}

}  // namespace tablestore::tunnel
