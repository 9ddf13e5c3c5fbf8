#include "config/units.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace tablestore::config {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(*ParseDuration("0ms"), milliseconds(0));
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("30s"), milliseconds(30'000));
  EXPECT_EQ(*ParseDuration("5m"), milliseconds(300'000));
  EXPECT_EQ(*ParseDuration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(*ParseDuration("7d"), milliseconds(604'800'000));
  EXPECT_EQ(*ParseDuration("007s"), milliseconds(7'000));
}

TEST(ParseDuration, RejectsMalformedText) {
  for (const char* text : {"", "30", "s", "30 s", " 30s", "30s ", "-5s", "+5s", "1.5s", "30S",
                           "30sec", "1h30m", "5us", "ms", "1e3ms", "0x10s"}) {
    base::Result<milliseconds> d = ParseDuration(text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().code(), base::StatusCode::kInvalidArgument);
    EXPECT_THAT(d.status().message(), StartsWith("expected a duration such as \"30s\""));
  }
}

TEST(ParseDuration, QuotesTheInput) {
  EXPECT_THAT(ParseDuration("30 seconds").status().message(), HasSubstr("found \"30 seconds\""));
  EXPECT_THAT(ParseDuration(std::string("1\0s", 3)).status().message(),
              HasSubstr("found \"1\\x00s\""));
}

TEST(ParseDuration, RejectsOverflow) {
  // int64 milliseconds hold 106751991167 days and a bit.
  EXPECT_TRUE(ParseDuration("106751991167d").ok());
  EXPECT_THAT(ParseDuration("106751991168d").status().message(), HasSubstr("too large"));
  EXPECT_THAT(ParseDuration("9223372036854775807ms").value(), milliseconds(9223372036854775807LL));
  EXPECT_FALSE(ParseDuration("9223372036854775808ms").ok());
  EXPECT_FALSE(ParseDuration("99999999999999999999999s").ok());
}

TEST(FormatDuration, PicksTheLargestExactUnit) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(50)), "50ms");
  EXPECT_EQ(FormatDuration(milliseconds(1'500)), "1500ms");
  EXPECT_EQ(FormatDuration(milliseconds(90'000)), "90s");
  EXPECT_EQ(FormatDuration(milliseconds(3'600'000)), "1h");
  EXPECT_EQ(FormatDuration(milliseconds(86'400'000)), "1d");
  for (const char* text : {"50ms", "10s", "5m", "2h", "7d"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  }
}

TEST(ParseByteSize, AcceptsBinaryAndDecimalUnits) {
  EXPECT_EQ(*ParseByteSize("0"), 0u);
  EXPECT_EQ(*ParseByteSize("4096"), 4096u);
  EXPECT_EQ(*ParseByteSize("12B"), 12u);
  EXPECT_EQ(*ParseByteSize("2KiB"), 2048u);
  EXPECT_EQ(*ParseByteSize("64MiB"), 64u * 1024 * 1024);
  EXPECT_EQ(*ParseByteSize("1GiB"), 1024u * 1024 * 1024);
  EXPECT_EQ(*ParseByteSize("1TiB"), 1024ULL * 1024 * 1024 * 1024);
  EXPECT_EQ(*ParseByteSize("3kB"), 3000u);
  EXPECT_EQ(*ParseByteSize("5MB"), 5'000'000u);
  EXPECT_EQ(*ParseByteSize("1GB"), 1'000'000'000u);
  EXPECT_EQ(*ParseByteSize("2TB"), 2'000'000'000'000u);
}

TEST(ParseByteSize, RejectsMalformedText) {
  for (const char* text : {"", "MiB", "1 MiB", "1mib", "1KB", "1.5GiB", "-1", "1Mi", "64MiBs"}) {
    base::Result<std::uint64_t> size = ParseByteSize(text);
    ASSERT_FALSE(size.ok()) << text;
    EXPECT_THAT(size.status().message(), StartsWith("expected a size such as \"64MiB\""));
  }
  EXPECT_THAT(ParseByteSize("17179869184GiB").status().message(), HasSubstr("too large"));
}

}  // namespace
}  // namespace tablestore::config
