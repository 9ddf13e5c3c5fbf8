#include "tunnel/client/retry_policy.h"

#include <gtest/gtest.h>

#include "tests/tunnel/client/client_test_util.h"
#include "tunnel/client/response_parser.h"
#include "tunnel/protocol/service_errors.h"

namespace tablestore::tunnel {
namespace {

using testing::ErrorBody;

base::Result<HttpResponse> Answer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("x-ots-requestid", "r1");
  return r;
}

base::Result<HttpResponse> Failure(base::Status s, bool not_sent = false) {
  if (not_sent) s.SetPayload(kPayloadRequestNotSent, "1");
  return s;
}

constexpr RetryClass kIdem = RetryClass::kIdempotent;
constexpr RetryClass kBefore = RetryClass::kRetryBeforeResponse;
constexpr RetryClass kNotIdem = RetryClass::kNotIdempotent;

TEST(RetryPolicy, ClassesFollowOperationSafety) {
  EXPECT_EQ(RetryClassForPath(kPathReadRecords), kIdem);
  EXPECT_EQ(RetryClassForPath(kPathGetCheckpoint), kIdem);
  EXPECT_EQ(RetryClassForPath(kPathListTunnel), kIdem);
  EXPECT_EQ(RetryClassForPath(kPathDescribeTunnel), kIdem);
  EXPECT_EQ(RetryClassForPath(kPathHeartbeat), kBefore);
  EXPECT_EQ(RetryClassForPath(kPathCheckpoint), kBefore);
  EXPECT_EQ(RetryClassForPath(kPathShutdown), kBefore);
  EXPECT_EQ(RetryClassForPath(kPathCreateTunnel), kNotIdem);
  EXPECT_EQ(RetryClassForPath(kPathDeleteTunnel), kNotIdem);
  EXPECT_EQ(RetryClassForPath(kPathConnect), kNotIdem);
  EXPECT_EQ(RetryClassForPath("/tunnel/unknown"), kNotIdem);
}

TEST(RetryPolicy, ServerUnavailableRetriedForEveryClass) {
  auto outcome = Answer(503, ErrorBody("OTSTunnelServerUnavailable", "busy"));
  for (RetryClass c : {kIdem, kBefore, kNotIdem}) EXPECT_TRUE(IsRetryable(c, outcome));
  auto busy = Answer(503, ErrorBody("OTSServerBusy", "busy"));
  EXPECT_TRUE(IsRetryable(kNotIdem, busy));
}

TEST(RetryPolicy, TrimmedDataAccessNeverRetried) {
  auto outcome = Answer(503, ErrorBody("OTSTunnelServerUnavailable",
                                       std::string(errors::kTrimmedDataMessage)));
  for (RetryClass c : {kIdem, kBefore, kNotIdem}) EXPECT_FALSE(IsRetryable(c, outcome));
}

TEST(RetryPolicy, ClientErrorsNeverRetried) {
  for (const char* code : {"OTSParameterInvalid", "OTSTunnelExpired", "OTSPermissionDenied",
                           "OTSAuthFailed", "OTSTunnelExist", "OTSResourceGone",
                           "OTSSequenceNumberNotMatch", "OTSSomethingNew"}) {
    auto outcome = Answer(400, ErrorBody(code, "no"));
    for (RetryClass c : {kIdem, kBefore, kNotIdem}) {
      EXPECT_FALSE(IsRetryable(c, outcome)) << code;
    }
  }
  EXPECT_FALSE(IsRetryable(kIdem, Answer(404, "not found")));
  EXPECT_FALSE(IsRetryable(kIdem, Answer(200, "")));
}

TEST(RetryPolicy, RawServerErrorRetriedUnlessNotIdempotent) {
  for (int status : {500, 502, 503, 504}) {
    auto outcome = Answer(status, "<html>bad gateway</html>");
    EXPECT_TRUE(IsRetryable(kIdem, outcome)) << status;
    EXPECT_TRUE(IsRetryable(kBefore, outcome)) << status;
    EXPECT_FALSE(IsRetryable(kNotIdem, outcome)) << status;
  }
}

TEST(RetryPolicy, AmbiguousServiceCodesNotRetriedForNonIdempotent) {
  auto outcome = Answer(500, ErrorBody("OTSInternalServerError", "oops"));
  EXPECT_TRUE(IsRetryable(kIdem, outcome));
  EXPECT_TRUE(IsRetryable(kBefore, outcome));
  EXPECT_FALSE(IsRetryable(kNotIdem, outcome));
}

TEST(RetryPolicy, TransportFailuresByClass) {
  auto reset = Failure(base::UnavailableError("connection reset"));
  EXPECT_TRUE(IsRetryable(kIdem, reset));
  EXPECT_TRUE(IsRetryable(kBefore, reset));
  EXPECT_FALSE(IsRetryable(kNotIdem, reset));

  auto timeout = Failure(base::DeadlineExceededError("request timeout"));
  EXPECT_TRUE(IsRetryable(kIdem, timeout));
  EXPECT_FALSE(IsRetryable(kBefore, timeout));
  EXPECT_FALSE(IsRetryable(kNotIdem, timeout));

  auto refused = Failure(base::UnavailableError("connection refused"), /*not_sent=*/true);
  auto connect_timeout = Failure(base::DeadlineExceededError("connect timeout"), true);
  for (RetryClass c : {kIdem, kBefore, kNotIdem}) {
    EXPECT_TRUE(IsRetryable(c, refused));
    EXPECT_TRUE(IsRetryable(c, connect_timeout));
  }
}

TEST(RetryPolicy, TlsAndOtherFailuresNeverRetried) {
  for (base::Status s : {base::FailedPreconditionError("TLS failure"),
                         base::UnauthenticatedError("credentials"),
                         base::InvalidArgumentError("bad url"),
                         base::ResourceExhaustedError("too large"),
                         base::CancelledError("stop")}) {
    s.SetPayload(kPayloadRequestNotSent, "1");
    EXPECT_FALSE(IsRetryable(kIdem, base::Result<HttpResponse>(s))) << s.ToString();
  }
}

TEST(Backoff, ReadRecordsDelaysWithinJitterBounds) {
  ClientOptions options;
  BackoffConfig config = BackoffForPath(kPathReadRecords, options);
  EXPECT_EQ(config.initial.count(), 16);
  EXPECT_EQ(config.max.count(), 3000);
  EXPECT_EQ(config.budget, options.read_retry_budget);
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    Backoff b(config, seed);
    int64_t base = 16;
    for (int i = 0; i < 12; ++i) {
      int64_t d = b.Next().count();
      EXPECT_GE(d, static_cast<int64_t>(base * 0.67) - 1) << "seed " << seed << " step " << i;
      EXPECT_LE(d, static_cast<int64_t>(base * 1.33) + 1) << "seed " << seed << " step " << i;
      base = std::min<int64_t>(base * 2, 3000);
    }
  }
}

TEST(Backoff, MetaDelaysStartAt100msAndCapAt2s) {
  ClientOptions options;
  BackoffConfig config = BackoffForPath(kPathHeartbeat, options);
  EXPECT_EQ(config.initial.count(), 100);
  EXPECT_EQ(config.max.count(), 2000);
  EXPECT_EQ(config.budget, options.meta_retry_budget);
  Backoff b(config, 7);
  int64_t first = b.Next().count();
  EXPECT_GE(first, 67);
  EXPECT_LE(first, 133);
  int64_t last = 0;
  for (int i = 0; i < 20; ++i) last = b.Next().count();
  EXPECT_GE(last, 1340);
  EXPECT_LE(last, 2660);
}

TEST(Backoff, JitterActuallyVaries) {
  BackoffConfig config;
  std::set<int64_t> firsts;
  for (uint64_t seed = 1; seed <= 20; ++seed) firsts.insert(Backoff(config, seed).Next().count());
  EXPECT_GT(firsts.size(), 5u);
}

}  // namespace
}  // namespace tablestore::tunnel
