// The ROW / CELL / VALUE JSON shapes of ../shared/testdata/README.md.

#include "tunnel/protocol/row_json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace tablestore::tunnel {
namespace {

using base::Cell;
using base::CellOp;
using base::Row;
using base::Status;
using base::Value;
using base::ValueType;
using nlohmann::json;

constexpr char kHexDigits[] = "0123456789abcdef";

std::string ToHex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHexDigits[c >> 4]);
    out.push_back(kHexDigits[c & 15]);
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool FromHex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  out->reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexValue(hex[i]), lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

std::string Hex2(uint8_t b) { return {kHexDigits[b >> 4], kHexDigits[b & 15]}; }

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) <= n) return false;
    for (size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (p[i] & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += n + 1;
  }
  return true;
}

// The readable form of testdata/README.md: "NaN", "Infinity", "-Infinity", or the shortest
// round-trip decimal written as Python's repr writes it ("-0.0", "1.5", "1e+16", "1e-05").
std::string ReadableDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));  // e.g. "-1.5e+00"
  std::string out;
  if (!sci.empty() && sci[0] == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exp = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp);
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const size_t int_len = static_cast<size_t>(exp) + 1;
      if (digits.size() <= int_len) {
        out += digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    } else {
      out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    }
  } else {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += ebuf;
  }
  return out;
}

// --- Lenient input ---------------------------------------------------------------------

// The member `name`, or nullptr when absent or null.
const json* Field(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

Status Invalid(const std::string& field, const std::string& what) {
  return base::InvalidArgumentError("field '" + field + "': " + what);
}

// A 64-bit integer given as a decimal string or a JSON integer.
base::Result<int64_t> ParseInt64(const json& j, const std::string& field) {
  if (j.is_number_integer()) {
    if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return Invalid(field, "out of the int64 range");
    }
    return j.get<int64_t>();
  }
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    int64_t v = 0;
    const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    if (res.ec == std::errc() && res.ptr == s.data() + s.size() && !s.empty()) return v;
  }
  return Invalid(field, "expected a decimal int64 string");
}

base::Result<int32_t> ParseInt32(const json& j, const std::string& field) {
  TS_ASSIGN_OR_RETURN(const int64_t v, ParseInt64(j, field));
  if (v < INT32_MIN || v > INT32_MAX) return Invalid(field, "out of the int32 range");
  return static_cast<int32_t>(v);
}

base::Result<double> ParseReadableDouble(const json& j, const std::string& field) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "NaN") return std::nan("");
    if (s == "Infinity") return HUGE_VAL;
    if (s == "-Infinity") return -HUGE_VAL;
    double v = 0;
    const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    if (res.ec == std::errc() && res.ptr == s.data() + s.size() && !s.empty()) return v;
  }
  return Invalid(field, "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
}

