#include "storage/version_codec.h"

#include <gtest/gtest.h>

#include <limits>

namespace tablestore::storage {
namespace {

std::vector<CellVersion> RoundTrip(const std::vector<CellVersion>& in, std::string* blob) {
  VersionCodec codec;
  codec.Encode(in, blob);
  std::vector<CellVersion> out;
  base::Status status = VersionCodec::Decode(blob->data(), blob->size(), in.size(), &out);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

void ExpectSame(const std::vector<CellVersion>& a, const std::vector<CellVersion>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].present, b[i].present) << i;
    if (!a[i].present) continue;
    EXPECT_EQ(a[i].timestamp, b[i].timestamp) << i;
    EXPECT_EQ(a[i].tag, b[i].tag) << i;
  }
}

TEST(VersionCodec, TypicalRowCostsTenBytes) {
  // Six attributes written together, one of them a boolean.
  std::vector<CellVersion> cells(6, CellVersion{true, ValueTag::kPlain, 1795620408409});
  cells[3].tag = ValueTag::kBoolean;
  std::string blob;
  ExpectSame(RoundTrip(cells, &blob), cells);
  EXPECT_LE(blob.size(), 10u);
}

TEST(VersionCodec, RoundTripsMixedVersionsTagsAndGaps) {
  std::vector<CellVersion> cells(20);
  cells[0] = {true, ValueTag::kPlain, 1000};
  cells[2] = {true, ValueTag::kNaN, 1000};
  cells[7] = {true, ValueTag::kBoolean, 999};
  cells[8] = {true, ValueTag::kPlain, 5000};
  cells[15] = {true, ValueTag::kPlain, 1000};
  std::string blob;
  ExpectSame(RoundTrip(cells, &blob), cells);
}

TEST(VersionCodec, RoundTripsExtremeTimestamps) {
  std::vector<CellVersion> cells(3);
  cells[0] = {true, ValueTag::kPlain, std::numeric_limits<int64_t>::min()};
  cells[1] = {true, ValueTag::kPlain, std::numeric_limits<int64_t>::max()};
  cells[2] = {true, ValueTag::kPlain, -1};
  std::string blob;
  ExpectSame(RoundTrip(cells, &blob), cells);
}

TEST(VersionCodec, NoValueEncodesAsNothing) {
  std::string blob = "junk";
  VersionCodec codec;
  codec.Encode(std::vector<CellVersion>(4), &blob);
  EXPECT_TRUE(blob.empty());
  std::vector<CellVersion> out;
  ASSERT_TRUE(VersionCodec::Decode(nullptr, 0, 4, &out).ok());
  ExpectSame(out, std::vector<CellVersion>(4));
}

TEST(VersionCodec, RejectsDamagedBlobs) {
  std::vector<CellVersion> cells(10);
  cells[1] = {true, ValueTag::kBoolean, 7};
  cells[9] = {true, ValueTag::kPlain, 8};
  VersionCodec codec;
  std::string blob;
  codec.Encode(cells, &blob);
  std::vector<CellVersion> out;
  for (size_t cut = 1; cut < blob.size(); ++cut) {
    base::Status s = VersionCodec::Decode(blob.data(), cut, 10, &out);
    // Every proper prefix either fails or decodes without reading past the end.
    if (!s.ok()) {
      EXPECT_EQ(s.code(), base::StatusCode::kDataLoss);
    }
  }
  EXPECT_EQ(VersionCodec::Decode(blob.data(), blob.size(), 5, &out).code(),
            base::StatusCode::kDataLoss);  // names ordinal 9 of a 5-column table
  std::string bad = blob;
  bad[0] = 0x7f;
  EXPECT_EQ(VersionCodec::Decode(bad.data(), bad.size(), 10, &out).code(),
            base::StatusCode::kDataLoss);
  std::string overlong(12, static_cast<char>(0xff));
  overlong[0] = 0x01;
  EXPECT_EQ(VersionCodec::Decode(overlong.data(), overlong.size(), 10, &out).code(),
            base::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace tablestore::storage
