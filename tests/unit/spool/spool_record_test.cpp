#include "spool/spool_record.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "spool/crc32c.h"

namespace triggerd::spool {
namespace {

using Kind = SegmentEntry::Kind;

struct Sample {
  uint64_t sequence;
  int64_t ms;
  std::string payload;
};

std::vector<Sample> samples() {
  std::string binary;
  for (int i = 0; i < 1000; ++i) binary += static_cast<char>(i * 7);  // includes 0xF5 bytes
  return {{1, 1764064800000, R"({"jobs":[]})"}, {2, 1764064800001, ""}, {7, 1764064801234, binary}};
}

std::string encode(const std::vector<Sample>& records) {
  std::string out;
  for (const Sample& s : records) appendRecord(out, s.sequence, s.ms, s.payload);
  return out;
}

std::vector<SegmentEntry> decodeAll(std::string_view segment) {
  std::vector<SegmentEntry> out;
  SegmentDecoder d(segment);
  for (SegmentEntry e = d.next(); e.kind != Kind::kEnd; e = d.next()) {
    EXPECT_NE(e.kind, Kind::kNeedMore) << "a whole segment never needs more";
    if (e.kind == Kind::kNeedMore) break;
    out.push_back(e);
  }
  return out;
}

TEST(SpoolRecord, RoundTripsRecordsInOrderWithTheirOffsets) {
  auto in = samples();
  std::string seg = encode(in);
  auto out = decodeAll(seg);
  ASSERT_EQ(out.size(), in.size());
  uint64_t offset = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].kind, Kind::kRecord);
    EXPECT_EQ(out[i].offset, offset);
    EXPECT_EQ(out[i].length, recordSize(in[i].payload.size()));
    EXPECT_EQ(out[i].sequence, in[i].sequence);
    EXPECT_EQ(out[i].append_unix_ms, in[i].ms);
    EXPECT_EQ(out[i].payload, in[i].payload);
    offset += out[i].length;
  }
  EXPECT_EQ(offset, seg.size());
  EXPECT_TRUE(decodeAll("").empty());
}

// The layout is documented in spool_record.h and docs/spool.md; this pins it byte for byte.
TEST(SpoolRecord, HeaderLayoutIsTheDocumentedOne) {
  std::string rec;
  appendRecord(rec, 0x0102030405060708, 0x1112131415161718, "hello");
  ASSERT_EQ(rec.size(), 32u + 5u);
  EXPECT_EQ(rec.substr(0, 4), std::string("\xF5SPL"));
  EXPECT_EQ(rec[4], 1);                                       // version
  EXPECT_EQ(rec.substr(5, 3), std::string(3, '\0'));          // reserved
  EXPECT_EQ(rec.substr(8, 4), std::string("\x05\0\0\0", 4));  // length, little-endian
  EXPECT_EQ(rec.substr(12, 8), std::string("\x08\x07\x06\x05\x04\x03\x02\x01"));
  EXPECT_EQ(rec.substr(20, 8), std::string("\x18\x17\x16\x15\x14\x13\x12\x11"));
  uint32_t crc =
      crc32c(std::string_view(rec).substr(32), crc32c(std::string_view(rec).substr(0, 28)));
  std::string crc_le;
  for (int i = 0; i < 4; ++i) crc_le += static_cast<char>((crc >> (8 * i)) & 0xFF);
  EXPECT_EQ(rec.substr(28, 4), crc_le);
  EXPECT_EQ(rec.substr(32), "hello");
}

// A crash during a write leaves the last record cut short anywhere: never a record, always a
// torn tail starting where that record starts.
TEST(SpoolRecord, EveryCutOfTheLastRecordIsATornTail) {
  auto in = samples();
  in.pop_back();
  in.push_back({9, 1764064900000, "payload of the record being written"});
  std::string seg = encode(in);
  const uint64_t last_start = seg.size() - recordSize(in.back().payload.size());
  for (uint64_t cut = last_start + 1; cut < seg.size(); ++cut) {
    auto out = decodeAll(std::string_view(seg).substr(0, cut));
    ASSERT_EQ(out.size(), 3u) << "cut at " << cut;
    EXPECT_EQ(out[0].kind, Kind::kRecord);
    EXPECT_EQ(out[1].kind, Kind::kRecord);
    EXPECT_EQ(out[2].kind, Kind::kTornTail) << "cut at " << cut << ": " << out[2].reason;
    EXPECT_EQ(out[2].offset, last_start);
    EXPECT_EQ(out[2].length, cut - last_start);
  }
}

TEST(SpoolRecord, ZeroBytesAfterTheLastRecordAreATornTail) {
  // What a file system may show after a crash that extended the file but not its data.
  std::string seg = encode(samples());
  const uint64_t end = seg.size();
  seg.append(4096, '\0');
  auto out = decodeAll(seg);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[3].kind, Kind::kTornTail);
  EXPECT_EQ(out[3].offset, end);
  EXPECT_EQ(out[3].length, 4096u);
}