Status ParseValueInto(const json& j, Value* v) {
  if (!j.is_object()) return Invalid("value", "expected an object");
  const json* type = Field(j, "type");
  if (type == nullptr || !type->is_string()) return Invalid("type", "expected a type name");
  const std::string& t = type->get_ref<const std::string&>();
  const json* value = Field(j, "value");
  if (t == "integer") {
    if (value == nullptr) return Invalid("value", "missing");
    TS_ASSIGN_OR_RETURN(const int64_t i, ParseInt64(*value, "value"));
    *v = Value::Integer(i);
  } else if (t == "double") {
    if (const json* bits = Field(j, "bits")) {
      uint64_t b = 0;
      const std::string* s = bits->is_string() ? &bits->get_ref<const std::string&>() : nullptr;
      if (s == nullptr || s->empty() || s->size() > 16 ||
          std::from_chars(s->data(), s->data() + s->size(), b, 16).ptr != s->data() + s->size()) {
        return Invalid("bits", "expected 16 hex digits");
      }
      *v = Value::DoubleBits(b);
    } else if (value != nullptr) {
      TS_ASSIGN_OR_RETURN(const double d, ParseReadableDouble(*value, "value"));
      *v = Value::Double(d);
    } else {
      return Invalid("value", "a double needs 'bits' or 'value'");
    }
  } else if (t == "boolean") {
    if (value == nullptr || !value->is_boolean()) return Invalid("value", "expected true/false");
    *v = Value::Boolean(value->get<bool>());
  } else if (t == "string") {
    std::string bytes;
    if (const json* hex = Field(j, "utf8_hex")) {
      if (!hex->is_string() || !FromHex(hex->get_ref<const std::string&>(), &bytes)) {
        return Invalid("utf8_hex", "expected hex digits");
      }
    } else if (value != nullptr && value->is_string()) {
      bytes = value->get<std::string>();
    } else {
      return Invalid("value", "a string needs 'value' or 'utf8_hex'");
    }
    *v = Value::String(std::move(bytes));
  } else if (t == "binary") {
    std::string bytes;
    const json* hex = Field(j, "hex");
    if (hex == nullptr || !hex->is_string() ||
        !FromHex(hex->get_ref<const std::string&>(), &bytes)) {
      return Invalid("hex", "expected hex digits");
    }
    *v = Value::Binary(std::move(bytes));
  } else if (t == "inf_min") {
    *v = Value::InfMin();
  } else if (t == "inf_max") {
    *v = Value::InfMax();
  } else if (t == "auto_increment") {
    *v = Value::AutoIncrement();
  } else {
    return Invalid("type", "unknown type '" + t + "'");
  }
  return Status();
}

Status ParseCellInto(const json& j, Cell* c) {
  if (!j.is_object()) return Invalid("cell", "expected an object");
  const json* name = Field(j, "name");
  if (name == nullptr || !name->is_string()) return Invalid("name", "expected a string");
  c->name = name->get<std::string>();
  if (const json* value = Field(j, "value")) {
    Status s = ParseValueInto(*value, &c->value.emplace());
    if (!s.ok()) return s.WithContext("value");
  }
  if (const json* ts = Field(j, "timestamp")) {
    TS_ASSIGN_OR_RETURN(c->timestamp, ParseInt64(*ts, "timestamp"));
  }
  if (const json* type = Field(j, "cell_type")) {
    const std::string t = type->is_string() ? type->get<std::string>() : "";
    if (t == "put") {
      c->op = CellOp::kPut;
    } else if (t == "delete_one_version") {
      c->op = CellOp::kDeleteOneVersion;
    } else if (t == "delete_all_versions") {
      c->op = CellOp::kDeleteAllVersions;
    } else {
      return Invalid("cell_type", "expected null, \"delete_one_version\" or \"delete_all_versions\"");
    }
  }
  if (const json* sum = Field(j, "checksum")) {
    std::string b;
    if (!sum->is_string() || !FromHex(sum->get_ref<const std::string&>(), &b) || b.size() != 1) {
      return Invalid("checksum", "expected two hex digits");
    }
    c->checksum = static_cast<uint8_t>(b[0]);
  }
  return Status();
}

Status ParseCells(const json& j, const char* field, std::vector<Cell>* out) {
  const json* list = Field(j, field);
  if (list == nullptr) return Status();
  if (!list->is_array()) return Invalid(field, "expected a list of cells");
  for (size_t i = 0; i < list->size(); ++i) {
    Status s = ParseCellInto((*list)[i], &out->emplace_back());
    if (!s.ok()) return s.WithContext(std::string(field) + "[" + std::to_string(i) + "]");
  }
  return Status();
}

