// ByteBuffer: a growable, contiguous byte array that reads and writes go straight into.
//
// std::string would zero every byte it grows by (resize) before recv() overwrites it; this one
// leaves new capacity uninitialised and keeps its capacity across clear(), so a connection reads
// request after request into the same memory. Growing moves the bytes: keep offsets, not
// pointers, across a grow (the HTTP/1.1 parser does).
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace triggerd {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  explicit ByteBuffer(size_t capacity) { reserve(capacity); }

  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_.get(), size_}; }

  // Bytes after size(): where the next read goes.
  char* spare() { return data_.get() + size_; }
  size_t spareSize() const { return capacity_ - size_; }
  // Counts n bytes written into spare() as content.
  void commit(size_t n) { size_ += n; }

  void clear() { size_ = 0; }
  // Keeps the first n bytes (n <= size()).
  void truncate(size_t n) {
    if (n < size_) size_ = n;
  }
  // Drops the first n bytes, moving the rest to the front (n <= size()).
  void consumeFront(size_t n) {
    if (n >= size_) {
      size_ = 0;
      return;
    }
    std::memmove(data_.get(), data_.get() + n, size_ - n);
    size_ -= n;
  }

  // Grows the capacity to at least n, keeping the content.
  void reserve(size_t n) {
    if (n <= capacity_) return;
    auto bigger = std::make_unique_for_overwrite<char[]>(n);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = n;
  }
  // Makes room for at least n more bytes; grows geometrically so appends stay amortised O(1).
  void ensureSpare(size_t n) {
    if (spareSize() >= n) return;
    size_t want = size_ + n;
    size_t doubled = capacity_ * 2;
    reserve(want > doubled ? want : doubled);
  }
  void append(std::string_view bytes) {
    ensureSpare(bytes.size());
    if (!bytes.empty()) std::memcpy(spare(), bytes.data(), bytes.size());
    size_ += bytes.size();
  }
  void append(char c) {
    ensureSpare(1);
    data_[size_++] = c;
  }
  // Frees the memory (after an unusually large request or answer).
  void release() {
    data_.reset();
    size_ = capacity_ = 0;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace triggerd
