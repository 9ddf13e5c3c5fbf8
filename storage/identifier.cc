#include "storage/identifier.h"

#include <cstdio>

namespace tablestore::storage {

base::Status ValidateIdentifier(std::string_view name, std::string_view what) {
  if (name.empty()) {
    return base::InvalidArgumentError(std::string(what) + " is empty");
  }
  if (name.find('\0') != std::string_view::npos) {
    return base::InvalidArgumentError(std::string(what) + " " + DisplayName(name) +
                                      " contains a NUL byte");
  }
  return base::Status::Ok();
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string FoldIdentifier(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool HasReservedPrefix(std::string_view name) {
  if (name.size() < kReservedPrefix.size()) return false;
  return FoldIdentifier(name.substr(0, kReservedPrefix.size())) == kReservedPrefix;
}

std::string DisplayName(std::string_view name) {
  constexpr size_t kMax = 200;
  std::string out = "'";
  for (size_t i = 0; i < name.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (name.size() > kMax) out += "...";
  out += "'";
  return out;
}

}  // namespace tablestore::storage
