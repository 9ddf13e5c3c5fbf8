#include "tablestore/base/status.h"

#include <gtest/gtest.h>

#include "tablestore/base/result.h"

namespace tablestore::base {
namespace {

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(Status, WithContextPrefixesMessage) {
  Status s = UnavailableError("ReadRecords: HTTP 503").WithContext("channel 'c1'");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.ToString(), "unavailable: channel 'c1': ReadRecords: HTTP 503");
}

TEST(Status, PayloadsSurviveContext) {
  Status s = UnavailableError("x");
  s.SetPayload("service_code", "OTSTunnelServerUnavailable");
  Status t = s.WithContext("ctx");
  ASSERT_NE(t.GetPayload("service_code"), nullptr);
  EXPECT_EQ(*t.GetPayload("service_code"), "OTSTunnelServerUnavailable");
  EXPECT_EQ(t.GetPayload("missing"), nullptr);
}

Result<int> Half(int v) {
  if (v % 2 != 0) return InvalidArgumentError("odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  TS_ASSIGN_OR_RETURN(int h, Half(v));
  TS_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(Result, PropagatesErrors) {
  EXPECT_EQ(Quarter(8).value(), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(Result, OkStatusBecomesInternalError) {
  Result<int> r{Status::Ok()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace tablestore::base
