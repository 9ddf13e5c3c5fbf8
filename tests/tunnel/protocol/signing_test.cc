#include "tunnel/protocol/signing.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/tunnel/protocol/protocol_test_util.h"

namespace tablestore::tunnel {
namespace {

using std::chrono::system_clock;
using testing::Hex;
using testing::LoadTestData;
using testing::Unhex;

system_clock::time_point Utc(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms = 0) {
  using namespace std::chrono;
  return system_clock::time_point(sys_days(year(y) / month(mo) / day(d)) + hours(h) +
                                  minutes(mi) + seconds(s) + milliseconds(ms));
}

HeaderList HeadersOf(const nlohmann::json& c) {
  HeaderList headers;
  for (const auto& h : c.at("headers")) {
    headers.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
  }
  return headers;
}

constexpr std::string_view kWorkedBodyHex =
    "0a2465326264386231632d306135662d346230652d396433632d376131663763396632613130"
    "120f636c69656e742d30663361396337651a0a42617365446174615f3022344341495349776f"
    "66645141414141454442414941414142705a41554a4141414141475141414141414141414143"
    "75634a4b434141";

TEST(Signing, EveryVectorGivesStringToSignSignatureAndMd5) {
  const nlohmann::json doc = LoadTestData("signing/vectors.json");
  int checked = 0;
  for (const auto& c : doc.value("cases", nlohmann::json::array())) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const std::string body = Unhex(c.at("body_hex").get<std::string>());
    EXPECT_EQ(ContentMd5(body), c.at("content_md5").get<std::string>());
    const HeaderList headers = HeadersOf(c);
    const std::string uri = c.at("uri").get<std::string>();
    const std::string canonical = CanonicalString(uri, headers);
    EXPECT_EQ(canonical, c.at("string_to_sign").get<std::string>());
    const std::string secret = c.at("access_key_secret").get<std::string>();
    EXPECT_EQ(SignCanonical(secret, canonical), c.at("signature").get<std::string>());
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

TEST(Signing, VerifySignatureAcceptsEveryVectorAndRejectsOneByteChanges) {
  const nlohmann::json doc = LoadTestData("signing/vectors.json");
  for (const auto& c : doc.value("cases", nlohmann::json::array())) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    HeaderList headers = HeadersOf(c);
    const std::string uri = c.at("uri").get<std::string>();
    const std::string secret = c.at("access_key_secret").get<std::string>();
    const std::string signature = c.at("signature").get<std::string>();
    headers.emplace_back("X-OTS-Signature", signature);
    EXPECT_TRUE(VerifySignature(uri, headers, secret));

    for (size_t i = 0; i < signature.size(); ++i) {
      HeaderList bad = headers;
      bad.back().second[i] = signature[i] == 'A' ? 'B' : 'A';
      EXPECT_FALSE(VerifySignature(uri, bad, secret)) << "signature byte " << i;
    }
    for (size_t h = 0; h < headers.size() - 1; ++h) {
      HeaderList bad = headers;
      std::string& value = bad[h].second;
      const std::string name = bad[h].first;
      value[value.size() / 2] ^= 0x01;
      const bool signed_header = name.size() >= 6 && (name[0] == 'x' || name[0] == 'X');
      EXPECT_EQ(VerifySignature(uri, bad, secret), !signed_header) << name;
    }
    std::string bad_secret = secret;
    bad_secret[0] ^= 0x01;
    EXPECT_FALSE(VerifySignature(uri, headers, bad_secret));
    EXPECT_FALSE(VerifySignature(uri + "x", headers, secret));
    headers.pop_back();
    EXPECT_FALSE(VerifySignature(uri, headers, secret));  // no signature at all
  }
}

TEST(Signing, SignRequestReproducesTheWorkedExample) {
  const std::string body = Unhex(kWorkedBodyHex);
  ASSERT_EQ(body.size(), 121u);
  SigningInput in;
  in.uri = "/tunnel/readrecords";
  in.body = body;
  in.access_key_id = "AKIDexample0001";
  in.access_key_secret = "SecretExample/Key+0001=";
  in.instance_name = "demo-instance";
  in.trace_id = "7b1e2a04-5c3d-4f6e-8a9b-0c1d2e3f4a5b";
  in.now = Utc(2024, 3, 5, 14, 7, 9, 123);
  const HeaderList headers = SignRequest(in);

  EXPECT_EQ(*FindHeader(headers, "x-ots-date"), "2024-03-05T14:07:09.123Z");
  EXPECT_EQ(*FindHeader(headers, "x-ots-apiversion"), "2018-04-01");
  EXPECT_EQ(*FindHeader(headers, "x-ots-accesskeyid"), "AKIDexample0001");
  EXPECT_EQ(*FindHeader(headers, "x-ots-instancename"), "demo-instance");
  EXPECT_EQ(*FindHeader(headers, "x-ots-contentmd5"), "OORuaN2bN6LKIEAfF3nY8Q==");
  EXPECT_EQ(FindHeader(headers, "x-ots-ststoken"), nullptr);
  const std::string* sig = FindHeader(headers, "X-OTS-SIGNATURE");
  ASSERT_NE(sig, nullptr);
  EXPECT_EQ(*sig, "qIkof5KgUIK3FJgj6X5H4/1zLNI=");
  auto raw = Base64Decode(*sig);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(Hex(*raw), "a889287f92a05082b7149823e97e47e3fd732cd2");
  EXPECT_EQ(CanonicalString(in.uri, headers),
            "/tunnel/readrecords\nPOST\n\n"
            "x-ots-accesskeyid:AKIDexample0001\n"
            "x-ots-apiversion:2018-04-01\n"
            "x-ots-contentmd5:OORuaN2bN6LKIEAfF3nY8Q==\n"
            "x-ots-date:2024-03-05T14:07:09.123Z\n"
            "x-ots-instancename:demo-instance\n"
            "x-ots-trace-id:7b1e2a04-5c3d-4f6e-8a9b-0c1d2e3f4a5b\n");
  EXPECT_TRUE(VerifySignature(in.uri, headers, in.access_key_secret));
}

TEST(Signing, SignRequestSendsAndSignsTheStsToken) {
  SigningInput in;
  in.uri = "/tunnel/connect";
  in.access_key_id = "STS.id";
  in.access_key_secret = "s";
  in.security_token = "tok";
  in.instance_name = "i";
  in.api_version = kApiVersionJava;
  in.now = Utc(2025, 1, 2, 0, 0, 0);
  HeaderList headers = SignRequest(in);
  EXPECT_EQ(*FindHeader(headers, "x-ots-ststoken"), "tok");
  EXPECT_EQ(*FindHeader(headers, "x-ots-apiversion"), "2015-12-31");
  EXPECT_EQ(*FindHeader(headers, "x-ots-contentmd5"), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(FindHeader(headers, "x-ots-trace-id"), nullptr);
  EXPECT_TRUE(VerifySignature(in.uri, headers, "s"));
  for (auto& [name, value] : headers) {
    if (name == "x-ots-ststoken") value = "other";
  }
  EXPECT_FALSE(VerifySignature(in.uri, headers, "s"));
}

TEST(Signing, CanonicalStringIgnoresSignatureV4AndOtherHeaders) {
  const HeaderList headers = {{"X-Ots-B", " 2 "}, {"x-ots-a", "1"}, {"Content-Type", "x"},
                              {"x-ots-signature", "s"}, {"x-ots-signaturev4", "v"},
                              {"x-otsfoo", "no"}};
  EXPECT_EQ(CanonicalString("/p", headers), "/p\nPOST\n\nx-ots-a:1\nx-ots-b:2\n");
}

TEST(OtsDate, FormatsTrueMillisecondsInUtc) {
  EXPECT_EQ(FormatOtsDate(Utc(2024, 3, 5, 14, 7, 9, 123)), "2024-03-05T14:07:09.123Z");
  EXPECT_EQ(FormatOtsDate(Utc(2025, 12, 31, 23, 59, 59, 7)), "2025-12-31T23:59:59.007Z");
  EXPECT_EQ(FormatOtsDate(Utc(2024, 2, 29, 0, 0, 0) + std::chrono::microseconds(999)),
            "2024-02-29T00:00:00.000Z");
}

TEST(OtsDate, ParsesGoStyleFractionsAndIgnoresThem) {
  // §2.2: what the Go SDK sends for whole seconds.
  const std::pair<const char*, system_clock::time_point> cases[] = {
      {"2024-03-05T14:07:09.352Z", Utc(2024, 3, 5, 14, 7, 9)},
      {"2024-11-24T18:56:00.11246Z", Utc(2024, 11, 24, 18, 56, 0)},
      {"2025-01-02T00:00:00.1212Z", Utc(2025, 1, 2, 0, 0, 0)},
      {"2025-12-31T12:00:00.123112Z", Utc(2025, 12, 31, 12, 0, 0)},
      {"2024-03-05T14:07:09.123Z", Utc(2024, 3, 5, 14, 7, 9)},
      {"2024-03-05T14:07:09Z", Utc(2024, 3, 5, 14, 7, 9)},
      {"2024-03-05T14:07:09.123456789Z", Utc(2024, 3, 5, 14, 7, 9)},
  };
  for (const auto& [text, expected] : cases) {
    auto t = ParseOtsDate(text);
    ASSERT_TRUE(t.ok()) << text << ": " << t.status().ToString();
    EXPECT_EQ(*t, expected) << text;
  }
}

TEST(OtsDate, RejectsMalformedDates) {
  for (const char* text :
       {"", "2024-03-05", "2024-03-05T14:07:09", "2024-03-05T14:07:09.1234567890Z",
        "2024-03-05 14:07:09Z", "2024-13-05T14:07:09Z", "2023-02-29T00:00:00Z",
        "2024-03-05T24:00:00Z", "2024-03-05T14:60:00Z", "2024-03-05T14:07:09.12aZ",
        "2024-03-05T14:07:09ZZ", "2024-03-05T14:07:09+08:00", "Tue, 05 Mar 2024 14:07:09 GMT",
        "3025-12-31T12:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"}) {
    auto t = ParseOtsDate(text);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_EQ(t.status().code(), base::StatusCode::kInvalidArgument);
    EXPECT_EQ(t.status().message().rfind("Invalid date format", 0), 0u);
  }
}

TEST(Base64, RoundTripsAndIsStrict) {
  for (const std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  for (const char* bad : {"Zm8", "Zm9=v", "Zm-=", "Zm9v\n", "Zg=a", "Zh==", "===="}) {
    EXPECT_FALSE(Base64Decode(bad).ok()) << bad;
  }
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace tablestore::tunnel
