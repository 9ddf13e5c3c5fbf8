#pragma once

// Tunnel records pre-encoded once at write time, so that ReadRecords pages are slices
// concatenated behind each other (docs/tunnel-protocol.md §3.3 ReadRecordsResponse,
// §8 PlainBuffer). Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tablestore/base/row.h"

namespace tablestore::tunnel::emulator {

// One `records` entry of a ReadRecordsResponse: tag 0x0a, varint length, then the Record
// message (action_type, record = one PlainBuffer row with correct checksums).
struct EncodedRecord {
  std::string wire;
  uint32_t plainbuffer_offset = 0;  // start of Record.record inside `wire`
  uint32_t plainbuffer_size = 0;

  std::string_view plainbuffer() const {
    return std::string_view(wire).substr(plainbuffer_offset, plainbuffer_size);
  }
};

// Encodes `row` (with its sequence info, if any) as a record entry.
EncodedRecord EncodeRecordEntry(base::ActionType action, const base::Row& row);

// Builds a serialized ReadRecordsResponse from entries: identical to what protobuf would
// serialize for the same message. Records the offset of each entry's PlainBuffer in the
// page in `*plainbuffer_offsets` (if not null).
std::string BuildReadRecordsPage(const std::vector<const EncodedRecord*>& records,
                                 std::string_view next_token, bool may_more_record,
                                 std::vector<size_t>* plainbuffer_offsets = nullptr);

// Flips exactly one byte of the first primary-key cell's name inside the PlainBuffer at
// `offset` of `page` (those bytes are covered by the cell checksum, §8.4, so CRC-8 detects
// it). `random` picks the byte and the flip mask. Returns false if nothing was changed.
bool CorruptOneCellByte(std::string* page, size_t offset, size_t size, uint64_t random);

void AppendVarint(std::string* out, uint64_t v);

}  // namespace tablestore::tunnel::emulator
