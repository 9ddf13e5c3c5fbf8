#include "tablestore/base/row.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace tablestore::base {
namespace {

TEST(Value, DoubleEqualityIsBitwise) {
  EXPECT_EQ(Value::Double(std::nan("")), Value::Double(std::nan("")));
  EXPECT_NE(Value::Double(0.0), Value::Double(-0.0));
  EXPECT_NE(Value::DoubleBits(0x7ff8000000000001ULL), Value::DoubleBits(0x7ff8000000000000ULL));
}

TEST(Value, TypesDistinguishIntegerAndBoolean) {
  EXPECT_NE(Value::Integer(1), Value::Boolean(true));
  EXPECT_NE(Value::String("a"), Value::Binary("a"));
  EXPECT_EQ(Value::String(std::string("a\0b", 3)), Value::String(std::string("a\0b", 3)));
}

TEST(SequenceInfo, OrdersByEpochThenTimestampThenIndex) {
  SequenceInfo a{0, 10, 5}, b{0, 11, 0}, c{1, 0, 0};
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(b < c);
  EXPECT_FALSE(c < a);
}

TEST(Batch, FinishedToken) {
  Batch b;
  b.token_out = "finished";
  EXPECT_TRUE(b.finished());
  b.token_out = "CAIS";
  EXPECT_FALSE(b.finished());
}

}  // namespace
}  // namespace tablestore::base
