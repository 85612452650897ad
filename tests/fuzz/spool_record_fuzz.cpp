// The spool record decoder (spool/spool_record.h) over arbitrary segment bytes. Properties:
// - decoding a whole segment never asks for more, and its entries tile the segment exactly;
// - every record re-encodes to the very bytes it was decoded from;
// - decoding through small windows, as the replay reader does, yields the same entries.
//
// Input: the bytes of a segment file.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "spool/spool_record.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using triggerd::spool::SegmentDecoder;
using triggerd::spool::SegmentEntry;
using Kind = SegmentEntry::Kind;

void require(bool condition) {
  if (!condition) std::abort();
}

bool sameEntry(const SegmentEntry& a, const SegmentEntry& b) {
  return a.kind == b.kind && a.offset == b.offset && a.length == b.length &&
         a.sequence == b.sequence && a.append_unix_ms == b.append_unix_ms && a.payload == b.payload;
}

// The replay reader's way: decode a window; on kNeedMore read again from there, larger.
std::vector<SegmentEntry> decodeInWindows(std::string_view segment, uint64_t window) {
  std::vector<SegmentEntry> out;
  uint64_t offset = 0, want = window;
  while (offset < segment.size()) {
    uint64_t take = std::min<uint64_t>(want, segment.size() - offset);
    SegmentDecoder d(segment.substr(offset, take), offset, segment.size());
    bool progressed = false;
    for (SegmentEntry e = d.next();; e = d.next()) {
      if (e.kind == Kind::kEnd) return out;
      if (e.kind == Kind::kNeedMore) {
        require(e.offset == d.position() && e.length > 0);
        require(e.offset + e.length <= segment.size());
        want = std::max(window, e.length);
        require(progressed || e.length > take);  // asks for more than it had
        offset = e.offset;
        break;
      }
      out.push_back(e);
      progressed = true;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view segment = triggerd::fuzz::asText(data, size);
  std::vector<SegmentEntry> whole;
  SegmentDecoder d(segment);
  uint64_t expected_offset = 0;
  for (SegmentEntry e = d.next(); e.kind != Kind::kEnd; e = d.next()) {
    require(e.kind != Kind::kNeedMore);
    require(e.offset == expected_offset && e.length > 0);
    expected_offset += e.length;
    if (e.kind == Kind::kRecord) {
      std::string again;
      triggerd::spool::appendRecord(again, e.sequence, e.append_unix_ms, e.payload);
      require(again == segment.substr(e.offset, e.length));
    } else {
      require(!e.reason.empty());
    }
    // A torn tail is the last thing in a segment.
    if (!whole.empty()) require(whole.back().kind != Kind::kTornTail);
    whole.push_back(e);
  }
  require(expected_offset == segment.size());

  const uint64_t window = 1 + (size > 0 ? data[0] % 97 : 0);
  std::vector<SegmentEntry> windowed = decodeInWindows(segment, window);
  require(windowed.size() == whole.size());
  for (size_t i = 0; i < whole.size(); ++i) require(sameEntry(windowed[i], whole[i]));
  return 0;
}
