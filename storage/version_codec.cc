#include "storage/version_codec.h"

#include <algorithm>

namespace tablestore::storage {

namespace {

constexpr uint8_t kFormat = 0x01;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

// Reads a varint; false on truncation or more than 10 bytes.
bool GetVarint(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t byte = *(*p)++;
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

int64_t WrappingSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t WrappingAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

}  // namespace

void VersionCodec::Encode(const std::vector<CellVersion>& cells, std::string* out) {
  out->clear();
  size_t highest = 0;
  bool any = false;
  bool all_same = true;
  int64_t first = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (!cells[i].present) continue;
    if (!any) {
      first = cells[i].timestamp;
      any = true;
    } else if (cells[i].timestamp != first) {
      all_same = false;
    }
    highest = i;
  }
  if (!any) return;

  // The row timestamp is the most common version (ties: the smallest), so that only
  // cells written apart from the rest cost bytes.
  int64_t row_ts = first;
  if (!all_same) {
    scratch_.clear();
    for (const CellVersion& c : cells) {
      if (c.present) scratch_.push_back(c.timestamp);
    }
    std::sort(scratch_.begin(), scratch_.end());
    size_t best = 0;
    for (size_t i = 0; i < scratch_.size();) {
      size_t j = i;
      while (j < scratch_.size() && scratch_[j] == scratch_[i]) ++j;
      if (j - i > best) {
        best = j - i;
        row_ts = scratch_[i];
      }
      i = j;
    }
  }

  size_t bits = highest + 1;
  out->push_back(static_cast<char>(kFormat));
  PutVarint(bits, out);
  size_t bitmap_at = out->size();
  out->append((bits + 7) / 8, '\0');
  for (size_t i = 0; i < bits; ++i) {
    if (cells[i].present) (*out)[bitmap_at + i / 8] |= static_cast<char>(1u << (i % 8));
  }
  PutVarint(ZigZag(row_ts), out);
  for (size_t i = 0; i < bits; ++i) {
    const CellVersion& c = cells[i];
    if (!c.present) continue;
    bool has_ts = c.timestamp != row_ts;
    if (!has_ts && c.tag == ValueTag::kPlain) continue;
    PutVarint((static_cast<uint64_t>(i) << 3) | (has_ts ? 4u : 0u) |
                  static_cast<uint64_t>(c.tag),
              out);
    if (has_ts) PutVarint(ZigZag(WrappingSub(c.timestamp, row_ts)), out);
  }
}

base::Status VersionCodec::Decode(const void* data, size_t size, size_t column_count,
                                  std::vector<CellVersion>* cells) {
  cells->assign(column_count, CellVersion{});
  if (size == 0) return base::Status::Ok();
  const uint8_t* p = static_cast<const uint8_t*>(data);
  const uint8_t* end = p + size;
  auto damaged = [](const char* why) {
    return base::DataLossError(std::string("damaged _replicator column: ") + why);
  };
  if (*p++ != kFormat) return damaged("unknown format byte");
  uint64_t bits;
  if (!GetVarint(&p, end, &bits)) return damaged("truncated bitmap length");
  if (bits > column_count) return damaged("bitmap longer than the table's columns");
  size_t bitmap_bytes = static_cast<size_t>((bits + 7) / 8);
  if (static_cast<size_t>(end - p) < bitmap_bytes) return damaged("truncated bitmap");
  const uint8_t* bitmap = p;
  p += bitmap_bytes;
  uint64_t zz;
  if (!GetVarint(&p, end, &zz)) return damaged("truncated row timestamp");
  int64_t row_ts = UnZigZag(zz);
  for (size_t i = 0; i < bits; ++i) {
    if (bitmap[i / 8] & (1u << (i % 8))) {
      (*cells)[i].present = true;
      (*cells)[i].timestamp = row_ts;
    }
  }
  while (p < end) {
    uint64_t head;
    if (!GetVarint(&p, end, &head)) return damaged("truncated entry");
    uint64_t ordinal = head >> 3;
    uint8_t tag = static_cast<uint8_t>(head & 3);
    if (ordinal >= bits || !(*cells)[ordinal].present) {
      return damaged("entry for a column without a value");
    }
    if (tag > static_cast<uint8_t>(ValueTag::kNaN)) return damaged("unknown value tag");
    CellVersion& c = (*cells)[ordinal];
    c.tag = static_cast<ValueTag>(tag);
    if (head & 4) {
      if (!GetVarint(&p, end, &zz)) return damaged("truncated cell timestamp");
      c.timestamp = WrappingAdd(row_ts, UnZigZag(zz));
    }
  }
  return base::Status::Ok();
}

}  // namespace tablestore::storage
