// Properties every parsed delivery must have, whatever the provider sent: the fields later code
// relies on (job encoding, tags, logs) are consistent. A violation aborts the fuzzer.
#pragma once

#include <cstdlib>

#include "common/encoding.h"
#include "common/result.h"
#include "webhook/push_event.h"

namespace triggerd::fuzz {

inline void require(bool condition) {
  if (!condition) std::abort();
}

inline void checkDelivery(const Delivery& d) {
  if (d.kind == DeliveryKind::kIgnored) require(!d.ignored_reason.empty());
  if (d.kind != DeliveryKind::kPush) return;
  const PushEvent& p = d.push;
  require(!p.ref.empty() && !p.ref_name.empty());
  // ref_name is the ref without its refs/heads/ or refs/tags/ prefix.
  require(p.ref.size() > p.ref_name.size() &&
          p.ref.compare(p.ref.size() - p.ref_name.size(), p.ref_name.size(), p.ref_name) == 0);
  for (const std::string* s : {&p.ref, &p.head.sha, &p.head.message, &p.head.author,
                               &p.repository.full_name, &p.repository.clone_url}) {
    require(isValidUtf8(*s));  // job JSON is written from these
  }
  (void)hasSkipMarker(p.head.message);
}

// A refusal carries the status the handler answers and a message for the client.
inline void checkError(const Error& e) {
  require(e.status >= 400 && e.status < 600);
  require(!e.message.empty());
}

}  // namespace triggerd::fuzz
