#include "tunnel/emulator/encoded_record.h"

#include "tunnel/protocol/plain_buffer.h"

namespace tablestore::tunnel::emulator {
namespace {

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

}  // namespace

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

EncodedRecord EncodeRecordEntry(base::ActionType action, const base::Row& row) {
  // Encoded into a per-thread buffer first (the entry's length prefix needs its size), so
  // that the entry itself is one exact allocation.
  thread_local std::string pb;
  pb.clear();
  EncodePlainBufferRow(row, &pb);
  // Record { 1: action_type (varint), 2: record (bytes) }.
  size_t record_len =
      1 + VarintSize(static_cast<uint64_t>(action)) + 1 + VarintSize(pb.size()) + pb.size();
  EncodedRecord out;
  out.wire.reserve(1 + VarintSize(record_len) + record_len);
  out.wire.push_back(0x0a);
  AppendVarint(&out.wire, record_len);
  out.wire.push_back(0x08);
  AppendVarint(&out.wire, static_cast<uint64_t>(action));
  out.wire.push_back(0x12);
  AppendVarint(&out.wire, pb.size());
  out.plainbuffer_offset = static_cast<uint32_t>(out.wire.size());
  out.plainbuffer_size = static_cast<uint32_t>(pb.size());
  out.wire.append(pb);
  return out;
}

std::string BuildReadRecordsPage(const std::vector<const EncodedRecord*>& records,
                                 std::string_view next_token, bool may_more_record,
                                 std::vector<size_t>* plainbuffer_offsets) {
  size_t total = 0;
  for (const EncodedRecord* r : records) total += r->wire.size();
  std::string page;
  page.reserve(total + next_token.size() + 16);
  for (const EncodedRecord* r : records) {
    if (plainbuffer_offsets) plainbuffer_offsets->push_back(page.size() + r->plainbuffer_offset);
    page.append(r->wire);
  }
  page.push_back(0x12);  // 2: next_token
  AppendVarint(&page, next_token.size());
  page.append(next_token);
  page.push_back(0x18);  // 3: may_more_record
  page.push_back(may_more_record ? 1 : 0);
  return page;
}

bool CorruptOneCellByte(std::string* page, size_t offset, size_t size, uint64_t random) {
  // header(4) TAG_ROW_PK TAG_CELL TAG_CELL_NAME uint32 name_len name...
  constexpr size_t kNameLenAt = 7;
  constexpr size_t kNameAt = 11;
  if (offset > page->size() || size > page->size() - offset || size <= kNameAt) return false;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(page->data() + offset);
  uint32_t name_len = static_cast<uint32_t>(p[kNameLenAt]) |
                      (static_cast<uint32_t>(p[kNameLenAt + 1]) << 8) |
                      (static_cast<uint32_t>(p[kNameLenAt + 2]) << 16) |
                      (static_cast<uint32_t>(p[kNameLenAt + 3]) << 24);
  if (name_len == 0 || name_len > size - kNameAt) return false;
  size_t at = offset + kNameAt + static_cast<size_t>(random % name_len);
  uint8_t mask = static_cast<uint8_t>((random >> 32) % 255 + 1);  // never 0
  (*page)[at] = static_cast<char>(static_cast<uint8_t>((*page)[at]) ^ mask);
  return true;
}

}  // namespace tablestore::tunnel::emulator
