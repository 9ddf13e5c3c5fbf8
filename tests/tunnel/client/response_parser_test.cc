#include "tunnel/client/response_parser.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/tunnel/client/client_test_util.h"
#include "tunnel/protocol/record_decoder.h"
#include "tunnel/protocol/service_errors.h"

namespace tablestore::tunnel {
namespace {

using base::StatusCode;

const std::string_view kPaths[] = {kPathCreateTunnel,   kPathDeleteTunnel,  kPathListTunnel,
                                   kPathDescribeTunnel, kPathConnect,       kPathHeartbeat,
                                   kPathShutdown,       kPathGetCheckpoint, kPathCheckpoint,
                                   kPathReadRecords};

TEST(ResponseParser, FuzzEntryRejectsUnknownPath) {
  EXPECT_EQ(ParseResponseForFuzzing("/tunnel/nope", "").code(), StatusCode::kInvalidArgument);
}

TEST(ResponseParser, FuzzEntryAppliesEmptyBodyRules) {
  EXPECT_TRUE(ParseResponseForFuzzing(kPathCheckpoint, "").ok());
  EXPECT_TRUE(ParseResponseForFuzzing(kPathHeartbeat, "").ok());
  EXPECT_TRUE(ParseResponseForFuzzing(kPathListTunnel, "").ok());
  EXPECT_EQ(ParseResponseForFuzzing(kPathReadRecords, "").code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseResponseForFuzzing(kPathGetCheckpoint, "").code(), StatusCode::kDataLoss);
}

TEST(ResponseParser, SurvivesRandomBytesOnEveryPath) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 3000; ++i) {
    std::string body(rng() % 64, '\0');
    for (char& c : body) c = static_cast<char>(rng());
    for (std::string_view path : kPaths) {
      base::Status s = ParseResponseForFuzzing(path, body);
      if (!s.ok()) {
        EXPECT_EQ(s.code(), StatusCode::kDataLoss) << path;
      }
    }
    base::Status e = ParseErrorResponseForFuzzing(400 + static_cast<int>(rng() % 200), body);
    EXPECT_FALSE(e.ok());
  }
}

TEST(ResponseParser, HeartbeatWithUnknownChannelStatusIsDataLoss) {
  // Channel{channel_id: "c", version: 1, status: 9}: 9 is not a ChannelStatus, so the
  // required field counts as unset (protobuf keeps it as an unknown field).
  std::string channel = std::string(
      "\x0a\x01"
      "c"
      "\x10\x01"
      "\x18\x09",
      7);
  std::string body = "\x0a" + std::string(1, static_cast<char>(channel.size())) + channel;
  EXPECT_EQ(ParseResponseForFuzzing(kPathHeartbeat, body).code(), StatusCode::kDataLoss);
  channel[6] = '\x04';  // TERMINATED
  body = "\x0a" + std::string(1, static_cast<char>(channel.size())) + channel;
  auto ok = ParseHeartbeatResponse("Heartbeat", body);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)[0].status, ChannelStatus::kTerminated);
}

TEST(ResponseParser, ErrorBodyParsedWithRequestId) {
  HttpResponse r;
  r.status = 400;
  r.body = testing::ErrorBody("OTSParameterInvalid", "table not found");
  r.headers.emplace_back("X-Ots-RequestId", "abc");
  ServiceError e = ParseServiceError(r);
  EXPECT_EQ(e.code, "OTSParameterInvalid");
  EXPECT_EQ(e.message, "table not found");
  EXPECT_EQ(e.request_id, "abc");
  EXPECT_EQ(e.http_status, 400);
}

TEST(ResponseParser, AlternativeRequestIdHeader) {
  HttpResponse r;
  r.status = 500;
  r.body = "oops";
  r.headers.emplace_back("x-ots-request-id", "node-style");
  EXPECT_EQ(ResponseRequestId(r), "node-style");
  ServiceError e = ParseServiceError(r);
  EXPECT_TRUE(e.code.empty());
  EXPECT_EQ(e.message, "oops");
  base::Status s = ServiceErrorStatus("ListTunnel", e);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "ListTunnel: HTTP 500: oops (request id node-style)");
}

