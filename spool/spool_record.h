// The spool's on-disk record format and its decoder. Pure: no I/O, so the same code checks
// segments at start-up, reads them for replay, and runs under the fuzzer.
//
// A segment file is a sequence of records, nothing else. One record, integers little-endian:
//
//   offset  size  field
//        0     4  magic "\xF5SPL" (0xF5 never occurs in UTF-8, so not in JSON payloads)
//        4     1  format version, 1
//        5     3  reserved, zero
//        8     4  payload length N (at most kMaxRecordPayloadBytes)
//       12     8  sequence number (increasing across segments)
//       20     8  append time, Unix milliseconds
//       28     4  CRC-32C of bytes 0..27 followed by the payload
//       32     N  payload (opaque)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace triggerd::spool {

inline constexpr size_t kRecordHeaderBytes = 32;
inline constexpr uint8_t kRecordFormatVersion = 1;
inline constexpr std::string_view kRecordMagic = "\xF5SPL";
inline constexpr uint32_t kMaxRecordPayloadBytes = 64u << 20;

// Bytes one record of `payload_bytes` takes on disk.
constexpr uint64_t recordSize(uint64_t payload_bytes) {
  return kRecordHeaderBytes + payload_bytes;
}

// Appends the encoded record to `out`. The payload must not exceed kMaxRecordPayloadBytes.
void appendRecord(std::string& out, uint64_t sequence, int64_t append_unix_ms,
                  std::string_view payload);

// One step of decoding a segment.
struct SegmentEntry {
  enum class Kind {
    kEnd,       // no more bytes in the segment
    kRecord,    // a complete record whose checksum matches
    kCorrupt,   // bytes that are not a valid record, followed by a valid record or the end
    kTornTail,  // the segment ends inside a record: the write of an unacknowledged batch was cut
                // short by a crash (a header that runs past the end, or zero bytes)
    kNeedMore,  // the window given to the decoder ends before a decision; read more bytes
  };
  Kind kind = Kind::kEnd;
  uint64_t offset = 0;  // segment offset where the entry starts
  // Bytes the entry spans. kNeedMore: bytes needed from `offset` (up to the segment end).
  uint64_t length = 0;
  uint64_t sequence = 0;       // kRecord
  int64_t append_unix_ms = 0;  // kRecord
  std::string_view payload;    // kRecord: points into the bytes given to the decoder
  std::string reason;          // kCorrupt, kTornTail: what is wrong, for the log line
};

const char* entryKindName(SegmentEntry::Kind kind);

// Walks a segment record by record. After a corrupt stretch it resynchronises: it scans forward
// for the next offset where a complete record with a matching checksum starts and reports the
// bytes in between as one kCorrupt entry, so one damaged record does not hide the acknowledged
// records behind it. Bytes after the last valid record that look like an interrupted write are
// kTornTail; any other unparsable tail is kCorrupt.
class SegmentDecoder {
 public:
  // `segment`: every byte of the segment.
  explicit SegmentDecoder(std::string_view segment);
  // `window`: the segment's bytes from offset `window_offset` on, possibly fewer than the
  // segment holds; `segment_end` is the segment's size. Entries that need bytes beyond the
  // window come back as kNeedMore, and the caller decodes again from that entry's offset.
  SegmentDecoder(std::string_view window, uint64_t window_offset, uint64_t segment_end);

  SegmentEntry next();
  uint64_t position() const { return position_; }  // segment offset of the next entry

 private:
  enum class Parse { kValid, kShort, kInvalid };
  struct Attempt {
    Parse result = Parse::kInvalid;
    uint64_t size = 0;          // kValid: record size; kShort: bytes needed
    bool torn_shape = false;    // kInvalid: looks like a record cut off by the segment end
    const char* why = nullptr;  // kInvalid
  };
  Attempt parseAt(uint64_t offset) const;
  SegmentEntry recordAt(uint64_t offset, uint64_t size) const;
  bool allZero(uint64_t from, uint64_t to) const;
  std::string_view bytes(uint64_t offset, uint64_t length) const;

  std::string_view window_;
  uint64_t base_ = 0;  // segment offset of window_[0]
  uint64_t end_ = 0;   // segment size
  uint64_t position_ = 0;
};

}  // namespace triggerd::spool
