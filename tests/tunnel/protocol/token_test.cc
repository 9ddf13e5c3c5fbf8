#include "tunnel/protocol/token.h"

#include <gtest/gtest.h>

#include "tests/tunnel/protocol/protocol_test_util.h"
#include "tunnel/protocol/plain_buffer.h"
#include "tunnel/protocol/signing.h"

namespace tablestore::tunnel {
namespace {

TEST(Token, DecodesTheDocumentedStreamToken) {
  auto content = DecodeToken("CAISEhIQc3RyZWFtLWl0ZXItMDAwMQ==");
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_EQ(content->iterator(), "stream-iter-0001");
  EXPECT_FALSE(content->has_primary_key());
  EXPECT_TRUE(IsStreamToken("CAISEhIQc3RyZWFtLWl0ZXItMDAwMQ=="));
}

TEST(Token, DecodesTheDocumentedBaseDataToken) {
  const char* token = "CAISIwofdQAAAAEDBAIAAABpZAUJAAAAAGQAAAAAAAAACucJKCAA";
  auto content = DecodeToken(token);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_TRUE(content->iterator().empty());
  EXPECT_TRUE(content->has_total_count());
  EXPECT_EQ(content->total_count(), 0);
  EXPECT_FALSE(IsStreamToken(token));
  // The scan position is a PlainBuffer primary key `id = 100`.
  auto rows = DecodePlainBuffer(content->primary_key(), PlainBufferContext::kRequest);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->front().primary_key.at(0).name, "id");
  EXPECT_EQ(rows->front().primary_key.at(0).value->integer, 100);
}

TEST(Token, FinishedAndGarbageAreNotTokens) {
  for (const char* bad : {"finished", "", "not base64!", "AAAA", "CAM=" /* version 3? */}) {
    auto content = DecodeToken(bad);
    EXPECT_FALSE(content.ok()) << bad;
    if (!content.ok()) {
      EXPECT_EQ(content.status().code(), base::StatusCode::kInvalidArgument);
    }
    EXPECT_FALSE(IsStreamToken(bad));
  }
}

TEST(Token, RejectsUnknownVersions) {
  pb::Token t;
  t.set_version(3);
  t.set_content("");
  EXPECT_FALSE(DecodeToken(Base64Encode(t.SerializeAsString())).ok());
}

TEST(Token, EncodeDecodeRoundTrips) {
  pb::TokenContentV2 c;
  c.set_iterator("it-1");
  c.set_timestamp(123);
  c.set_total_count(4);
  const std::string token = EncodeToken(c);
  auto back = DecodeToken(token);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->SerializeAsString(), c.SerializeAsString());
  EXPECT_TRUE(IsStreamToken(token));
  EXPECT_EQ(EncodeToken([] {
              pb::TokenContentV2 s;
              s.set_iterator("stream-iter-0001");
              return s;
            }()),
            "CAISEhIQc3RyZWFtLWl0ZXItMDAwMQ==");
}

TEST(Token, AcceptsVersionOneContent) {
  pb::TokenContent v1;
  v1.set_iterator("old-iter");
  v1.set_timestamp(9);
  pb::Token t;
  t.set_version(1);
  t.set_content(v1.SerializeAsString());
  const std::string token = Base64Encode(t.SerializeAsString());
  auto content = DecodeToken(token);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_EQ(content->iterator(), "old-iter");
  EXPECT_EQ(content->timestamp(), 9);
  EXPECT_FALSE(content->has_total_count());
  EXPECT_TRUE(IsStreamToken(token));
}

}  // namespace
}  // namespace tablestore::tunnel
