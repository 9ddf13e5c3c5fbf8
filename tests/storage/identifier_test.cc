#include "storage/identifier.h"

#include <gtest/gtest.h>

namespace tablestore::storage {
namespace {

TEST(Identifier, QuotesAndDoublesEmbeddedQuotes) {
  EXPECT_EQ(QuoteIdentifier("plain"), "\"plain\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteIdentifier("x\"; DROP TABLE t; --"), "\"x\"\"; DROP TABLE t; --\"");
}

TEST(Identifier, RejectsEmptyAndNulNames) {
  EXPECT_EQ(ValidateIdentifier("", "column name").code(), base::StatusCode::kInvalidArgument);
  base::Status nul = ValidateIdentifier(std::string("a\0b", 3), "column name");
  EXPECT_EQ(nul.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(nul.message().find("NUL"), std::string::npos) << nul.message();
  EXPECT_TRUE(ValidateIdentifier("select", "column name").ok());
  EXPECT_TRUE(ValidateIdentifier("naïve \"x\"", "column name").ok());
}

TEST(Identifier, FoldsAsciiLettersOnlyAsSqliteDoes) {
  EXPECT_EQ(FoldIdentifier("AbC_1"), "abc_1");
  EXPECT_EQ(FoldIdentifier("Éa"), "Éa");  // SQLite does not fold non-ASCII letters
}

TEST(Identifier, ReservedPrefixIsCaseInsensitive) {
  EXPECT_TRUE(HasReservedPrefix("_replicator"));
  EXPECT_TRUE(HasReservedPrefix("_REPLICATOR_x"));
  EXPECT_FALSE(HasReservedPrefix("_replica"));
  EXPECT_FALSE(HasReservedPrefix("x_replicator"));
}

TEST(Identifier, DisplayNameEscapesControlBytes) {
  EXPECT_EQ(DisplayName(std::string("a\nb\0", 4)), "'a\\x0ab\\x00'");
}

}  // namespace
}  // namespace tablestore::storage