Status ParseRowInto(const json& j, Row* r) {
  if (!j.is_object()) return Invalid("row", "expected an object");
  TS_RETURN_IF_ERROR(ParseCells(j, "primary_key", &r->primary_key));
  TS_RETURN_IF_ERROR(ParseCells(j, "cells", &r->cells));
  if (const json* dm = Field(j, "delete_marker")) {
    if (!dm->is_boolean()) return Invalid("delete_marker", "expected true/false");
    r->delete_marker = dm->get<bool>();
  }
  if (const json* ext = Field(j, "extension")) {
    if (!ext->is_object()) return Invalid("extension", "expected null or an object");
    base::SequenceInfo& seq = r->sequence.emplace();
    if (const json* f = Field(*ext, "epoch")) {
      TS_ASSIGN_OR_RETURN(seq.epoch, ParseInt32(*f, "extension.epoch"));
    }
    if (const json* f = Field(*ext, "timestamp")) {
      TS_ASSIGN_OR_RETURN(seq.timestamp, ParseInt64(*f, "extension.timestamp"));
    }
    if (const json* f = Field(*ext, "row_index")) {
      TS_ASSIGN_OR_RETURN(seq.row_index, ParseInt32(*f, "extension.row_index"));
    }
  }
  if (const json* sum = Field(j, "checksum")) {
    std::string b;
    if (!sum->is_string() || !FromHex(sum->get_ref<const std::string&>(), &b) || b.size() != 1) {
      return Invalid("checksum", "expected two hex digits");
    }
    r->checksum = static_cast<uint8_t>(b[0]);
  }
  return Status();
}

// nlohmann throws on type confusion we did not foresee; keep it inside this file.
template <class T, class F>
base::Result<T> Guarded(F&& parse) {
  try {
    T out;
    Status s = parse(&out);
    if (!s.ok()) return s;
    return out;
  } catch (const nlohmann::json::exception& e) {
    return base::InvalidArgumentError(std::string("bad JSON: ") + e.what());
  }
}

}  // namespace

json ValueToJson(const Value& v) {
  json j = json::object();
  j["type"] = std::string(base::ValueTypeName(v.type));
  switch (v.type) {
    case ValueType::kInteger:
      j["value"] = std::to_string(v.integer);
      break;
    case ValueType::kDouble: {
      char bits[24];
      std::snprintf(bits, sizeof bits, "%016llx",
                    static_cast<unsigned long long>(v.double_bits()));
      j["value"] = ReadableDouble(v.dbl);
      j["bits"] = bits;
      break;
    }
    case ValueType::kBoolean:
      j["value"] = v.boolean();
      break;
    case ValueType::kString:
      j["value"] = IsValidUtf8(v.bytes) ? json(v.bytes) : json(nullptr);
      j["utf8_hex"] = ToHex(v.bytes);
      break;
    case ValueType::kBinary:
      j["hex"] = ToHex(v.bytes);
      break;
    default:
      break;
  }
  return j;
}

json CellToJson(const Cell& c) {
  json j = json::object();
  j["name"] = c.name;
  j["value"] = c.value ? ValueToJson(*c.value) : json(nullptr);
  j["timestamp"] = c.timestamp ? json(std::to_string(*c.timestamp)) : json(nullptr);
  j["cell_type"] = c.op == CellOp::kPut ? json(nullptr) : json(std::string(base::CellOpName(c.op)));
  j["checksum"] = Hex2(c.checksum);
  return j;
}

json RowToJson(const Row& r) {
  json j = json::object();
  json pk = json::array();
  for (const Cell& c : r.primary_key) pk.push_back(CellToJson(c));
  json cells = json::array();
  for (const Cell& c : r.cells) cells.push_back(CellToJson(c));
  j["primary_key"] = std::move(pk);
  j["cells"] = std::move(cells);
  j["delete_marker"] = r.delete_marker;
  if (r.sequence) {
    j["extension"] = {{"epoch", r.sequence->epoch},
                      {"timestamp", std::to_string(r.sequence->timestamp)},
                      {"row_index", r.sequence->row_index}};
  } else {
    j["extension"] = nullptr;
  }
  j["checksum"] = Hex2(r.checksum);
  return j;
}

base::Result<Value> ValueFromJson(const json& j) {
  return Guarded<Value>([&](Value* v) { return ParseValueInto(j, v); });
}

base::Result<Cell> CellFromJson(const json& j) {
  return Guarded<Cell>([&](Cell* c) { return ParseCellInto(j, c); });
}

base::Result<Row> RowFromJson(const json& j) {
  return Guarded<Row>([&](Row* r) { return ParseRowInto(j, r); });
}

}  // namespace tablestore::tunnel
