#include "spool/spool_record.h"

#include <algorithm>
#include <cstring>

#include "spool/crc32c.h"

namespace triggerd::spool {
namespace {

constexpr size_t kVersionAt = 4;
constexpr size_t kReservedAt = 5;
constexpr size_t kLengthAt = 8;
constexpr size_t kSequenceAt = 12;
constexpr size_t kTimeAt = 20;
constexpr size_t kCrcAt = 28;

void putLe(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

uint64_t getLe(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(in[at + static_cast<size_t>(i)]);
  }
  return v;
}

// The bytes of an interrupted header write are a prefix of a plausible header: the magic, then
// our version, then zero reserved bytes, as far as they go.
bool plausibleHeaderPrefix(std::string_view prefix) {
  std::string expected(kRecordMagic);
  expected += static_cast<char>(kRecordFormatVersion);
  expected.append(3, '\0');
  size_t n = std::min(prefix.size(), expected.size());
  return prefix.substr(0, n) == std::string_view(expected).substr(0, n);
}

}  // namespace

void appendRecord(std::string& out, uint64_t sequence, int64_t append_unix_ms,
                  std::string_view payload) {
  size_t start = out.size();
  out.reserve(start + recordSize(payload.size()));
  out += kRecordMagic;
  out += static_cast<char>(kRecordFormatVersion);
  out.append(3, '\0');
  putLe(out, payload.size(), 4);
  putLe(out, sequence, 8);
  putLe(out, static_cast<uint64_t>(append_unix_ms), 8);
  uint32_t crc = crc32c(std::string_view(out).substr(start, kCrcAt));
  putLe(out, crc32c(payload, crc), 4);
  out += payload;
}

const char* entryKindName(SegmentEntry::Kind kind) {
  switch (kind) {
    case SegmentEntry::Kind::kEnd:
      return "end";
    case SegmentEntry::Kind::kRecord:
      return "record";
    case SegmentEntry::Kind::kCorrupt:
      return "corrupt";
    case SegmentEntry::Kind::kTornTail:
      return "torn tail";
    case SegmentEntry::Kind::kNeedMore:
      return "need more";
  }
  return "unknown";
}

SegmentDecoder::SegmentDecoder(std::string_view segment)
    : SegmentDecoder(segment, 0, segment.size()) {}

SegmentDecoder::SegmentDecoder(std::string_view window, uint64_t window_offset,
                               uint64_t segment_end)
    : window_(window),
      base_(window_offset),
      end_(std::max(segment_end, window_offset + window.size())),
      position_(window_offset) {}

std::string_view SegmentDecoder::bytes(uint64_t offset, uint64_t length) const {
  return window_.substr(static_cast<size_t>(offset - base_), static_cast<size_t>(length));
}

bool SegmentDecoder::allZero(uint64_t from, uint64_t to) const {
  std::string_view b = bytes(from, to - from);
  return std::all_of(b.begin(), b.end(), [](char c) { return c == '\0'; });
}

SegmentDecoder::Attempt SegmentDecoder::parseAt(uint64_t offset) const {
  const uint64_t in_window = base_ + window_.size() - offset;
  const uint64_t in_segment = end_ - offset;
  if (in_window < kRecordHeaderBytes) {
    if (in_segment >= kRecordHeaderBytes) return {Parse::kShort, kRecordHeaderBytes};
    return {Parse::kInvalid, 0, plausibleHeaderPrefix(bytes(offset, in_window)),
            "the segment ends inside a record header"};
  }
  std::string_view h = bytes(offset, kRecordHeaderBytes);
  if (h.substr(0, kRecordMagic.size()) != kRecordMagic) {
    return {Parse::kInvalid, 0, false, "no record magic"};
  }
  if (static_cast<uint8_t>(h[kVersionAt]) != kRecordFormatVersion) {
    return {Parse::kInvalid, 0, false, "unknown record format version"};
  }
  if (getLe(h, kReservedAt, 3) != 0) return {Parse::kInvalid, 0, false, "reserved bytes set"};
  uint64_t length = getLe(h, kLengthAt, 4);
  if (length > kMaxRecordPayloadBytes) {
    return {Parse::kInvalid, 0, false, "payload length above the maximum"};
  }
  uint64_t size = recordSize(length);
  if (size > in_segment) {
    return {Parse::kInvalid, 0, true, "the record runs past the end of the segment"};
  }
  if (size > in_window) return {Parse::kShort, size};
  uint32_t crc = crc32c(h.substr(0, kCrcAt));
  crc = crc32c(bytes(offset + kRecordHeaderBytes, length), crc);
  if (crc != static_cast<uint32_t>(getLe(h, kCrcAt, 4))) {
    return {Parse::kInvalid, 0, false, "checksum mismatch"};
  }
  return {Parse::kValid, size};
}

SegmentEntry SegmentDecoder::recordAt(uint64_t offset, uint64_t size) const {
  std::string_view h = bytes(offset, kRecordHeaderBytes);
  SegmentEntry e;
  e.kind = SegmentEntry::Kind::kRecord;
  e.offset = offset;
  e.length = size;
  e.sequence = getLe(h, kSequenceAt, 8);
  e.append_unix_ms = static_cast<int64_t>(getLe(h, kTimeAt, 8));
  e.payload = bytes(offset + kRecordHeaderBytes, size - kRecordHeaderBytes);
  return e;
}

SegmentEntry SegmentDecoder::next() {
  SegmentEntry e;
  e.offset = position_;
  if (position_ >= end_) return e;  // kEnd
  const uint64_t window_end = base_ + window_.size();
  if (position_ >= window_end) {
    e.kind = SegmentEntry::Kind::kNeedMore;
    e.length = std::min<uint64_t>(end_ - position_, kRecordHeaderBytes);
    return e;
  }
  Attempt a = parseAt(position_);
  if (a.result == Parse::kValid) {
    e = recordAt(position_, a.size);
    position_ += a.size;
    return e;
  }
  if (a.result == Parse::kShort || window_end < end_) {
    // Deciding needs more bytes: the rest of this record, or, to resynchronise, the rest of the
    // segment.
    e.kind = SegmentEntry::Kind::kNeedMore;
    e.length = a.result == Parse::kShort ? a.size : end_ - position_;
    return e;
  }
  e.reason = a.why;
  // Resynchronise: the next offset where a whole record with a matching checksum starts.
  for (uint64_t q = position_ + 1; q + kRecordHeaderBytes <= end_;) {
    std::string_view rest = bytes(q, end_ - q);
    const void* hit = std::memchr(rest.data(), kRecordMagic[0], rest.size());
    if (!hit) break;
    q += static_cast<uint64_t>(static_cast<const char*>(hit) - rest.data());
    if (q + kRecordHeaderBytes > end_) break;
    if (parseAt(q).result == Parse::kValid) {
      e.kind = SegmentEntry::Kind::kCorrupt;
      e.length = q - position_;
      position_ = q;
      return e;
    }
    ++q;
  }
  // Nothing valid follows: the rest of the segment is one tail.
  bool zeros = allZero(position_, end_);
  e.kind = a.torn_shape || zeros ? SegmentEntry::Kind::kTornTail : SegmentEntry::Kind::kCorrupt;
  if (zeros && !a.torn_shape) e.reason = "zero bytes after the last record";
  e.length = end_ - position_;
  position_ = end_;
  return e;
}

}  // namespace triggerd::spool