TEST(ResponseParser, RedirectIsFailedPreconditionNamingLocation) {
  HttpResponse r;
  r.status = 301;
  r.headers.emplace_back("Location", "https://elsewhere.example");
  base::Status s = ServiceErrorStatus("ListTunnel", ParseServiceError(r));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("https://elsewhere.example"), std::string::npos);
}

TEST(ResponseParser, LongRawBodyIsTruncated) {
  HttpResponse r;
  r.status = 502;
  r.body = std::string(100'000, 'x');
  ServiceError e = ParseServiceError(r);
  EXPECT_LT(e.message.size(), 300u);
}

TEST(ResponseParser, TrimmedDataRecognisedOnlyInServerUnavailable) {
  ServiceError e;
  e.http_status = 503;
  e.code = "OTSTunnelServerUnavailable";
  e.message = std::string(errors::kTrimmedDataMessage);
  EXPECT_TRUE(IsTrimmedDataAccess(e));
  EXPECT_EQ(ServiceErrorStatus("ReadRecords", e).code(), StatusCode::kOutOfRange);
  e.code = "OTSParameterInvalid";
  EXPECT_FALSE(IsTrimmedDataAccess(e));
  e.code = "OTSTunnelServerUnavailable";
  e.message = "temporarily unavailable";
  EXPECT_FALSE(IsTrimmedDataAccess(e));
  EXPECT_EQ(ServiceErrorStatus("ReadRecords", e).code(), StatusCode::kUnavailable);
}

// ParseReadRecordsResponse reads canonical bodies in place and hands the others to the
// generated parser; the result must be the library's for every body.
void ExpectSameAsLibrary(std::string_view body) {
  ReadRecordsResult ours, library;
  const base::Status a = ParseReadRecordsResponseInto("p", body, &ours);
  const base::Status b = ParseReadRecordsResponseWithLibrary("p", body, &library);
  ASSERT_EQ(a.ok(), b.ok()) << a.ToString() << " vs " << b.ToString();
  EXPECT_EQ(a.message(), b.message());
  EXPECT_EQ(ours.next_token, library.next_token);
  EXPECT_EQ(ours.may_more_record, library.may_more_record);
  EXPECT_EQ(ours.wire_bytes, library.wire_bytes);
  ASSERT_EQ(ours.records.size(), library.records.size());
  for (size_t i = 0; i < ours.records.size(); ++i) {
    EXPECT_EQ(ours.records[i].action, library.records[i].action);
    EXPECT_EQ(ours.records[i].row, library.records[i].row);
    EXPECT_EQ(ours.records[i].origin, library.records[i].origin);
  }
}

TEST(ResponseParser, ReadRecordsInPlaceMatchesTheLibraryOnOddEncodings) {
  base::RowChange change;
  base::Cell key;
  key.name = "id";
  key.value = base::Value::Integer(1);
  change.row.primary_key.push_back(key);
  const std::string record = EncodeRecord(change).SerializeAsString();
  auto field = [](uint8_t tag, std::string_view bytes) {
    return std::string(1, static_cast<char>(tag)) + static_cast<char>(bytes.size()) +
           std::string(bytes);
  };
  const std::string good = field(0x0a, record) + field(0x12, "t");
  pb::Record bad_crc = EncodeRecord(change);
  bad_crc.mutable_record()->back() ^= 1;
  const std::string bodies[] = {
      good,                                                       // in place
      good + "\x18\x01",                                          // may_more_record
      good + std::string("\x18\x00", 2),                          // may_more_record false
      field(0x0a, record) + field(0x12, "a") + field(0x12, "b"),  // last next_token wins
      good + "\x20\x05",                                          // unknown field skipped
      good + "\x18\x02",                                          // any non-zero bool is true
      field(0x0a, "\x08\x02" + record),                           // last action wins; no token
      field(0x0a, "\x08\x02" + record) + field(0x12, "t"),        // last action wins
      field(0x0a, record + "\x08\x09") + field(0x12, "t"),        // unknown action after a good one
      field(0x0a, "\x08\x09" + record.substr(2)) + field(0x12, "t"),  // unknown action only
      field(0x0a, bad_crc.SerializeAsString()) + field(0x12, "t"),    // a bad row: same error
      good + std::string(1, '\0'),                                    // tag 0
      "",                                                             // empty body
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(::testing::PrintToString(body));
    ExpectSameAsLibrary(body);
  }
}

}  // namespace
}  // namespace tablestore::tunnel