// Any single damaged byte of a middle record: that record is reported corrupt at its offset and
// the decoder resynchronises on the next one, which is still returned.
TEST(SpoolRecord, ADamagedMiddleRecordIsCorruptAndTheNextOneStillDecodes) {
  auto in = samples();
  in[1].payload = "the middle record";
  std::string good = encode(in);
  const uint64_t start = recordSize(in[0].payload.size());
  const uint64_t size = recordSize(in[1].payload.size());
  for (uint64_t at = start; at < start + size; ++at) {
    std::string seg = good;
    seg[at] = static_cast<char>(seg[at] ^ 0x10);
    auto out = decodeAll(seg);
    ASSERT_EQ(out.size(), 3u) << "byte " << at;
    EXPECT_EQ(out[0].kind, Kind::kRecord);
    EXPECT_EQ(out[0].sequence, 1u);
    EXPECT_EQ(out[1].kind, Kind::kCorrupt) << "byte " << at;
    EXPECT_EQ(out[1].offset, start);
    EXPECT_EQ(out[1].length, size);
    EXPECT_FALSE(out[1].reason.empty());
    EXPECT_EQ(out[2].kind, Kind::kRecord);
    EXPECT_EQ(out[2].sequence, 7u);
    EXPECT_EQ(out[2].payload, in[2].payload);
  }
}

TEST(SpoolRecord, ADamagedCompleteLastRecordIsCorruptNotTorn) {
  // Its length fits the segment, so it is not an interrupted write: reported loudly.
  std::string seg = encode(samples());
  seg[seg.size() - 1] = static_cast<char>(seg[seg.size() - 1] ^ 1);
  auto out = decodeAll(seg);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].kind, Kind::kCorrupt);
  EXPECT_EQ(out[2].reason, "checksum mismatch");
}

TEST(SpoolRecord, GarbageBeforeRecordsIsOneCorruptStretch) {
  std::string seg = "not a record at all \xF5 nor this" + encode(samples());
  auto out = decodeAll(seg);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].kind, Kind::kCorrupt);
  EXPECT_EQ(out[0].offset, 0u);
  EXPECT_EQ(out[0].reason, "no record magic");
  EXPECT_EQ(out[1].kind, Kind::kRecord);
  EXPECT_EQ(out[1].offset, out[0].length);
  EXPECT_EQ(decodeAll("garbage only, no zero bytes").size(), 1u);
  EXPECT_EQ(decodeAll("garbage only, no zero bytes")[0].kind, Kind::kCorrupt);
}

TEST(SpoolRecord, ALengthDamagedToRunPastTheEndDoesNotHideLaterRecords) {
  auto in = samples();
  std::string seg = encode(in);
  const uint64_t second = recordSize(in[0].payload.size());
  seg[second + 10] = '\x01';  // length + 64 KiB: within the limit, past the segment end
  auto out = decodeAll(seg);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].kind, Kind::kCorrupt);
  EXPECT_EQ(out[2].kind, Kind::kRecord);
  EXPECT_EQ(out[2].sequence, 7u);
}

TEST(SpoolRecord, APayloadThatLooksLikeARecordStaysInsideItsRecord) {
  std::string inner;
  appendRecord(inner, 99, 5, "inner");
  std::string seg;
  appendRecord(seg, 1, 5, inner);
  auto out = decodeAll(seg);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].sequence, 1u);
  EXPECT_EQ(out[0].payload, inner);
}

TEST(SpoolRecord, AWindowAsksForMoreAndDecodingResumesThere) {
  auto in = samples();
  std::string seg = encode(in);
  // A window that ends inside the third record's payload.
  const uint64_t third = recordSize(in[0].payload.size()) + recordSize(in[1].payload.size());
  SegmentDecoder d(std::string_view(seg).substr(0, third + 40), 0, seg.size());
  EXPECT_EQ(d.next().kind, Kind::kRecord);
  EXPECT_EQ(d.next().kind, Kind::kRecord);
  SegmentEntry more = d.next();
  ASSERT_EQ(more.kind, Kind::kNeedMore);
  EXPECT_EQ(more.offset, third);
  EXPECT_EQ(more.length, recordSize(in[2].payload.size()));

  SegmentDecoder rest(std::string_view(seg).substr(third, more.length), third, seg.size());
  SegmentEntry r = rest.next();
  ASSERT_EQ(r.kind, Kind::kRecord);
  EXPECT_EQ(r.sequence, 7u);
  EXPECT_EQ(rest.next().kind, Kind::kEnd);

  // A window ending inside a header asks for the header.
  SegmentDecoder header(std::string_view(seg).substr(0, 10), 0, seg.size());
  SegmentEntry h = header.next();
  EXPECT_EQ(h.kind, Kind::kNeedMore);
  EXPECT_EQ(h.length, kRecordHeaderBytes);
}

TEST(SpoolRecord, AWindowNeverResynchronisesWithoutTheRestOfTheSegment) {
  auto in = samples();
  std::string seg = encode(in);
  seg[3] = 'X';  // first record's magic
  SegmentDecoder d(std::string_view(seg).substr(0, 64), 0, seg.size());
  SegmentEntry e = d.next();
  EXPECT_EQ(e.kind, Kind::kNeedMore);
  EXPECT_EQ(e.offset, 0u);
  EXPECT_EQ(e.length, seg.size());
}

}  // namespace
}  // namespace triggerd::spool
