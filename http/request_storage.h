// RequestStorage: the bytes of one request (head and decoded body, contiguous) and its header
// fields as views into those bytes.
//
// A connection reads into one. When a request is complete its storage moves, bytes and all, to
// the RequestContext (no copy of the body or the headers), and the connection takes another
// from the pool. The context gives it back when it is destroyed, so buffers keep their capacity
// from request to request instead of being allocated and freed each time.
#pragma once

#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "http/byte_buffer.h"

namespace triggerd {

using HeaderViews = std::vector<std::pair<std::string_view, std::string_view>>;

struct RequestStorage {
  ByteBuffer bytes;
  HeaderViews headers;  // views into `bytes`
};

// Loop-thread only. Shared (std::shared_ptr) between the server and the contexts it created,
// because a context may outlive its server.
class RequestStoragePool {
 public:
  // A new buffer's capacity: a typical webhook delivery (head and body) fits.
  static constexpr size_t kInitialBytes = 16 * 1024;
  // Buffers that grew beyond this are freed rather than kept.
  static constexpr size_t kMaxPooledBytes = 64 * 1024;
  static constexpr size_t kMaxPooled = 128;

  std::unique_ptr<RequestStorage> acquire();
  void release(std::unique_ptr<RequestStorage> storage);
  size_t pooled() const { return free_.size(); }

 private:
  std::vector<std::unique_ptr<RequestStorage>> free_;
};

}  // namespace triggerd
