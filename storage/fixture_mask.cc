#include "storage/fixture_mask.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "storage/identifier.h"

namespace tablestore::storage {
namespace {

std::string Hmac(std::string_view salt, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), salt.data(), static_cast<int>(salt.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

uint64_t First8(const std::string& digest) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(digest[i]);
  return v;
}

base::Value HashValue(const base::Value& value, std::string_view salt) {
  // Type tag + canonical payload: equal values (of one type) hash equally everywhere.
  std::string data(1, static_cast<char>(value.type));
  switch (value.type) {
    case base::ValueType::kInteger:
    case base::ValueType::kBoolean:
      for (int i = 7; i >= 0; --i) {
        data.push_back(static_cast<char>(static_cast<uint64_t>(value.integer) >> (8 * i)));
      }
      break;
    case base::ValueType::kDouble:
      for (int i = 7; i >= 0; --i) data.push_back(static_cast<char>(value.double_bits() >> (8 * i)));
      break;
    default:
      data += value.bytes;
  }
  std::string digest = Hmac(salt, data);
  switch (value.type) {
    case base::ValueType::kInteger:
      return base::Value::Integer(static_cast<int64_t>(First8(digest)));
    case base::ValueType::kBoolean:
      return base::Value::Boolean((digest[0] & 1) != 0);
    case base::ValueType::kDouble:
      return base::Value::Double(static_cast<double>(First8(digest) >> 11) * 0x1.0p-53);
    case base::ValueType::kBinary:
      return base::Value::Binary(digest.substr(0, 16));
    case base::ValueType::kString: {
      static const char kHex[] = "0123456789abcdef";
      std::string hex;
      for (int i = 0; i < 16; ++i) {
        auto b = static_cast<unsigned char>(digest[i]);
        hex.push_back(kHex[b >> 4]);
        hex.push_back(kHex[b & 15]);
      }
      return base::Value::String(std::move(hex));
    }
    default:
      return value;
  }
}

base::Result<base::Value> FixedValue(const MaskRule& rule, const base::Value& value) {
  const std::string& text = rule.fixed;
  auto bad = [&](const char* type) {
    return base::InvalidArgumentError("mask of " + rule.table + "." + rule.column +
                                      ": fixed value " + DisplayName(text) + " is not a " +
                                      type + ", but the column holds " + type + " values");
  };
  switch (value.type) {
    case base::ValueType::kString: return base::Value::String(text);
    case base::ValueType::kBinary: return base::Value::Binary(text);
    case base::ValueType::kInteger: {
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || errno != 0 || *end != '\0') return bad("integer");
      return base::Value::Integer(v);
    }
    case base::ValueType::kDouble: {
      errno = 0;
      char* end = nullptr;
      double v = std::strtod(text.c_str(), &end);
      if (text.empty() || errno != 0 || *end != '\0') return bad("double");
      return base::Value::Double(v);
    }
    case base::ValueType::kBoolean:
      if (text == "true" || text == "1") return base::Value::Boolean(true);
      if (text == "false" || text == "0") return base::Value::Boolean(false);
      return bad("boolean");
    default:
      return value;
  }
}

}  // namespace

const MaskRule* MaskRules::Find(std::string_view table, std::string_view column) const {
  const MaskRule* wildcard = nullptr;
  for (const MaskRule& r : rules) {
    if (r.column != column) continue;
    if (r.table == table) return &r;
    if (r.table == "*" && wildcard == nullptr) wildcard = &r;
  }
  return wildcard;
}

base::Status MaskRules::Validate() const {
  for (const MaskRule& r : rules) {
    if (r.kind == MaskKind::kHash && salt.empty()) {
      return base::InvalidArgumentError(
          "mask " + r.table + "." + r.column +
          "=hash needs a salt (--mask-salt, $REPLICATOR_MASK_SALT or \"salt\" in the rules "
          "file)");
    }
  }
  return base::Status::Ok();
}

base::Result<MaskRule> ParseMaskRule(std::string_view spec) {
  auto bad = [&](const std::string& why) {
    return base::InvalidArgumentError("mask rule " + DisplayName(spec) + ": " + why +
                                      " (expected TABLE.COLUMN=drop|hash|fixed:VALUE)");
  };
  size_t eq = spec.find('=');
  if (eq == std::string_view::npos) return bad("no '='");
  std::string_view target = spec.substr(0, eq);
  std::string_view action = spec.substr(eq + 1);
  size_t dot = target.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == target.size()) {
    return bad("the column must be named as TABLE.COLUMN");
  }
  MaskRule rule;
  rule.table = std::string(target.substr(0, dot));
  rule.column = std::string(target.substr(dot + 1));
  if (action == "drop") {
    rule.kind = MaskKind::kDrop;
  } else if (action == "hash") {
    rule.kind = MaskKind::kHash;
  } else if (action.substr(0, 6) == "fixed:") {
    rule.kind = MaskKind::kFixed;
    rule.fixed = std::string(action.substr(6));
  } else {
    return bad("unknown action " + DisplayName(action));
  }
  return rule;
}

base::Result<base::Value> MaskValue(const MaskRule& rule, const base::Value& value,
                                    std::string_view salt) {
  switch (rule.kind) {
    case MaskKind::kHash: return HashValue(value, salt);
    case MaskKind::kFixed: return FixedValue(rule, value);
    case MaskKind::kDrop: break;
  }
  return base::InternalError("a dropped column has no masked value");
}

}  // namespace tablestore::storage
