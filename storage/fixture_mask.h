#pragma once

// Masking rules for fixtures (docs/changelog.md "Masking"): per column, applied while a
// fixture is written (replay or export), so a masked column never holds a source value in
// the output file.
//
//   drop         the column is not in the fixture at all (attribute columns only)
//   hash         HMAC-SHA256(salt, type tag + value), keeping the type: string → 32
//                lowercase hex chars, binary → 16 bytes, integer → int64, double → a value in
//                [0, 1), boolean → boolean. Equal values hash equally in every table (joins
//                survive); without the salt the hash cannot be recomputed.
//   fixed:VALUE  every value becomes VALUE converted to the cell's type (string/binary: the
//                text; integer, double, boolean: parsed; a value that does not parse fails
//                the fixture with kInvalidArgument). Attribute columns only.
//
// Thread-safe (pure functions).

#include <string>
#include <string_view>
#include <vector>

#include "tablestore/base/result.h"
#include "tablestore/base/row.h"

namespace tablestore::storage {

enum class MaskKind { kDrop, kHash, kFixed };

struct MaskRule {
  std::string table;   // mirror table name; "*" matches every table
  std::string column;  // mirror column name (the name users see in the mirror)
  MaskKind kind = MaskKind::kHash;
  std::string fixed;  // kFixed: the replacement, as text
};

struct MaskRules {
  std::vector<MaskRule> rules;
  std::string salt;  // the HMAC key; required (non-empty) when a rule hashes

  // The rule for a column (an exact table match wins over "*"); null if none.
  const MaskRule* Find(std::string_view table, std::string_view column) const;
  // kInvalidArgument if a hash rule has no salt.
  base::Status Validate() const;
};

// Parses "TABLE.COLUMN=drop|hash|fixed:VALUE". The table is everything before the first
// '.', so a table name with a '.' needs a rules file. kInvalidArgument when malformed.
base::Result<MaskRule> ParseMaskRule(std::string_view spec);

// The masked form of `value` under a hash or fixed rule (kInvalidArgument for a fixed value
// that does not convert to the value's type; kDrop is the caller's business).
base::Result<base::Value> MaskValue(const MaskRule& rule, const base::Value& value,
                                    std::string_view salt);

}  // namespace tablestore::storage
